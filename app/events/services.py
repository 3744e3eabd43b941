"""The programme's events as other parts of the tool use them (pages, calendar, demo), and the
"Programme events" gradebook score that follows any change in events or attendance."""

from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.audit import record
from app.core.clock import helsinki_to_utc, utc_to_helsinki, utcnow
from app.core.db import db, insert
from app.core.i18n import catalogue
from app.core.msgid import N_

from ..lti.gradebook import publish_score
from ..notifications import services as notifications
from ..people.models import PARTICIPANT, Enrolment
from ..programme.models import Programme, Registration
from . import rules
from .models import (
    CLOSING,
    KICKOFF,
    LECTURE,
    MIDPOINT,
    OTHER,
    PEER_MEETING,
    Attendance,
    AttendanceScore,
    ProgrammeEvent,
)

GRADEBOOK_RESOURCE = "events:{programme_id}"
# The grade item the tool creates is named in the programme's main language (``main_language``).
GRADEBOOK_LABEL = N_("Programme events")

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
    time. Receives ``programme_dates_saved``; flushes in the caller's transaction."""
    existing = {
        e.slot: e
        for e in db.session.scalars(
            db.select(ProgrammeEvent).where(
                ProgrammeEvent.programme_id == programme.id, ProgrammeEvent.slot.is_not(None)
            )
        )
    }
    for kind, day in ((KICKOFF, programme.kickoff), (MIDPOINT, programme.midpoint), (CLOSING, programme.closing)):
        event = existing.get(kind)
        if day is None:
            continue
        if event is None:
            db.session.add(
                ProgrammeEvent(
                    programme_id=programme.id,
                    kind=kind,
                    slot=kind,
                    starts_at=helsinki_to_utc(day, DEFAULT_START),
                    duration_minutes=DEFAULT_MINUTES,
                )
            )
        elif utc_to_helsinki(event.starts_at).date() != day:
            event.starts_at = helsinki_to_utc(day, utc_to_helsinki(event.starts_at).time())
    db.session.flush()


def announce_tomorrow(_sender: object, now: datetime) -> None:
    """Mail each registered participant about the programme's events that start tomorrow
    (Helsinki days), once per event and start time."""
    begins, ends = notifications.tomorrow(now)
    events = db.session.scalars(
        db.select(ProgrammeEvent).where(
            ProgrammeEvent.starts_at >= begins, ProgrammeEvent.starts_at < ends, ProgrammeEvent.cancelled_at.is_(None)
        )
    ).all()
    for event in events:
        programme = db.session.get_one(Programme, event.programme_id)
        registered = db.session.scalars(
            db.select(Registration.user_id).where(Registration.programme_id == event.programme_id)
        ).all()
        # An untitled event's name stays lazy, so that each recipient reads it in their language.
        title = event.title or KIND_NAMES.get(event.kind, event.kind)
        notifications.event_tomorrow(programme, event.id, title, event.starts_at, event.location, list(registered))


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


def timeline(programme: Programme) -> list[tuple[str, date]]:
    """The programme's events by name and Helsinki date, for ``app.programme.timeline``: kickoff,
    midpoint and closing (created when the set-up's dates are saved) and any the facilitators
    added."""
    return [(event_title(e), utc_to_helsinki(e.starts_at).date()) for e in programme_events(programme.id)]


def recompute_attendance_scores(programme: Programme) -> set[int]:
    """Recompute every participant's "Programme events" score (events attended of the events
    held so far) and queue those that differ from the score last queued: after attendance is
    ticked or imported, an event is added, moved or cancelled. Covers attendance recorded before
    any score was sent for it. In the caller's transaction; returns whose score was queued."""
    db.session.flush()
    now = utcnow()
    held = [e.id for e in programme_events(programme.id) if e.starts_at <= now]
    in_programme = db.select(ProgrammeEvent.id).where(ProgrammeEvent.programme_id == programme.id)
    stored = {
        row.user_id: row
        for row in db.session.scalars(db.select(AttendanceScore).where(AttendanceScore.programme_id == programme.id))
    }
    people = set(stored)
    people |= set(db.session.scalars(db.select(Attendance.user_id).where(Attendance.event_id.in_(in_programme))))
    people |= set(
        db.session.scalars(
            db.select(Registration.user_id).where(
                Registration.programme_id == programme.id, Registration.withdrawn_at.is_(None)
            )
        )
    )
    if not held or not people:
        return set()  # nothing held yet: no score has a maximum
    attended = dict(
        db.session.execute(
            db.select(Attendance.user_id, db.func.count(Attendance.id))
            .where(Attendance.event_id.in_(held), Attendance.user_id.in_(people))
            .group_by(Attendance.user_id)
        ).all()
    )
    enrolments = db.session.scalars(
        db.select(Enrolment).where(
            Enrolment.course_id == programme.course_id, Enrolment.user_id.in_(people), Enrolment.role == PARTICIPANT
        )
    )
    queued = set()
    for enrolment in enrolments:
        user_id = enrolment.user_id
        given, maximum, progress = rules.attendance_score(attended.get(user_id, 0), len(held))
        row = stored.get(user_id)
        if row is None:
            if given == 0:
                continue  # nothing was ever sent and nothing was attended
            row = AttendanceScore(programme_id=programme.id, user_id=user_id, attended=-1, held=-1)
            db.session.add(row)
        if (row.attended, row.held) == (given, maximum):
            continue
        row.attended, row.held, row.updated_at = given, maximum, now
        publish_score(
            enrolment,
            GRADEBOOK_RESOURCE.format(programme_id=programme.id),
            given,
            maximum,
            progress,
            "FullyGraded",
            _("Attended %(n)s of %(total)s programme events.", n=given, total=maximum),
            label=catalogue(programme.main_language).gettext(GRADEBOOK_LABEL),
        )
        queued.add(user_id)
    return queued


# --------------------------------------------------------------------------------------------
# Attendance (in the caller's transaction; the route commits)
# --------------------------------------------------------------------------------------------


def attendance_of(event: ProgrammeEvent) -> dict[int, Attendance]:
    return {a.user_id: a for a in db.session.scalars(db.select(Attendance).where(Attendance.event_id == event.id))}


def _insert_attendance(event: ProgrammeEvent, user_ids: set[int], source: str, recorded_by_id: int) -> set[int]:
    """Record attendance; returns whom this call recorded. ``ON CONFLICT DO NOTHING`` keeps two
    facilitators importing the same report at once from recording anyone twice (or failing)."""
    if not user_ids:
        return set()
    now = utcnow()
    rows = [
        dict(event_id=event.id, user_id=uid, source=source, recorded_by_id=recorded_by_id, recorded_at=now)
        for uid in sorted(user_ids)
    ]
    statement = (
        insert(Attendance)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["event_id", "user_id"])
        .returning(Attendance.user_id)
    )
    return set(db.session.scalars(statement))


def save_list(
    event: ProgrammeEvent, ticked: set[int], registered: set[int], recorded_by_id: int
) -> tuple[set[int], set[int]]:
    """The ticked list is the truth for this event: ticked added, unticked (registered) removed;
    audited and the scores that change queued. Returns (added, removed)."""
    recorded = attendance_of(event)
    removed = {uid for uid in recorded.keys() - ticked if uid in registered}
    added = _insert_attendance(event, ticked - recorded.keys(), "list", recorded_by_id)
    if removed:
        # One statement: a row another facilitator removed a moment ago is simply already gone.
        db.session.execute(
            db.delete(Attendance).where(Attendance.event_id == event.id, Attendance.user_id.in_(removed))
        )
    if added or removed:
        db.session.flush()
        record(
            "events.attendance_recorded",
            target=f"programme_event:{event.id}",
            details={"added": sorted(added), "removed": sorted(removed), "source": "list"},
        )
        recompute_attendance_scores(event.programme)
    return added, removed


def import_report(event: ProgrammeEvent, new: set[int], matched: rules.MatchedReport, recorded_by_id: int) -> set[int]:
    """Record the report's people the caller found unrecorded (``new``); someone a parallel
    request recorded since is skipped. Audited, scores queued; returns whom this call recorded."""
    new = _insert_attendance(event, new, "csv", recorded_by_id)
    if new:
        db.session.flush()
        record(
            "events.attendance_imported",
            target=f"programme_event:{event.id}",
            details={
                "added": sorted(new),
                "unknown_rows": len(matched.unknown),
                "malformed_rows": len(matched.malformed),
            },
        )
        recompute_attendance_scores(event.programme)
    return new
