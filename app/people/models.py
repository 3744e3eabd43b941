"""People and courses as the tool knows them from launches and the course roster."""

from flask_babel import gettext
from sqlalchemy.orm import Mapped, relationship

from app.core.clock import utcnow
from app.core.db import Model, db
from app.core.roles import ADMINISTRATOR, FACILITATOR, GUEST, PARTICIPANT  # noqa: F401 (people's roles, defined in core)

ERASED_SUBJECT_PREFIX = "erased:"  # an erased person's account (app.admin.privacy.erase_person)


class User(Model):
    __tablename__ = "user_account"
    __table_args__ = (db.UniqueConstraint("issuer", "subject"),)

    id = db.Column(db.Integer, primary_key=True)
    issuer = db.Column(db.String(255), nullable=False)
    subject = db.Column(db.String(255), nullable=False)
    name = db.Column(db.String(255))
    given_name = db.Column(db.String(255))
    family_name = db.Column(db.String(255))
    email = db.Column(db.String(320))
    picture = db.Column(db.String(1024))
    locale = db.Column(db.String(16))  # the launch's
    language = db.Column(db.String(8))  # the one the person chose in the tool; wins over the launch's
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_launch_at = db.Column(db.DateTime)

    @property
    def erased(self) -> bool:
        return self.subject.startswith(ERASED_SUBJECT_PREFIX)

    @property
    def display_name(self) -> str:
        """The person's name wherever one is shown; an erased person's in the reader's language."""
        return person_name(self.subject, self.name, self.given_name, self.family_name, self.email)


def person_name(subject: str, name: str | None, given: str | None, family: str | None, email: str | None) -> str:
    """``User.display_name`` from the columns alone (for lists read without ORM objects)."""
    if subject.startswith(ERASED_SUBJECT_PREFIX):
        return gettext("[erased]")
    full = " ".join(p for p in (given, family) if p)
    return name or full or email or ""


class Course(Model):
    __tablename__ = "course"
    __table_args__ = (db.UniqueConstraint("issuer", "deployment_id", "context_id"),)

    id = db.Column(db.Integer, primary_key=True)
    issuer = db.Column(db.String(255), nullable=False)
    deployment_id = db.Column(db.String(255), nullable=False)
    context_id = db.Column(db.String(255), nullable=False)
    title = db.Column(db.String(512))
    label = db.Column(db.String(255))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Enrolment(Model):
    """A person's role in one course; inactive when they left it (their data stays)."""

    __tablename__ = "enrolment"
    __table_args__ = (db.UniqueConstraint("course_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    role = db.Column(db.String(32), nullable=False)
    lti_roles = db.Column(db.JSON, nullable=False, default=list)
    active = db.Column(db.Boolean, nullable=False, default=True)
    last_launch_at = db.Column(db.DateTime)
    # When a launch last changed ``role``: sessions begun before it are over (app/core/sessions.py).
    role_since = db.Column(db.DateTime)

    user: Mapped["User"] = relationship("User")
    course: Mapped["Course"] = relationship("Course")
