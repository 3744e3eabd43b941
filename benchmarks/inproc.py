"""What the in-process benchmarks share: a tool app on a scratch instance folder, a course with
one staff member enrolled, and a session for them (matching.py, picker.py, report.py, scale.py)."""

from __future__ import annotations

import tempfile

ISSUER = "https://moodle.example"


def scratch_app(name: str, database_url: str | None = None):
    """The tool with quiet logs and its keys in a new folder; SQLite in that folder by default."""
    from app import create_app

    instance = tempfile.mkdtemp(prefix=f"bench-{name}-")
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance}/bench.db",
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
            "LTI_KEY_DIR": instance + "/keys",
            "INSTANCE_PATH": instance,
        }
    )


def staff_course(db, *, subject: str, name: str, role: str):
    """A course and a staff member enrolled in it with ``role`` (flushed, not committed)."""
    from app.people.models import Course, Enrolment, User

    course = Course(issuer=ISSUER, deployment_id="1", context_id="bench", title="Bench")
    user = User(issuer=ISSUER, subject=subject, name=name)
    db.session.add_all([course, user])
    db.session.flush()
    db.session.add(Enrolment(course_id=course.id, user_id=user.id, role=role, lti_roles=[]))
    return course, user


def session_token(app, db, user_id: int, course_id: int, role: str, **launch) -> str:
    """A session for the staff member, as a launch would start it (committed)."""
    from flask import session

    from app.core.sessions import start_session

    with app.test_request_context("/"):
        token = start_session(session, user_id, course_id, role, {"user_id": user_id, "course_id": course_id, **launch})
        db.session.commit()
    return token
