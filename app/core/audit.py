"""The audit log: ``record()`` writes one entry into the caller's transaction.

Audit entries name people by user id only, never by name or e-mail: an erasure anonymises the
user row and every entry stays true and intact, so the log can stay append-only.

Callers pass ids and codes in ``details`` (e.g. ``{"group_ids": [3, 4]}``), never names, e-mail
addresses or free text typed by users: the log outlives erasures and is never rewritten.
"""

from typing import Any

from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .clock import utcnow
from .db import Model, db


class AuditEntry(Model):
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
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyError("audit entries are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state: Any) -> None:
    if (state.is_update or state.is_delete) and any(
        getattr(m, "class_", None) is AuditEntry for m in state.all_mappers
    ):
        raise AppendOnlyError("audit entries are append-only")


def _id(value: Any) -> Any:
    return getattr(value, "id", value)


def record(
    action: str,
    *,
    actor: Any = None,
    course: Any = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to ``db.session`` (no commit: it lands with the caller's change).

    ``actor`` and ``course`` default to the launched user and course of the current request;
    pass them explicitly from the command line or background work (``None`` there means "system").
    """
    role = None
    if has_app_context() and g.get("user") is not None:
        if actor is None:
            actor = g.user
            role = g.get("role")
        elif _id(actor) == g.user.id:
            role = g.get("role")
        if course is None:
            course = g.get("course")
    entry = AuditEntry(
        action=action,
        actor_id=_id(actor),
        actor_role=role,
        course_id=_id(course),
        target=target,
        details=details or {},
    )
    db.session.add(entry)
    return entry
