"""A small programme with everything the report counts, made through the real services
(meetings logged and confirmed by app.mentoring, so counts and gradebook scores are real)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from app.core.db import db
from app.events.models import Attendance, ProgrammeEvent
from app.groups.models import PUBLISHED, GroupMember, MentoringGroup
from app.mentoring import journal, services
from app.mentoring.models import JournalEntry
from app.people.models import Course, Enrolment, User
from app.programme.models import Organisation, Programme, Registration

ISSUER = "https://moodle.example"
JOURNAL_PHRASE = "Salaisuus: pelkään esiintymistä johtoryhmälle"
AGREEMENT_PHRASE = "Tapaamme kerran kuussa"


@dataclass
class Seeded:
    course: Course
    programme: Programme
    organisations: dict[str, Organisation]
    people: dict[str, User]
    groups: dict[str, MentoringGroup] = field(default_factory=dict)


PEOPLE = [
    # key, name, organisation, role wish
    ("m1", "Maija Mentori", "SYKE", "mentor"),
    ("a1", "Aku Äijälä", "LUKE", "aktori"),
    ("m2", "Matti Möttönen", "LUKE", "mentor"),
    ("a2", "Anni Aktori", "VTT", "aktori"),
    ("m3", "Mirja Ryhmä", "SYKE", "mentor"),
    ("a3", "Antti Ahkera", "SYKE", "aktori"),
    ("a4", "Aino Poissa", "VTT", "aktori"),
    ("p1", "Pekka Vertainen", "LUKE", "peer"),
    ("p2", "Paula Vertainen", "VTT", "peer"),
    ("u1", "Ulla Odottaja", "SYKE", "any"),
]


def _meeting(group, logger, attendees, day, *, confirm=True):
    data = services.MeetingInput(
        day=day, at=time(10, 0), duration_minutes=60, mode="video", attendee_ids=[a.id for a in attendees]
    )
    meeting, _ = services.log_meeting(group, logger.id, data)
    if confirm:
        for person in attendees:
            if person.id != logger.id:
                services.confirm_meeting(meeting, person.id)
    return meeting


def seed(app, issuer: str = ISSUER, course: Course | None = None, subjects: dict[str, str] | None = None) -> Seeded:
    """Call inside a request context (the score comments are localised). Without ``course``,
    a new course is made (context id "2", the test platform's default). ``subjects`` maps a
    person's key to an existing account's subject (e.g. the development platform's learners)."""
    course = course or Course(issuer=issuer, deployment_id="1", context_id="2", title="Tulanet-mentorointi")
    programme = Programme(
        course=course,
        name="Tulanet 2026",
        kickoff=date(2026, 1, 12),
        midpoint=date(2026, 6, 1),
        closing=date(2026, 11, 20),
        required_meetings=6,
    )
    db.session.add_all([course, programme])
    organisations = {}
    for position, code in enumerate(("SYKE", "LUKE", "VTT", "GTK")):
        organisations[code] = Organisation(
            programme=programme,
            code=code,
            name_fi=f"{code} fi",
            name_sv=f"{code} sv",
            name_en=f"{code} en",
            position=position,
        )
    db.session.add_all(organisations.values())
    people = {}
    for key, name, org, wish in PEOPLE:
        given, family = name.split(" ")
        subject = (subjects or {}).get(key, f"sub-{key}")
        user = db.session.scalar(db.select(User).filter_by(issuer=issuer, subject=subject))
        if user is None:
            user = User(
                issuer=issuer,
                subject=subject,
                name=name,
                given_name=given,
                family_name=family,
                email=f"{given.lower()}.{key}@example.fi",
                locale="fi",
            )
            db.session.add(user)
            db.session.flush()
        if db.session.scalar(db.select(Enrolment).filter_by(course_id=course.id, user_id=user.id)) is None:
            db.session.add(Enrolment(course_id=course.id, user_id=user.id, role="participant", lti_roles=["Learner"]))
        db.session.add(
            Registration(
                programme=programme,
                user=user,
                role_wish=wish,
                organisation=organisations[org],
                goals=f"Tavoitteeni ({key})",
            )
        )
        people[key] = user
    # A withdrawn registration is not in the report.
    gone = User(issuer=issuer, subject="sub-w", name="Veli Vetäytynyt", email="veli@example.fi")
    db.session.add(gone)
    db.session.flush()
    db.session.add(
        Registration(
            programme=programme, user=gone, organisation=organisations["GTK"], withdrawn_at=datetime(2026, 1, 5)
        )
    )
    db.session.flush()
    seeded = Seeded(course, programme, organisations, people)

    def group(key, form, members):
        g = MentoringGroup(programme=programme, form=form, status=PUBLISHED, published_at=datetime(2026, 1, 10))
        for person, role in members:
            g.members.append(GroupMember(user_id=people[person].id, role=role))
        db.session.add(g)
        db.session.flush()
        seeded.groups[key] = g
        return g

    pair1 = group("pair1", "traditional", [("m1", "mentor"), ("a1", "aktori")])
    pair2 = group("pair2", "reverse", [("m2", "mentor"), ("a2", "aktori")])
    trio = group("trio", "group", [("m3", "mentor"), ("a3", "aktori"), ("a4", "aktori")])
    peers = group("peers", "peer", [("p1", "peer"), ("p2", "peer")])
    p = people
    months = [date(2026, m, 15) for m in (2, 3, 4, 5, 6, 8, 9)]
    for day in months[:6]:
        _meeting(pair1, p["m1"], [p["m1"], p["a1"]], day)
    for day in months[:3]:
        _meeting(pair2, p["a2"], [p["m2"], p["a2"]], day)
    _meeting(pair2, p["m2"], [p["m2"], p["a2"]], months[3], confirm=False)  # still pending
    for day in months[:4]:
        _meeting(trio, p["m3"], [p["m3"], p["a3"], p["a4"]], day)
    for day in months[4:7]:
        _meeting(trio, p["m3"], [p["m3"], p["a3"]], day)  # a4 absent: counts for the two only
    for day in months[:2]:
        _meeting(peers, p["p1"], [p["p1"], p["p2"]], day)
    disputed = _meeting(peers, p["p1"], [p["p1"], p["p2"]], months[2], confirm=False)
    services.dispute_meeting(disputed, p["p2"].id, "Emme tavanneet silloin")

    texts = {
        "confidentiality": "Luottamuksellista",
        "contact": AGREEMENT_PHRASE,
        "time_use": "60 min",
        "goals": "Esiintyminen",
        "language": "suomi",
    }
    for key, acceptors in (("pair1", ("m1", "a1")), ("trio", ("m3", "a3")), ("peers", ("p1", "p2"))):
        version = services.save_agreement(seeded.groups[key], people[acceptors[0]].id, 0, texts)
        for person in acceptors:
            services.accept_agreement(seeded.groups[key], people[person].id, version.number)

    kickoff = ProgrammeEvent(
        programme=programme, kind="kickoff", slot="kickoff", title="", starts_at=datetime(2026, 1, 12, 10)
    )
    midpoint = ProgrammeEvent(
        programme=programme, kind="midpoint", slot="midpoint", title="", starts_at=datetime(2026, 6, 1, 10)
    )
    cancelled = ProgrammeEvent(
        programme=programme,
        kind="lecture",
        title="Peruttu",
        starts_at=datetime(2026, 3, 1, 10),
        cancelled_at=datetime(2026, 2, 1),
    )
    db.session.add_all([kickoff, midpoint, cancelled])
    db.session.flush()
    for event, keys in (
        (kickoff, ("m1", "a1", "m2", "a3", "u1")),
        (midpoint, ("m1", "a1", "p1")),
        (cancelled, ("m1",)),
    ):
        for key in keys:
            db.session.add(Attendance(event_id=event.id, user_id=people[key].id, source="list"))
    db.session.add(
        JournalEntry(user_id=people["a1"].id, programme_id=programme.id, body=journal.encrypt(JOURNAL_PHRASE))
    )
    db.session.commit()
    return seeded
