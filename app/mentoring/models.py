"""What a pair or group keeps: its agreement (versions and acceptances), its meetings and each
attendee's answer, its ticks on the shared checklists; per participant, the counted meetings
last sent to the gradebook and the private journal.

Every table hangs on ``mentoring_group`` (app.matching) and is scoped through it to a programme
and a course. Times are naive UTC (``core.clock.utcnow``); meetings are entered and shown in
Europe/Helsinki (``clock.helsinki_to_utc`` / ``clock.utc_to_helsinki``).
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from app.core import clock
from app.core.clock import utcnow
from app.core.db import Model, db

from . import rules

if TYPE_CHECKING:
    from app.groups.models import MentoringGroup
    from app.people.models import User


class Agreement(Model):
    """The one mentoring agreement of a pair or group. Its text lives in versions; the newest
    version is the current one."""

    __tablename__ = "mentoring_agreement"

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(
        db.Integer, db.ForeignKey("mentoring_group.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    group: Mapped["MentoringGroup"] = relationship("MentoringGroup")
    versions: Mapped[list["AgreementVersion"]] = relationship(
        "AgreementVersion",
        back_populates="agreement",
        cascade="all, delete-orphan",
        order_by="AgreementVersion.number",
        lazy="selectin",
    )

    @property
    def current(self) -> "AgreementVersion | None":
        return self.versions[-1] if self.versions else None


# The sections the programme names, in the order the document shows them.
AGREEMENT_SECTIONS = ("confidentiality", "contact", "time_use", "goals", "language")


class AgreementVersion(Model):
    """One saved text of the agreement. Saving never changes a version: it adds the next
    ``number`` (unique per agreement, so two members saving at once cannot both win), and the
    new version needs everyone's acceptance again. Earlier versions stay readable."""

    __tablename__ = "mentoring_agreement_version"
    __table_args__ = (db.UniqueConstraint("agreement_id", "number"),)

    id = db.Column(db.Integer, primary_key=True)
    agreement_id = db.Column(
        db.Integer, db.ForeignKey("mentoring_agreement.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number = db.Column(db.Integer, nullable=False)
    confidentiality = db.Column(db.Text, nullable=False, default="")
    contact = db.Column(db.Text, nullable=False, default="")  # contact and availability
    time_use = db.Column(db.Text, nullable=False, default="")  # meeting rhythm and length
    goals = db.Column(db.Text, nullable=False, default="")  # the aktori's first; in peer mentoring both
    language = db.Column(db.Text, nullable=False, default="")
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    agreement: Mapped["Agreement"] = relationship("Agreement", back_populates="versions")
    created_by: Mapped["User | None"] = relationship("User")
    acceptances: Mapped[list["AgreementAcceptance"]] = relationship(
        "AgreementAcceptance",
        back_populates="version",
        cascade="all, delete-orphan",
        order_by="AgreementAcceptance.accepted_at",
        lazy="selectin",
    )

    def acceptor_ids(self) -> set[int]:
        return {a.user_id for a in self.acceptances}

    def accepted_at_by_member(self) -> dict:
        return {a.user_id: a.accepted_at for a in self.acceptances}


class AgreementAcceptance(Model):
    """One member's acceptance of one version (at most one: accepting twice changes nothing)."""

    __tablename__ = "mentoring_agreement_acceptance"
    __table_args__ = (db.UniqueConstraint("version_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    version_id = db.Column(
        db.Integer,
        db.ForeignKey("mentoring_agreement_version.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    accepted_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    version: Mapped["AgreementVersion"] = relationship("AgreementVersion", back_populates="acceptances")
    user: Mapped["User"] = relationship("User")


class Meeting(Model):
    """A meeting a member logged for their pair or group.

    Fields: ``starts_at`` naive UTC start (shown in Europe/Helsinki: ``local_start``),
    ``duration_minutes``, ``mode`` (one of ``rules.MODES``), ``logged_by_id`` (who logged it),
    ``revision`` (raised by each correction), ``attestations`` (one row per attendee: who was
    there and their answer). A meeting counts for its attendees once all have confirmed
    (``state`` is ``rules.COUNTED``). Nothing about what was discussed is stored.

    One group cannot have two meetings starting at the same moment (unique constraint; the
    services also refuse overlapping spans). Once a meeting counts, members change it only
    through a ``MeetingChange`` that the other attendees confirm.
    """

    __tablename__ = "mentoring_meeting"
    __table_args__ = (
        db.UniqueConstraint("group_id", "starts_at"),
        db.CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(
        db.Integer, db.ForeignKey("mentoring_group.id", ondelete="CASCADE"), nullable=False, index=True
    )
    starts_at = db.Column(db.DateTime, nullable=False)
    duration_minutes = db.Column(db.Integer, nullable=False)
    mode = db.Column(db.String(16), nullable=False)
    logged_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    revision = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    group: Mapped["MentoringGroup"] = relationship("MentoringGroup")
    logged_by: Mapped["User | None"] = relationship("User")
    attestations: Mapped[list["MeetingAttestation"]] = relationship(
        "MeetingAttestation",
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="MeetingAttestation.id",
        lazy="selectin",
    )

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def local_start(self):
        return clock.utc_to_helsinki(self.starts_at)

    def answers(self) -> dict[int, str]:
        return {a.user_id: a.status for a in self.attestations}

    @property
    def state(self) -> str:
        return rules.meeting_state(self.answers())

    def attendee_ids(self) -> set[int]:
        return {a.user_id for a in self.attestations}


class MeetingAttestation(Model):
    """An attendee of a meeting and their answer: ``pending``, ``confirmed`` or ``disputed``
    (with ``reason``, kept for the logger until the meeting is corrected). One per attendee."""

    __tablename__ = "mentoring_meeting_attestation"
    __table_args__ = (db.UniqueConstraint("meeting_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    meeting_id = db.Column(
        db.Integer, db.ForeignKey("mentoring_meeting.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    status = db.Column(db.String(16), nullable=False, default=rules.PENDING)
    reason = db.Column(db.Text)
    answered_at = db.Column(db.DateTime)

    meeting: Mapped["Meeting"] = relationship("Meeting", back_populates="attestations")
    user: Mapped["User"] = relationship("User")


class MeetingChange(Model):
    """A change of a counted meeting: a member's proposal (``kind`` delete or correct, the
    proposed values, who confirmed it so far) that applies once everyone it touches confirmed
    it, or a facilitator's change with its ``reason``, applied at once (status ``facilitator``).

    The row outlives a deleted meeting (``meeting_id`` becomes NULL), so the members still read
    what happened to "the meeting of 3.10." (``meeting_starts_at``). One pending change per
    meeting (partial unique index). ``confirmed_ids`` and ``attendee_ids`` are JSON lists of
    user ids.
    """

    __tablename__ = "mentoring_meeting_change"
    __table_args__ = (
        db.CheckConstraint("kind IN ('delete', 'correct')", name="kind_known"),
        db.CheckConstraint(
            "status IN ('pending', 'applied', 'declined', 'withdrawn', 'superseded', 'facilitator')",
            name="status_known",
        ),
        db.Index(
            "uq_mentoring_meeting_change_one_pending",
            "meeting_id",
            unique=True,
            sqlite_where=db.text("status = 'pending'"),
            postgresql_where=db.text("status = 'pending'"),
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(
        db.Integer, db.ForeignKey("mentoring_group.id", ondelete="CASCADE"), nullable=False, index=True
    )
    meeting_id = db.Column(db.Integer, db.ForeignKey("mentoring_meeting.id", ondelete="SET NULL"), nullable=True)
    meeting_starts_at = db.Column(db.DateTime, nullable=False)  # the meeting's start when the change was made
    kind = db.Column(db.String(16), nullable=False)
    starts_at = db.Column(db.DateTime)  # a correction's values
    duration_minutes = db.Column(db.Integer)
    mode = db.Column(db.String(16))
    attendee_ids = db.Column(db.JSON)
    proposed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    reason = db.Column(db.Text)  # a facilitator's stated reason
    status = db.Column(db.String(16), nullable=False, default=rules.CHANGE_PENDING)
    confirmers = db.Column(db.JSON, nullable=False, default=list)  # who must confirm it
    confirmed_ids = db.Column(db.JSON, nullable=False, default=list)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_at = db.Column(db.DateTime)

    meeting: Mapped["Meeting | None"] = relationship("Meeting")
    proposed_by: Mapped["User | None"] = relationship("User", foreign_keys=[proposed_by_id])
    decided_by: Mapped["User | None"] = relationship("User", foreign_keys=[decided_by_id])

    @property
    def pending(self) -> bool:
        return self.status == rules.CHANGE_PENDING

    def as_rule(self) -> rules.PendingChange:
        return rules.PendingChange(self.proposed_by_id, frozenset(self.confirmers), frozenset(self.confirmed_ids))

    @property
    def local_meeting_start(self):
        return clock.utc_to_helsinki(self.meeting_starts_at)

    @property
    def local_start(self):
        return clock.utc_to_helsinki(self.starts_at) if self.starts_at else None


class MeetingCount(Model):
    """A participant's counted meetings in a programme, as last sent to the gradebook, with the
    required number (N) that score used. Kept in the same transaction as the change, so reports
    read one row per person, and a change of N re-sends exactly the scores it changes."""

    __tablename__ = "mentoring_meeting_count"
    __table_args__ = (db.UniqueConstraint("programme_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    counted = db.Column(db.Integer, nullable=False, default=0)
    required = db.Column(db.Integer)  # N of the last score sent; NULL: none sent yet
    completed_at = db.Column(db.DateTime)  # when ``counted`` first reached the required number
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ChecklistTick(Model):
    """A ticked item of a shared checklist (content/checklists.toml) for one pair or group.
    Item ids are stable by the content rules; untick deletes the row."""

    __tablename__ = "mentoring_checklist_tick"
    __table_args__ = (db.UniqueConstraint("group_id", "item_id"),)

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(
        db.Integer, db.ForeignKey("mentoring_group.id", ondelete="CASCADE"), nullable=False, index=True
    )
    item_id = db.Column(db.String(128), nullable=False)
    ticked_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    ticked_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    ticked_by: Mapped["User | None"] = relationship("User")


class JournalEntry(Model):
    """One private reflection note. ``body`` is Fernet ciphertext (app.mentoring.journal); only
    its author ever sees the text. ``prompt_id`` names the reflection prompt it started from."""

    __tablename__ = "mentoring_journal_entry"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    prompt_id = db.Column(db.String(64))
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
