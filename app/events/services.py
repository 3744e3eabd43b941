"""The programme's events as other parts of the tool use them (pages, calendar, demo)."""
from datetime import time

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..mentoring.rules import helsinki_to_utc, utc_to_helsinki
from ..programme.models import Programme
from .models import CLOSING, KICKOFF, LECTURE, MIDPOINT, OTHER, PEER_MEETING, ProgrammeEvent

KIND_NAMES = {
    KICKOFF: _l("Kickoff"),
    MIDPOINT: _l("Midpoint event"),
    CLOSING: _l("Closing event"),
    LECTURE: _l("Lecture"),
    PEER_MEETING: _l("Peer meeting"),
    OTHER: _l("Other event"),
}
#: Where a programme event starts until a facilitator sets its time (Helsinki time).
DEFAULT_START = time(13, 0)
DEFAULT_MINUTES = 120


def ensure_programme_events(programme: Programme) -> None:
    """Kickoff, midpoint and closing exist as events on the programme's dates. A facilitator sets
    their time and place; if the programme's date changes, the event follows at the same local
    time. Commits only when something changed."""
    existing = {
        e.slot: e
        for e in db.session.scalars(
            db.select(ProgrammeEvent).where(ProgrammeEvent.programme_id == programme.id,
                                            ProgrammeEvent.slot.is_not(None))
        )
    }
    changed = False
    for kind, day in ((KICKOFF, programme.kickoff), (MIDPOINT, programme.midpoint), (CLOSING, programme.closing)):
        event = existing.get(kind)
        if day is None:
            continue
        if event is None:
            db.session.add(ProgrammeEvent(programme_id=programme.id, kind=kind, slot=kind,
                                          starts_at=helsinki_to_utc(day, DEFAULT_START),
                                          duration_minutes=DEFAULT_MINUTES))
            changed = True
        elif utc_to_helsinki(event.starts_at).date() != day:
            event.starts_at = helsinki_to_utc(day, utc_to_helsinki(event.starts_at).time())
            changed = True
    if changed:
        try:
            db.session.commit()
        except IntegrityError:  # a parallel request created them first
            db.session.rollback()


def programme_events(programme_id: int) -> list[ProgrammeEvent]:
    return list(
        db.session.scalars(
            db.select(ProgrammeEvent)
            .where(ProgrammeEvent.programme_id == programme_id, ProgrammeEvent.cancelled_at.is_(None))
            .order_by(ProgrammeEvent.starts_at, ProgrammeEvent.id)
        )
    )


def event_title(event: ProgrammeEvent) -> str:
    return event.title or str(KIND_NAMES.get(event.kind, event.kind))
