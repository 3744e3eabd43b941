"""Demo programme events and attendance for ``flask --app app demo seed``: the programme's three
events plus a lecture next week, with the kickoff's attendance recorded by the demo facilitator
Helena Saarinen. Idempotent: an existing event of the same name is left as it is.
"""

from datetime import date, time, timedelta
from typing import Any

from app.core.clock import helsinki_to_utc
from app.core.db import db

from ..people.models import User
from .models import LECTURE, Attendance, ProgrammeEvent
from .services import ensure_programme_events

FACILITATOR = "4"  # Helena Saarinen (people.json ids)
LECTURE_EVENT: dict[str, Any] = {
    "title": "Luento: vuorovaikutus mentoroinnissa",
    "at": time(14),
    "minutes": 90,
    "location": "Teams",
    "url": "https://teams.example/tulanet-luento",
    "description": "Kuuntelu, kysyminen ja palautteen antaminen mentorointitapaamisissa.",
}
ATTENDANCE = {"kickoff": ["5", "6", "7", "12", "14"]}  # the midpoint is still ahead


def next_week_thursday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday() + 3)


def seed_events(programme, issuer: str, today: date) -> None:
    people = {u.subject: u for u in db.session.scalars(db.select(User).where(User.issuer == issuer))}
    facilitator = people.get(FACILITATOR)
    ensure_programme_events(programme)
    if not db.session.scalar(
        db.select(ProgrammeEvent.id).filter_by(programme_id=programme.id, title=LECTURE_EVENT["title"])
    ):
        db.session.add(
            ProgrammeEvent(
                programme_id=programme.id,
                kind=LECTURE,
                title=LECTURE_EVENT["title"],
                starts_at=helsinki_to_utc(next_week_thursday(today), LECTURE_EVENT["at"]),
                duration_minutes=LECTURE_EVENT["minutes"],
                location=LECTURE_EVENT["location"],
                url=LECTURE_EVENT["url"],
                description=LECTURE_EVENT["description"],
            )
        )
    events = {e.slot: e for e in db.session.scalars(db.select(ProgrammeEvent).filter_by(programme_id=programme.id))}
    for slot, subjects in ATTENDANCE.items():
        event = events.get(slot)
        if event is None:
            continue
        recorded = set(db.session.scalars(db.select(Attendance.user_id).filter_by(event_id=event.id)))
        for subject in subjects:
            user = people.get(subject)
            if user is not None and user.id not in recorded:
                db.session.add(
                    Attendance(
                        event_id=event.id,
                        user_id=user.id,
                        source="list",
                        recorded_by_id=facilitator.id if facilitator else None,
                    )
                )
    db.session.flush()
