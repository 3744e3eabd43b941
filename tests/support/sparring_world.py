"""A small programme for the sparring, events and calendar tests: launched people (each with
their own client), registrations in two organisations, one published pair, two sparring groups."""

from dataclasses import dataclass, field
from datetime import date

from app.core.db import db
from app.groups.models import PUBLISHED, GroupMember, MentoringGroup
from app.people.models import Course, User
from app.programme.models import Organisation, Programme, Registration
from app.programme.signals import programme_dates_saved
from app.sparring.models import SparringGroup, SparringMember
from tests.support.lti_double import INSTRUCTOR, LEARNER
from tests.support.web import Viewer, launch

PEOPLE = {
    # sub: (given, family, organisation, role wish)
    "p1": ("Aino", "Virtanen", "SYKE", "mentor"),
    "p2": ("Mikko", "Korhonen", "LUKE", "aktori"),
    "p3": ("Elina", "Mäkinen", "LUKE", "mentor"),
    "p4": ("Juha", "Nieminen", "SYKE", "aktori"),
    "p5": ("Sanna", "Lahtinen", "SYKE", "mentor"),
}


def launch_as(
    app, platform, sub: str, roles=(LEARNER,), *, given="Testi", family="Henkilö", email=None, course="2", locale="fi"
) -> Viewer:
    return launch(
        app,
        platform,
        roles,
        sub=sub,
        course=course,
        locale=locale,
        given=given,
        family=family,
        email=email or f"{sub}@example.fi",
    )


@dataclass
class World:
    app: object
    staff: Viewer
    viewers: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)  # sub → user id
    programme_id: int = 0
    course_id: int = 0
    pair_id: int = 0
    groups: dict = field(default_factory=dict)  # "A"/"B" → group id

    def post(self, viewer: Viewer, path: str, data=None, csrf_from: str = "/sparring/", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", viewer.csrf(csrf_from))
        return viewer.client.post(path, data=data, query_string={"s": viewer.token}, **kwargs)


def build_world(app, platform) -> World:
    staff = launch_as(
        app, platform, "f1", (INSTRUCTOR,), given="Fanni", family="Fasilitaattori", email="fanni@syke.example"
    )
    world = World(app=app, staff=staff)
    for sub, (given, family, _org, _wish) in PEOPLE.items():
        world.viewers[sub] = launch_as(
            app, platform, sub, given=given, family=family, email=f"{given.lower()}.{family.lower()}@example.fi"
        )
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(context_id="2"))
        programme = Programme(
            course_id=course.id,
            name="Testiohjelma",
            kickoff=date(2022, 5, 5),
            midpoint=date(2022, 10, 20),
            closing=date(2023, 3, 30),
        )
        db.session.add(programme)
        db.session.flush()
        programme_dates_saved.send(programme)  # as the set-up page does: the events area adds its three
        orgs = {}
        for i, code in enumerate(("SYKE", "LUKE")):
            orgs[code] = Organisation(programme_id=programme.id, code=code, name_fi=code, position=i)
            db.session.add(orgs[code])
        db.session.flush()
        for sub, (_g, _f, org, wish) in PEOPLE.items():
            user = db.session.scalar(db.select(User).filter_by(subject=sub))
            world.users[sub] = user.id
            db.session.add(
                Registration(programme_id=programme.id, user_id=user.id, role_wish=wish, organisation_id=orgs[org].id)
            )
        world.users["f1"] = db.session.scalar(db.select(User.id).filter_by(subject="f1"))
        pair = MentoringGroup(programme_id=programme.id, form="traditional", status=PUBLISHED)
        pair.members = [
            GroupMember(user_id=world.users["p1"], role="mentor"),
            GroupMember(user_id=world.users["p2"], role="aktori"),
        ]
        db.session.add(pair)
        a = SparringGroup(
            programme_id=programme.id, name="Mentorit A", audience="mentors", facilitator_id=world.users["f1"]
        )
        b = SparringGroup(programme_id=programme.id, name="Mentorit B", audience="mentors")
        a.members = [SparringMember(user_id=world.users["p1"]), SparringMember(user_id=world.users["p3"])]
        b.members = [SparringMember(user_id=world.users["p5"])]
        db.session.add_all([a, b])
        db.session.commit()
        world.programme_id, world.course_id, world.pair_id = programme.id, course.id, pair.id
        world.groups = {"A": a.id, "B": b.id}
    return world
