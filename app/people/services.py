"""Record who launched, in which course and with what role (plain data in, rows out)."""
from dataclasses import dataclass

from sqlalchemy import func

from ..extensions import db
from ..lti.models import utcnow
from ..upsert import insert
from .models import Course, Enrolment, User


@dataclass(frozen=True)
class LaunchIdentity:
    """What a launch tells about the person and the course, free of LTI vocabulary."""

    issuer: str
    subject: str
    role: str
    lti_roles: tuple[str, ...] = ()
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    picture: str | None = None
    locale: str | None = None
    deployment_id: str | None = None
    context_id: str | None = None
    context_title: str | None = None
    context_label: str | None = None


def record_launch(identity: LaunchIdentity) -> tuple[int, int | None]:
    """Create or refresh the user, course and enrolment; return (user id, course id or None).

    Three upserts, in the caller's transaction. Name, email and picture are refreshed on every
    launch: the platform is their source.
    """
    now = utcnow()
    details = {
        "name": identity.name,
        "given_name": identity.given_name,
        "family_name": identity.family_name,
        "email": identity.email,
        "picture": identity.picture,
        "locale": identity.locale,
        "last_launch_at": now,
    }
    statement = insert(User).values(issuer=identity.issuer, subject=identity.subject, created_at=now, **details)
    user_id = db.session.execute(
        statement.on_conflict_do_update(index_elements=["issuer", "subject"], set_=details).returning(User.id)
    ).scalar_one()
    if not identity.context_id:
        return user_id, None

    course_values = {"title": identity.context_title, "label": identity.context_label}
    statement = insert(Course).values(
        issuer=identity.issuer,
        deployment_id=identity.deployment_id,
        context_id=identity.context_id,
        created_at=now,
        **course_values,
    )
    # A launch without a title keeps the one the course had.
    keep_or_update = {k: func.coalesce(statement.excluded[k], getattr(Course, k)) for k in course_values}
    course_id = db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["issuer", "deployment_id", "context_id"], set_=keep_or_update
        ).returning(Course.id)
    ).scalar_one()

    enrolment = {
        "role": identity.role,
        "lti_roles": list(identity.lti_roles),
        "active": True,
        "last_launch_at": now,
    }
    db.session.execute(
        insert(Enrolment)
        .values(course_id=course_id, user_id=user_id, **enrolment)
        .on_conflict_do_update(index_elements=["course_id", "user_id"], set_=enrolment)
    )
    return user_id, course_id
