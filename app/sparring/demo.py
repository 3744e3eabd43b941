"""Demo sparring groups, programme events and attendance for ``flask --app app demo seed``.

Two groups (one for mentors, one for aktoris) led by the demo facilitator Helena Saarinen, with
sessions on both sides of the October 2022 and March 2023 DST changes, material, and a thread in
the aktoris' group; the programme's three events plus a lecture, with some attendance recorded.
Idempotent: an existing group or event of the same name is left as it is.
"""
from datetime import date, time

from ..events.models import LECTURE, Attendance, ProgrammeEvent
from ..events.services import ensure_programme_events
from app.core.db import db
from app.core.clock import helsinki_to_utc
from ..people.models import User
from .models import (
    AKTORIS,
    MENTORS,
    MODULE,
    NOTE,
    SparringGroup,
    SparringMaterial,
    SparringMember,
    SparringPost,
    SparringSession,
    SparringThread,
)

FACILITATOR = "4"  # Helena Saarinen (people.json ids)
GROUPS = [
    {
        "name": "Mentorien sparrausryhmä",
        "audience": MENTORS,
        "members": ["6", "10", "14"],  # Mikko Korhonen, Pekka Hämäläinen, Juha Koskinen
        "sessions": [(date(2022, 6, 14), time(10)), (date(2022, 10, 31), time(10)), (date(2023, 3, 27), time(10))],
        "module": "sparrausryhman-ohjaaminen",
    },
    {
        "name": "Aktorien sparrausryhmä",
        "audience": AKTORIS,
        "members": ["5", "7", "12", "15"],  # Aino Virtanen, Elina Nieminen, Antti Laine, Kaisa Järvinen
        "sessions": [(date(2022, 6, 16), time(13)), (date(2022, 10, 27), time(13)), (date(2023, 3, 23), time(13))],
        "module": "tavoitteiden-asettaminen",
        "thread": ("Miten asetitte tavoitteet?", "5", "Meillä meni ensimmäinen tapaaminen tavoitteiden "
                   "miettimiseen. **Mikä auttoi teitä** muotoilemaan tavoitteet niin, että niitä voi seurata?",
                   [("7", "Kirjasimme kolme tavoitetta sopimukseen ja sovimme, että palaamme niihin joka "
                           "kolmannella tapaamisella.")]),
    },
]
LECTURE_EVENT = {
    "title": "Luento: vuorovaikutus mentoroinnissa",
    "day": date(2022, 9, 15),
    "at": time(14),
    "minutes": 90,
    "location": "Teams",
    "url": "https://teams.example/tulanet-luento",
    "description": "Kuuntelu, kysyminen ja palautteen antaminen mentorointitapaamisissa.",
}
ATTENDANCE = {"kickoff": ["5", "6", "7", "12", "14"], "midpoint": ["5", "7", "10"]}


def seed_sparring_and_events(programme, issuer: str) -> None:
    people = {u.subject: u for u in db.session.scalars(db.select(User).where(User.issuer == issuer))}
    facilitator = people.get(FACILITATOR)
    for spec in GROUPS:
        if db.session.scalar(db.select(SparringGroup.id).filter_by(programme_id=programme.id, name=spec["name"])):
            continue
        group = SparringGroup(programme_id=programme.id, name=spec["name"], audience=spec["audience"],
                              facilitator_id=facilitator.id if facilitator else None)
        group.members = [SparringMember(user_id=people[s].id) for s in spec["members"] if s in people]
        db.session.add(group)
        db.session.flush()
        for day, at in spec["sessions"]:
            db.session.add(SparringSession(group_id=group.id, starts_at=helsinki_to_utc(day, at), duration_minutes=90,
                                           video_url="https://teams.example/sparraus",
                                           agenda="1. Kuulumiset\n2. Teeman käsittely\n3. Seuraavat askeleet"))
        db.session.add(SparringMaterial(group_id=group.id, kind=MODULE, module_id=spec["module"]))
        db.session.add(SparringMaterial(group_id=group.id, kind=NOTE, title="Ryhmän pelisäännöt",
                                        body="- Mitä ryhmässä puhutaan, jää ryhmään.\n- Jokainen saa puheenvuoron.\n"
                                             "- Emme nimeä mentorointiparejamme.",
                                        created_by_id=facilitator.id if facilitator else None))
        if "thread" in spec and spec["thread"][1] in people:
            title, author, body, replies = spec["thread"]
            thread = SparringThread(group_id=group.id, title=title, author_id=people[author].id)
            thread.posts.append(SparringPost(author_id=people[author].id, body=body))
            thread.posts.extend(SparringPost(author_id=people[s].id, body=text) for s, text in replies if s in people)
            db.session.add(thread)

    db.session.flush()
    ensure_programme_events(programme)
    if not db.session.scalar(db.select(ProgrammeEvent.id).filter_by(programme_id=programme.id,
                                                                    title=LECTURE_EVENT["title"])):
        db.session.add(ProgrammeEvent(
            programme_id=programme.id, kind=LECTURE, title=LECTURE_EVENT["title"],
            starts_at=helsinki_to_utc(LECTURE_EVENT["day"], LECTURE_EVENT["at"]), duration_minutes=LECTURE_EVENT["minutes"],
            location=LECTURE_EVENT["location"], url=LECTURE_EVENT["url"], description=LECTURE_EVENT["description"],
        ))
    events = {e.slot: e for e in db.session.scalars(db.select(ProgrammeEvent).filter_by(programme_id=programme.id))}
    for slot, subjects in ATTENDANCE.items():
        event = events.get(slot)
        if event is None:
            continue
        recorded = set(db.session.scalars(db.select(Attendance.user_id).filter_by(event_id=event.id)))
        for subject in subjects:
            user = people.get(subject)
            if user is not None and user.id not in recorded:
                db.session.add(Attendance(event_id=event.id, user_id=user.id, source="list",
                                          recorded_by_id=facilitator.id if facilitator else None))
    db.session.flush()
