"""publish_score queues in the caller's transaction; the sync summary and resend are per course."""

import pytest

from app.core.db import db
from app.lti.gradebook import ScoreRejected, course_summary, publish_score, resend
from app.lti.models import FAILED, ScoreKey, ScoreOutbox
from app.lti.tokens import ServiceError
from app.people.models import Course, Enrolment, User


def _enrolment(issuer="https://moodle.example", context="2", subject="5"):
    user = db.session.scalar(db.select(User).filter_by(issuer=issuer, subject=subject))
    if user is None:
        user = User(issuer=issuer, subject=subject, name=f"Person {subject}")
        db.session.add(user)
    course = db.session.scalar(db.select(Course).filter_by(issuer=issuer, context_id=context))
    if course is None:
        course = Course(issuer=issuer, deployment_id="1", context_id=context)
        db.session.add(course)
    db.session.flush()
    enrolment = Enrolment(course_id=course.id, user_id=user.id, role="participant", lti_roles=[])
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def test_publish_score_commits_with_the_caller(app):
    with app.app_context():
        enrolment = _enrolment()
        db.session.commit()
        publish_score(enrolment, "mentoring:1", 2, 6, "InProgress", "FullyGraded", label="Oma mentorointi")
        db.session.rollback()  # the change that caused it failed: no score either
        assert db.session.scalar(db.select(db.func.count()).select_from(ScoreOutbox)) == 0
        row = publish_score(enrolment, "mentoring:1", 3, 6, "InProgress", "FullyGraded", "hyvä")
        publish_score(enrolment, "mentoring:1", 4, 6, "InProgress", "FullyGraded")
        db.session.commit()
        rows = db.session.scalars(db.select(ScoreOutbox).order_by(ScoreOutbox.id)).all()
        assert [r.score_given for r in rows] == [3, 4] and rows[0].comment == "hyvä"
        assert rows[0].key_id == rows[1].key_id == row.key_id
        assert rows[0].created_at <= rows[1].created_at and rows[0].status == "pending"
        assert db.session.scalar(db.select(db.func.count()).select_from(ScoreKey)) == 1


def test_publish_score_refuses_bad_scores(app):
    with app.app_context():
        enrolment = _enrolment()
        with pytest.raises(ScoreRejected, match="grading_progress"):
            publish_score(enrolment, "mentoring:1", 1, 6, "Completed", "Done")
        with pytest.raises(ScoreRejected, match="resource"):
            publish_score(enrolment, "", 1, 6, "Completed", "FullyGraded")


def test_summary_and_resend_are_scoped_to_the_course(app):
    with app.app_context():
        mine, other = _enrolment(context="2"), _enrolment(context="3", subject="6")
        a = publish_score(mine, "mentoring:1", 1, 6, "InProgress", "FullyGraded")
        b = publish_score(mine, "events:1", 1, 3, "InProgress", "FullyGraded")
        c = publish_score(other, "mentoring:2", 1, 6, "InProgress", "FullyGraded")
        db.session.flush()
        for row, reason in ((a, ServiceError("score_refused", 400).stored()), (c, "nope")):
            row.status, row.last_status, row.last_error = FAILED, 400, reason
        db.session.commit()
        summary = course_summary(mine.course_id)
        assert (summary.pending, summary.failed, summary.delivered) == (1, 1, 0)
        assert (
            summary.failures[0].reason.startswith("The platform refused") and summary.failures[0].person == "Person 5"
        )
        assert resend(mine.course_id, c.id) == 0  # another course's row
        assert resend(mine.course_id, a.id) == 1
        assert resend(mine.course_id) == 0
        db.session.commit()
        assert db.session.get(ScoreOutbox, a.id).status == "pending"
        assert db.session.get(ScoreOutbox, c.id).status == "failed"
        assert b.status == "pending"
