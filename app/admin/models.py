"""Accessibility feedback (the audit log itself is ``app.core.audit``)."""

from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from app.core.clock import utcnow
from app.core.db import Model, db

if TYPE_CHECKING:
    from app.people.models import User


class AccessibilityFeedback(Model):
    """Feedback on accessibility (Act 306/2019): administrators must answer within 14 days."""

    __tablename__ = "accessibility_feedback"

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True, index=True)
    page = db.Column(db.String(512))  # the address or page the feedback is about
    message = db.Column(db.Text, nullable=False)
    contact = db.Column(db.String(320))  # where to answer when the sender was not signed in
    locale = db.Column(db.String(8))
    answered_at = db.Column(db.DateTime)
    answered_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)

    user: Mapped["User | None"] = relationship("User", foreign_keys=[user_id])
    answered_by: Mapped["User | None"] = relationship("User", foreign_keys=[answered_by_id])
