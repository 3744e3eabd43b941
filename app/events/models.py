"""Programme events and attendance."""

from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from app.core.clock import utcnow
from app.core.db import Model, db

if TYPE_CHECKING:
    from app.people.models import User
    from app.programme.models import Programme

KICKOFF = "kickoff"
MIDPOINT = "midpoint"
CLOSING = "closing"
LECTURE = "lecture"
PEER_MEETING = "peer_meeting"
OTHER = "other"
#: KICKOFF, MIDPOINT and CLOSING come from the programme's set-up (one each, dated by it);
#: these are the events facilitators add.
ADDED_KINDS = (LECTURE, PEER_MEETING, OTHER)


class ProgrammeEvent(Model):
    __tablename__ = "programme_event"
    # One kickoff, one midpoint and one closing per programme even when two requests create them
    # at once: ``slot`` repeats the kind for those and is NULL (never equal) for added events.
    __table_args__ = (db.UniqueConstraint("programme_id", "slot"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)
    slot = db.Column(db.String(16))
    title = db.Column(db.String(255), nullable=False, default="")  # empty: the kind's own name
    starts_at = db.Column(db.DateTime, nullable=False)  # naive UTC
    duration_minutes = db.Column(db.Integer, nullable=False, default=120)
    location = db.Column(db.String(255), nullable=False, default="")
    url = db.Column(db.String(1024), nullable=False, default="")
    description = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    cancelled_at = db.Column(db.DateTime)

    programme: Mapped["Programme"] = relationship("Programme")


class Attendance(Model):
    """One participant's attendance at one event, as a facilitator recorded it."""

    __tablename__ = "event_attendance"
    __table_args__ = (db.UniqueConstraint("event_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(
        db.Integer, db.ForeignKey("programme_event.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    source = db.Column(db.String(16), nullable=False)  # list or csv
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    recorded_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    event: Mapped["ProgrammeEvent"] = relationship("ProgrammeEvent")
    user: Mapped["User"] = relationship("User", foreign_keys=[user_id])


class AttendanceScore(Model):
    """A participant's "Programme events" score as last queued for the gradebook: events
    attended of events held. Recomputing compares against it, so only changed scores are sent."""

    __tablename__ = "event_attendance_score"
    __table_args__ = (db.UniqueConstraint("programme_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    attended = db.Column(db.Integer, nullable=False)
    held = db.Column(db.Integer, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
