"""Demo sparring groups for ``flask --app app demo seed``.

Two groups (one for mentors, one for aktoris) led by the demo facilitator Helena Saarinen, with
three sessions each (days after the programme's kickoff: one past, two ahead when the demo is
seeded), material, and a thread in the aktoris' group. Idempotent: an existing group of the same name is left as it is.
"""

from datetime import time, timedelta
from typing import Any

from app.core.clock import helsinki_to_utc
from app.core.db import db

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
GROUPS: list[dict[str, Any]] = [
    {
        "name": "Mentorien sparrausryhmä",
        "audience": MENTORS,
        "members": ["6", "10", "14"],  # Mikko Korhonen, Pekka Hämäläinen, Juha Koskinen
        "sessions": [(40, time(10)), (179, time(10)), (326, time(10))],
        "module": "sparrausryhman-ohjaaminen",
    },
    {
        "name": "Aktorien sparrausryhmä",
        "audience": AKTORIS,
        "members": ["5", "7", "12", "15"],  # Aino Virtanen, Elina Nieminen, Antti Laine, Kaisa Järvinen
        "sessions": [(42, time(13)), (175, time(13)), (322, time(13))],
        "module": "tavoitteiden-asettaminen",
        "thread": (
            "Miten asetitte tavoitteet?",
            "5",
            "Meillä meni ensimmäinen tapaaminen tavoitteiden "
            "miettimiseen. **Mikä auttoi teitä** muotoilemaan tavoitteet niin, että niitä voi seurata?",
            [
                (
                    "7",
                    "Kirjasimme kolme tavoitetta sopimukseen ja sovimme, että palaamme niihin joka "
                    "kolmannella tapaamisella.",
                )
            ],
        ),
    },
]


def seed_sparring(programme, issuer: str) -> None:
    people = {u.subject: u for u in db.session.scalars(db.select(User).where(User.issuer == issuer))}
    facilitator = people.get(FACILITATOR)
    for spec in GROUPS:
        if db.session.scalar(db.select(SparringGroup.id).filter_by(programme_id=programme.id, name=spec["name"])):
            continue
        group = SparringGroup(
            programme_id=programme.id,
            name=spec["name"],
            audience=spec["audience"],
            facilitator_id=facilitator.id if facilitator else None,
        )
        group.members = [SparringMember(user_id=people[s].id) for s in spec["members"] if s in people]
        db.session.add(group)
        db.session.flush()
        for days, at in spec["sessions"]:
            db.session.add(
                SparringSession(
                    group_id=group.id,
                    starts_at=helsinki_to_utc(programme.kickoff + timedelta(days=days), at),
                    duration_minutes=90,
                    video_url="https://teams.example/sparraus",
                    agenda="1. Kuulumiset\n2. Teeman käsittely\n3. Seuraavat askeleet",
                )
            )
        db.session.add(SparringMaterial(group_id=group.id, kind=MODULE, module_id=spec["module"]))
        db.session.add(
            SparringMaterial(
                group_id=group.id,
                kind=NOTE,
                title="Ryhmän pelisäännöt",
                body="- Mitä ryhmässä puhutaan, jää ryhmään.\n- Jokainen saa puheenvuoron.\n"
                "- Emme nimeä mentorointiparejamme.",
                created_by_id=facilitator.id if facilitator else None,
            )
        )
        if "thread" in spec and spec["thread"][1] in people:
            title, author, body, replies = spec["thread"]
            thread = SparringThread(group_id=group.id, title=title, author_id=people[author].id)
            thread.posts.append(SparringPost(author_id=people[author].id, body=body))
            thread.posts.extend(SparringPost(author_id=people[s].id, body=text) for s, text in replies if s in people)
            db.session.add(thread)

    db.session.flush()
