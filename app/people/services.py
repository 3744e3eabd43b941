"""Record who launched, in which course and with what role (plain data in, rows out)."""
from dataclasses import dataclass, field

from ..extensions import db
from ..lti.models import utcnow
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
    extra: dict = field(default_factory=dict)


def record_launch(identity: LaunchIdentity) -> tuple[User, Course | None, Enrolment | None]:
    """Create or refresh the user, course and enrolment; the caller commits."""
    now = utcnow()
    user = db.session.scalar(
        db.select(User).filter_by(issuer=identity.issuer, subject=identity.subject)
    )
    if user is None:
        user = User(issuer=identity.issuer, subject=identity.subject)
        db.session.add(user)
    # Name, email and picture are refreshed on every launch (the platform is the source).
    user.name = identity.name
    user.given_name = identity.given_name
    user.family_name = identity.family_name
    user.email = identity.email
    user.picture = identity.picture
    user.locale = identity.locale
    user.last_launch_at = now

    if not identity.context_id:
        db.session.flush()
        return user, None, None
    course = db.session.scalar(
        db.select(Course).filter_by(
            issuer=identity.issuer,
            deployment_id=identity.deployment_id,
            context_id=identity.context_id,
        )
    )
    if course is None:
        course = Course(
            issuer=identity.issuer,
            deployment_id=identity.deployment_id,
            context_id=identity.context_id,
        )
        db.session.add(course)
    course.title = identity.context_title or course.title
    course.label = identity.context_label or course.label
    db.session.flush()

    enrolment = db.session.scalar(
        db.select(Enrolment).filter_by(course_id=course.id, user_id=user.id)
    )
    if enrolment is None:
        enrolment = Enrolment(course_id=course.id, user_id=user.id)
        db.session.add(enrolment)
    enrolment.role = identity.role
    enrolment.lti_roles = list(identity.lti_roles)
    enrolment.active = True
    enrolment.last_launch_at = now
    db.session.flush()
    return user, course, enrolment
