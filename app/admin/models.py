"""The audit log and accessibility feedback.

Audit entries name people by user id only, never by name or e-mail: an erasure anonymises the
user row and every entry stays true and intact, so the log can stay append-only.
"""
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.db import db
from app.core.clock import utcnow


class AuditEntry(db.Model):
    """Who did what and when; written once, never changed or removed by the application."""

    __tablename__ = "audit_entry"

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True, index=True)
    actor_role = db.Column(db.String(32))  # the tool role at the time; None for the command line
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=True, index=True)
    action = db.Column(db.String(64), nullable=False, index=True)
    target = db.Column(db.String(255))  # e.g. "mentoring_group:12", "user:7"
    details = db.Column(db.JSON, nullable=False, default=dict)

    actor = db.relationship("User")
    course = db.relationship("Course")


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, _context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError("audit entries are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state):
    if (state.is_update or state.is_delete) and any(
        getattr(m, "class_", None) is AuditEntry for m in state.all_mappers
    ):
        raise AppendOnlyError("audit entries are append-only")


class AccessibilityFeedback(db.Model):
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

    user = db.relationship("User", foreign_keys=[user_id])
    answered_by = db.relationship("User", foreign_keys=[answered_by_id])
