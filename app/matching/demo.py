"""Demo registrations: about sixty fictional people across the Tulanet institutes, themes,
languages and forms of mentoring, so the matching page shows real choices.

The development platform's learners (people.json) register too; the rest are on the course roster
only (they cannot launch). Aino Virtanen stays registered but unmatched: the demo shows
registration from her side. Mikko Korhonen and Elina Nieminen named each other, so any
computation pairs them. Everything is fixed by a seeded random generator: each run is the same.
"""

from __future__ import annotations

import random
from typing import Any

from app.core.db import db

from ..people.models import PARTICIPANT, Enrolment, User
from ..programme.models import Registration
from ..programme.services import seed_lists

ORG_CODES = ("GTK", "FMI", "LUKE", "NLS", "RUOKAVIRASTO", "STUK", "SYKE", "THL", "TTL", "UPI", "VTT")

GIVEN = (
    "Anna",
    "Eero",
    "Heikki",
    "Ilona",
    "Jari",
    "Katja",
    "Lauri",
    "Minna",
    "Niko",
    "Outi",
    "Paula",
    "Riikka",
    "Sami",
    "Tiina",
    "Ulla",
    "Veera",
    "Anders",
    "Birgitta",
    "Erik",
    "Karin",
    "Lars",
    "Sofia",
    "Timo",
    "Hanna",
    "Jukka",
    "Leena",
    "Markku",
    "Noora",
    "Petri",
    "Satu",
)
FAMILY = (
    "Aaltonen",
    "Eskola",
    "Halonen",
    "Ikonen",
    "Jokinen",
    "Kallio",
    "Lehto",
    "Manninen",
    "Nurmi",
    "Ojala",
    "Peltonen",
    "Rantanen",
    "Salo",
    "Toivonen",
    "Vainio",
    "Berg",
    "Ekström",
    "Holm",
    "Lindholm",
    "Nyberg",
    "Strand",
    "Wikström",
    "Heinonen",
    "Kettunen",
    "Laaksonen",
)
SWEDISH_FAMILY = {"Berg", "Ekström", "Holm", "Lindholm", "Nyberg", "Strand", "Wikström"}

UNITS = (
    "Tutkimusyksikkö",
    "Tietopalvelut",
    "Viestintä",
    "Hallintopalvelut",
    "Asiantuntijapalvelut",
    "Laboratorio",
    "Kehittämisyksikkö",
    "Johdon tuki",
)

GOALS = {
    "project_management": "Haluan oppia hallitsemaan isoja projekteja, aikatauluja ja resursseja.",
    "project_leadership": "Tavoitteeni on johtaa projektitiimiä ja kansainvälisiä hankkeita varmemmin.",
    "leadership": "Haluan kehittyä johtajana ja rakentaa luottamusta tiimissä.",
    "communication": "Haluan kehittää viestintää ja tutkimustulosten esittämistä eri yleisöille.",
    "policy_influence": "Tavoitteeni on oppia vaikuttamaan poliittiseen päätöksentekoon tutkimustiedolla.",
    "researcher_work": "Haluan vahvistaa tutkijan uraa, julkaisemista ja rahoituksen hakemista.",
    "career_development": "Mietin urakehitystä ja seuraavaa askelta asiantuntijana.",
    "supervisory_work": "Haluan vertaistukea esimiestyöhön ja vaikeisiin tilanteisiin.",
    "assistant_work": "Haluan kehittää assistentin työtä ja työn organisointia vertaisen kanssa.",
    "new_technology": "Kiinnostaa uudet teknologiset ratkaisut, data-analytiikka ja tekoäly työssä.",
    "networking": "Haluan laajentaa verkostoa Tulanet-laitosten välillä.",
}
THEMES = tuple(GOALS)

# The development platform's learners: (people.json id, registration).
LEARNERS: dict[str, dict[str, Any]] = {
    "5": dict(
        role_wish="aktori",
        org="SYKE",
        unit="Kulutuksen ja tuotannon keskus",
        offered=["communication"],
        wanted=["leadership", "project_leadership"],
        languages=["fi"],
        goals="Haluan kehittyä johtajana ja oppia johtamaan projektitiimiä; toivon kokeneen mentorin tukea.",
    ),
    "6": dict(
        role_wish="mentor",
        org="LUKE",
        unit="Biotalous ja ympäristö",
        offered=["project_management", "leadership"],
        wanted=[],
        languages=["fi", "en"],
        nominee="7",
        goals="Jaan kokemustani projektien hallinnasta ja johtamisesta nuoremmalle kollegalle.",
    ),
    "7": dict(
        role_wish="aktori",
        org="FMI",
        unit="Ilmastotutkimus",
        offered=["new_technology"],
        wanted=["project_management"],
        languages=["fi", "en"],
        nominee="6",
        goals="Haluan oppia hallitsemaan isoja projekteja ja aikatauluja.",
    ),
    "8": dict(
        role_wish="peer",
        org="NLS",
        unit="Paikkatietokeskus",
        offered=["new_technology"],
        wanted=["communication"],
        languages=["sv", "fi"],
        forms=["peer"],
        goals="Jag vill utveckla kommunikation och dela kunnande om ny teknik.",
    ),
    "9": dict(
        role_wish="any",
        org="GTK",
        unit="Mineraalitalous",
        offered=["researcher_work"],
        wanted=["career_development"],
        languages=["fi"],
        goals="Mietin urakehitystä ja haluan jakaa kokemusta tutkijana toimimisesta.",
    ),
    "10": dict(
        role_wish="mentor",
        org="RUOKAVIRASTO",
        unit="Laboratoriopalvelut",
        offered=["supervisory_work", "leadership"],
        wanted=[],
        languages=["fi"],
        capacity=2,
        forms=["traditional", "group"],
        goals="Voin tukea uusia esihenkilöitä esimiestyössä ja johtamisessa.",
    ),
    "11": dict(
        role_wish="peer",
        org="STUK",
        unit="Säteilyvalvonta",
        offered=["communication"],
        wanted=["new_technology"],
        languages=["sv", "fi"],
        forms=["peer"],
        goals="Jag söker kamratstöd om ny teknik och kommunikation.",
    ),
    "12": dict(
        role_wish="aktori",
        org="THL",
        unit="Tietopalvelut",
        offered=[],
        wanted=["policy_influence", "communication"],
        languages=["fi"],
        goals="Haluan oppia vaikuttamaan päätöksentekoon tutkimustiedolla.",
    ),
    "13": dict(
        role_wish="any",
        org="TTL",
        unit="Työkyky",
        offered=["new_technology"],
        wanted=["leadership"],
        languages=["en", "fi"],
        goals="I want to grow as a leader and share what I know about new data tools.",
    ),
    "14": dict(
        role_wish="mentor",
        org="VTT",
        unit="Digitaaliset ratkaisut",
        offered=["new_technology", "project_leadership"],
        wanted=[],
        languages=["fi", "en"],
        forms=["traditional", "reverse"],
        goals="Jaan osaamistani uusista teknologisista ratkaisuista ja projektien johtamisesta.",
    ),
    "15": dict(
        role_wish="aktori",
        org="UPI",
        unit="Tutkimusohjelma",
        offered=[],
        wanted=["researcher_work", "networking"],
        languages=["fi", "en"],
        goals="Haluan vahvistaa tutkijan uraa ja verkostoitua Tulanetissa.",
    ),
    "16": dict(
        role_wish="any",
        org="SYKE",
        unit="Tietokeskus",
        offered=["new_technology"],
        wanted=["project_management"],
        languages=["en"],
        goals="I would like to learn project management and can offer data analytics skills.",
    ),
}

ROSTER_ONLY = 48


def _roster_people(rng: random.Random, issuer: str, course_id: int) -> list[User]:
    people: list[User] = []
    used: set[tuple[str, str]] = set()
    while len(people) < ROSTER_ONLY:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        if (given, family) in used:
            continue
        used.add((given, family))
        subject = f"demo-roster-{len(people) + 1}"
        user = db.session.scalar(db.select(User).filter_by(issuer=issuer, subject=subject))
        if user is None:
            user = User(issuer=issuer, subject=subject)
            db.session.add(user)
        user.given_name, user.family_name, user.name = given, family, f"{given} {family}"
        user.email = f"{given}.{family}@tulanet.example".lower().replace("ä", "a").replace("ö", "o")
        user.locale = "sv" if family in SWEDISH_FAMILY else "fi"
        db.session.flush()
        if db.session.scalar(db.select(Enrolment).filter_by(course_id=course_id, user_id=user.id)) is None:
            db.session.add(Enrolment(course_id=course_id, user_id=user.id, role=PARTICIPANT, lti_roles=[]))
        people.append(user)
    return people


def _generated(rng: random.Random, user: User) -> dict[str, Any]:
    role_wish = rng.choices(("mentor", "aktori", "peer", "any"), weights=(3, 4, 2, 2))[0]
    offered = rng.sample(THEMES, rng.randint(1, 3)) if role_wish != "aktori" else rng.sample(THEMES, rng.randint(0, 1))
    wanted = rng.sample(THEMES, rng.randint(1, 2)) if role_wish != "mentor" else []
    forms = ["traditional", "reverse", "group", "peer"]
    if role_wish == "peer":
        forms = ["peer"] + rng.sample(["traditional", "reverse"], rng.randint(0, 1))
    elif rng.random() < 0.4:
        forms = ["traditional"] + rng.sample(["reverse", "group"], rng.randint(0, 2))
    languages = ["sv", "fi"] if user.locale == "sv" else ["fi"] + (["en"] if rng.random() < 0.35 else [])
    goal_theme = (wanted or offered or [rng.choice(THEMES)])[0]
    return dict(
        role_wish=role_wish,
        org=rng.choice(ORG_CODES),
        unit=rng.choice(UNITS),
        offered=offered,
        wanted=wanted,
        forms=forms,
        languages=languages,
        goals=GOALS[goal_theme],
        capacity=2 if role_wish == "mentor" and "group" in forms and rng.random() < 0.5 else 1,
    )


def seed_registrations(programme, course, issuer: str) -> int:
    """Register the demo people to ``programme`` (existing registrations are left as they are)."""
    seed_lists(programme)
    db.session.flush()
    rng = random.Random(20220505)
    orgs = {o.code: o for o in programme.organisations}
    learners = {
        u.subject: u
        for u in db.session.scalars(db.select(User).where(User.issuer == issuer, User.subject.in_(LEARNERS)))
    }
    plan = [(learners[s], spec) for s, spec in LEARNERS.items() if s in learners]
    plan += [(u, _generated(rng, u)) for u in _roster_people(rng, issuer, course.id)]
    # A report names their supervisor (the first roster person) as someone they must not be paired with.
    supervisor = plan[len(LEARNERS)][0] if len(plan) > len(LEARNERS) + 1 else None
    created = 0
    for k, (user, spec) in enumerate(plan):
        if db.session.scalar(db.select(Registration).filter_by(programme_id=programme.id, user_id=user.id)):
            continue
        nominee = learners.get(spec.get("nominee"))
        registration = Registration(
            programme_id=programme.id,
            user_id=user.id,
            role_wish=spec["role_wish"],
            forms=spec.get("forms", ["traditional", "reverse", "group", "peer"]),
            organisation_id=orgs[spec["org"]].id,
            unit=spec["unit"],
            themes_offered=list(spec["offered"]),
            themes_wanted=list(spec["wanted"]),
            goals=spec["goals"],
            languages=spec["languages"],
            capacity=spec.get("capacity", 1),
            counterpart_user_id=nominee.id if nominee else None,
            meeting_preferences="Etätapaamiset Teamsissa, mieluiten aamupäivisin." if k % 3 == 0 else "",
            must_not_pair=[supervisor.id] if supervisor is not None and k == len(LEARNERS) + 1 else [],
            mentor_tip="Tiimipäällikkö Ulla Salo (SYKE) voisi olla hyvä mentori." if k == 12 else "",
        )
        db.session.add(registration)
        created += 1
    return created
