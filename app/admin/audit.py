"""``record()``: one call writes one audit entry into the caller's transaction.

Callers pass ids and codes in ``details`` (e.g. ``{"group_ids": [3, 4]}``), never names, e-mail
addresses or free text typed by users: the log outlives erasures and is never rewritten.
"""
from flask import g, has_app_context

from app.core.db import db
from .models import AuditEntry


def _id(value):
    return getattr(value, "id", value)


def record(action: str, *, actor=None, course=None, target: str | None = None,
           details: dict | None = None) -> AuditEntry:
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
