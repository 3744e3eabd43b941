"""Sparring's scheduled mail: a session tomorrow, told to its group's members as an event
tomorrow is (the same mail and .ics, ``notifications.services.sparring_tomorrow``)."""

from datetime import datetime

from app.core.db import db

from ..notifications import services as notifications
from ..programme.models import Programme
from .models import SparringGroup, SparringMember, SparringSession


def announce_tomorrow(_sender: object, now: datetime) -> None:
    """A receiver of ``mail_due``: mail the members of each open group whose session starts
    tomorrow (Helsinki days), once per session and start time."""
    begins, ends = notifications.tomorrow(now)
    sessions = db.session.execute(
        db.select(SparringSession, SparringGroup)
        .join(SparringGroup, SparringGroup.id == SparringSession.group_id)
        .where(
            SparringSession.starts_at >= begins,
            SparringSession.starts_at < ends,
            SparringGroup.archived_at.is_(None),
        )
        .order_by(SparringSession.id)
    ).all()
    for session, group in sessions:
        members = db.session.scalars(db.select(SparringMember.user_id).where(SparringMember.group_id == group.id))
        programme = db.session.get_one(Programme, group.programme_id)
        notifications.sparring_tomorrow(programme, session.id, group.name, session.starts_at, list(members))
