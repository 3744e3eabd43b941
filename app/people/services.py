"""Record who launched, in which course and with what role (plain data in, rows out)."""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from app.core.clock import utcnow
from app.core.db import db, upsert

from ..content.models import ContentReadMark
from .models import PARTICIPANT, Course, Enrolment, User


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


_USER_DETAILS = ("name", "given_name", "family_name", "email", "picture", "locale", "last_launch_at")
_COURSE_DETAILS = ("title", "label")
_ENROLMENT_DETAILS = ("role", "lti_roles", "active", "last_launch_at")


class Launched(NamedTuple):
    user_id: int
    course_id: int | None
    language: str | None  # the language the person chose in the tool, if they have


class StoredCourse(NamedTuple):
    """The course row a launch names, as read before the launch is recorded."""

    id: int
    title: str | None
    label: str | None


def record_launch(identity: LaunchIdentity, stored_course: StoredCourse | None = None) -> Launched:
    """Create or refresh the user, course and enrolment.

    Three upserts, in the caller's transaction; the course's only when the launch changes it
    (``stored_course``: the row as read earlier in this transaction). Name, email and picture are
    refreshed on every launch: the platform is their source. A launch without a course title
    keeps the stored one; one without an email claim keeps the stored address (the roster's, or an
    earlier launch's).
    """
    now = utcnow()
    user_id, language = db.session.execute(
        upsert(User, ("issuer", "subject"), _USER_DETAILS, keep_when_null=("email",), returning=("id", "language")),
        {
            "issuer": identity.issuer,
            "subject": identity.subject,
            "name": identity.name,
            "given_name": identity.given_name,
            "family_name": identity.family_name,
            "email": identity.email,
            "picture": identity.picture,
            "locale": identity.locale,
            "last_launch_at": now,
            "created_at": now,
        },
    ).one()
    if not identity.context_id:
        return Launched(user_id, None, language)

    if (
        stored_course is not None
        and identity.context_title in (None, stored_course.title)
        and identity.context_label in (None, stored_course.label)
    ):
        course_id = stored_course.id
    else:
        course_id = _upsert_course(identity, now)
    db.session.execute(
        upsert(Enrolment, ("course_id", "user_id"), _ENROLMENT_DETAILS, stamp=("role_since", "role", "last_launch_at")),
        {
            "course_id": course_id,
            "user_id": user_id,
            "role": identity.role,
            "lti_roles": list(identity.lti_roles),
            "active": True,
            "last_launch_at": now,
        },
    )
    return Launched(user_id, course_id, language)


def _upsert_course(identity: LaunchIdentity, now: datetime) -> int:
    course_id: int = db.session.execute(
        upsert(
            Course,
            ("issuer", "deployment_id", "context_id"),
            _COURSE_DETAILS,
            keep_when_null=_COURSE_DETAILS,
            returning="id",
        ),
        {
            "issuer": identity.issuer,
            "deployment_id": identity.deployment_id,
            "context_id": identity.context_id,
            "title": identity.context_title,
            "label": identity.context_label,
            "created_at": now,
        },
    ).scalar_one()
    return course_id


def read_counts(course_id: int) -> tuple[dict[str, int], int]:
    """How many of the course's active participants have marked each module read, and how
    many active participants the course has. Counts only: the query never returns a person."""
    participant = db.and_(
        Enrolment.course_id == course_id,
        Enrolment.role == PARTICIPANT,
        Enrolment.active.is_(True),
    )
    total = db.session.scalar(db.select(db.func.count(Enrolment.id)).where(participant)) or 0
    rows = db.session.execute(
        db.select(ContentReadMark.module_id, db.func.count(ContentReadMark.id))
        .join(
            Enrolment,
            db.and_(
                Enrolment.course_id == ContentReadMark.course_id,
                Enrolment.user_id == ContentReadMark.user_id,
            ),
        )
        .where(ContentReadMark.course_id == course_id, participant)
        .group_by(ContentReadMark.module_id)
    )
    return {module_id: count for module_id, count in rows}, total
