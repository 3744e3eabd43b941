"""A programme (cohort) run inside one course, its organisations and themes, and registrations.

A course can hold successive programmes; everything a participant does belongs to one programme,
so their history stays with it.
"""

from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from app.core.clock import utcnow
from app.core.db import Model, db

if TYPE_CHECKING:
    from app.people.models import Course, User

# Role wishes and forms of mentoring, in the programme's own words (values match app.matching.engine.types).
ROLE_WISHES = ("mentor", "aktori", "peer", "any")
FORMS = ("traditional", "reverse", "group", "peer")
LANGUAGES = ("fi", "sv", "en")


class Programme(Model):
    __tablename__ = "programme"

    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False, index=True)
    name = db.Column(db.String(255), nullable=False)
    registration_opens = db.Column(db.Date)
    registration_closes = db.Column(db.Date)
    kickoff = db.Column(db.Date, nullable=False)
    midpoint = db.Column(db.Date)
    closing = db.Column(db.Date, nullable=False)
    required_meetings = db.Column(db.Integer, nullable=False, default=6)
    min_meeting_minutes = db.Column(db.Integer, nullable=False, default=45)
    max_meeting_minutes = db.Column(db.Integer, nullable=False, default=75)
    languages = db.Column(db.JSON, nullable=False, default=lambda: list(LANGUAGES))
    prefer_cross_organisation = db.Column(db.Boolean, nullable=False, default=False)
    # The language of what the tool names once for everyone: the grade items it creates in Moodle.
    main_language = db.Column(db.String(8), nullable=False, default="fi", server_default="fi")
    # Personal data is purged this many months after the closing event (privacy purge).
    retention_months = db.Column(db.Integer, nullable=False, default=12, server_default="12")
    # The Moodle address of the programme's activity: where mails send people (never a tool URL).
    moodle_url = db.Column(db.String(1024))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    course: Mapped["Course"] = relationship("Course")
    organisations: Mapped[list["Organisation"]] = relationship(
        "Organisation", order_by="Organisation.position", back_populates="programme"
    )
    themes: Mapped[list["Theme"]] = relationship("Theme", order_by="Theme.position", back_populates="programme")


class _Named:
    """A name in each of the tool's languages; Finnish is the fallback."""

    name_fi = db.Column(db.String(255), nullable=False)
    name_sv = db.Column(db.String(255))
    name_en = db.Column(db.String(255))
    position = db.Column(db.Integer, nullable=False, default=0)

    def name(self, locale: str) -> str:
        return getattr(self, f"name_{locale}", None) or self.name_fi


class Organisation(_Named, Model):
    """A participating agency (seeded with the Tulanet institutes, editable per programme)."""

    __tablename__ = "organisation"
    __table_args__ = (db.UniqueConstraint("programme_id", "code"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    code = db.Column(db.String(32), nullable=False)

    programme: Mapped["Programme"] = relationship("Programme", back_populates="organisations")


class Theme(_Named, Model):
    """A theme participants offer or want (seeded with the programme text's themes)."""

    __tablename__ = "theme"
    __table_args__ = (db.UniqueConstraint("programme_id", "code"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    code = db.Column(db.String(64), nullable=False)

    programme: Mapped["Programme"] = relationship("Programme", back_populates="themes")


class Registration(Model):
    """One person's registration to one programme: only what matching needs."""

    __tablename__ = "registration"
    __table_args__ = (db.UniqueConstraint("programme_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    role_wish = db.Column(db.String(16), nullable=False, default="any")
    forms = db.Column(db.JSON, nullable=False, default=lambda: list(FORMS))
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisation.id"), nullable=True)
    unit = db.Column(db.String(255))
    themes_offered = db.Column(db.JSON, nullable=False, default=list)  # theme codes
    themes_wanted = db.Column(db.JSON, nullable=False, default=list)  # theme codes
    goals = db.Column(db.Text, nullable=False, default="")
    languages = db.Column(db.JSON, nullable=False, default=lambda: ["fi"])
    meeting_preferences = db.Column(db.Text, nullable=False, default="")
    capacity = db.Column(db.Integer, nullable=False, default=1)  # mentors: 1 or 2 aktoris
    counterpart_user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    counterpart_name = db.Column(db.String(255))
    counterpart_contact = db.Column(db.String(320))
    must_not_pair = db.Column(db.JSON, nullable=False, default=list)  # user ids
    mentor_tip = db.Column(db.Text, nullable=False, default="")
    withdrawn_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    programme: Mapped["Programme"] = relationship("Programme")
    user: Mapped["User"] = relationship("User", foreign_keys=[user_id])
    organisation: Mapped["Organisation | None"] = relationship("Organisation")
    counterpart: Mapped["User | None"] = relationship("User", foreign_keys=[counterpart_user_id])

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class AgencyContact(Model):
    """A person an administrator named as their agency's contact for the programme: they see their
    own agency's participation and completion for HR (app.agency). The role is the tool's, not the
    LMS's: a Learner can be a contact."""

    __tablename__ = "agency_contact"
    __table_args__ = (db.UniqueConstraint("organisation_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    organisation_id = db.Column(
        db.Integer, db.ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    named_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    organisation: Mapped["Organisation"] = relationship("Organisation")
    user: Mapped["User"] = relationship("User", foreign_keys=[user_id])


class ColleagueTip(Model):
    """A registrant's tip about a colleague not yet in the course: the coordinators contact that
    person on the nominator's behalf. Personal data of someone who did not consent: only the
    facilitators see it, and it is purged at the programme's end or on the colleague's request."""

    __tablename__ = "colleague_tip"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)  # the nominator
    name = db.Column(db.String(255), nullable=False)
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True)
    email = db.Column(db.String(320), nullable=False)
    role = db.Column(db.String(16), nullable=False)  # mentor, aktori, peer
    why = db.Column(db.Text, nullable=False, default="")
    status = db.Column(db.String(16), nullable=False, default="to_contact")  # app.programme.rules.TIP_STATUSES
    status_changed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    status_changed_at = db.Column(db.DateTime)
    joined_user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    nominator: Mapped["User"] = relationship("User", foreign_keys=[user_id])
    organisation: Mapped["Organisation | None"] = relationship("Organisation")
    status_changed_by: Mapped["User | None"] = relationship("User", foreign_keys=[status_changed_by_id])
    joined_user: Mapped["User | None"] = relationship("User", foreign_keys=[joined_user_id])
