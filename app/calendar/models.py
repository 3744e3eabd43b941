"""Calendar feed tokens. Only a SHA-256 of the token is stored: the URL is the credential (a
calendar application fetches it without a session), so a database leak must not reveal it."""

from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from app.core.clock import utcnow
from app.core.db import Model, db

if TYPE_CHECKING:
    from app.people.models import Course, User


class CalendarFeed(Model):
    __tablename__ = "calendar_feed"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_fetched_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)

    user: Mapped["User"] = relationship("User")
    course: Mapped["Course"] = relationship("Course")
