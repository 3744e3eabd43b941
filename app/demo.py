"""``flask --app app demo seed``: the demo programme, its course and fictional people.

The people are the development platform's demo people (``app/devplatform/people.json``), so a
"launch as" there lands on someone the tool already knows.
"""

import json
import os
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.clock import helsinki_today, utcnow
from app.core.db import db

from .events.demo import seed_events
from .lti.cli import check_platform_url
from .lti.models import Deployment, Platform
from .matching.demo import seed_registrations
from .mentoring.demo import seed_pair
from .people.models import ADMINISTRATOR, FACILITATOR, PARTICIPANT, Course, Enrolment, User
from .programme.models import Programme
from .sparring.demo import seed_sparring

demo_cli = AppGroup("demo", help="Demo data for development.")

PEOPLE_FILE = Path(__file__).parent / "devplatform" / "people.json"
ROLE_BY_PLATFORM_ROLE = {"learner": PARTICIPANT, "instructor": FACILITATOR, "administrator": ADMINISTRATOR}

DEMO_NAME = "Tulanet-mentorointiohjelma 2022–2023"
# The programme text's calendar (kickoff, closing, registration window; the midpoint date is ours,
# the text names a midpoint event without a date). The demo keeps its shape but moves it so that
# the programme is under way on the day it is seeded.
PROGRAMME_TEXT_DATES = {
    "registration_opens": date(2021, 11, 1),
    "registration_closes": date(2022, 3, 17),
    "kickoff": date(2022, 5, 5),
    "midpoint": date(2022, 10, 20),
    "closing": date(2023, 3, 30),
}


def demo_dates(today: date) -> dict[str, date]:
    """The programme's dates around ``today``: kickoff on the Thursday 22–23 weeks back (as the
    text's kickoff, a Thursday), so meetings have happened, the midpoint is weeks away and closing
    about half a year ahead."""
    back = today - timedelta(weeks=22)
    kickoff = back - timedelta(days=(back.weekday() - 3) % 7)
    shift = kickoff - PROGRAMME_TEXT_DATES["kickoff"]
    return {name: day + shift for name, day in PROGRAMME_TEXT_DATES.items()}


def devplatform_settings(platform_url: str | None = None) -> dict:
    base = (platform_url or os.environ.get("DEVPLATFORM_URL", "http://127.0.0.1:5001")).rstrip("/")
    return {
        "issuer": base,
        "client_id": os.environ.get("DEVPLATFORM_CLIENT_ID", "tulanet-dev-tool"),
        "deployment_id": os.environ.get("DEVPLATFORM_DEPLOYMENT_ID", "1"),
        "auth_login_url": base + "/auth",
        "auth_token_url": base + "/token",
        "key_set_url": base + "/jwks",
        "context_id": "2",
        "context_title": "Tulanet-mentorointi 2022–2023",
        "context_label": "TULANET-MENTOR",
    }


def seed_demo(platform_url: str | None = None, today: date | None = None) -> dict:
    """Create or refresh the demo platform, course, programme and people. Idempotent: an existing
    demo programme keeps the dates it was created with (its meetings and sessions follow them)."""
    today = today or helsinki_today()
    s = devplatform_settings(platform_url)
    check_platform_url("DEVPLATFORM_URL", s["issuer"], current_app.config["APP_ENV"])
    platform = db.session.scalar(db.select(Platform).filter_by(issuer=s["issuer"], client_id=s["client_id"]))
    if platform is None:
        platform = Platform(issuer=s["issuer"], client_id=s["client_id"])
        db.session.add(platform)
    platform.name = "Kehitysalusta"
    platform.auth_login_url = s["auth_login_url"]
    platform.auth_token_url = s["auth_token_url"]
    platform.key_set_url = s["key_set_url"]
    platform.approved_at = platform.approved_at or utcnow()  # the developer's own platform
    if s["deployment_id"] not in {d.deployment_id for d in platform.deployments}:
        platform.deployments.append(Deployment(deployment_id=s["deployment_id"]))

    course = db.session.scalar(
        db.select(Course).filter_by(issuer=s["issuer"], deployment_id=s["deployment_id"], context_id=s["context_id"])
    )
    if course is None:
        course = Course(issuer=s["issuer"], deployment_id=s["deployment_id"], context_id=s["context_id"])
        db.session.add(course)
    course.title, course.label = s["context_title"], s["context_label"]
    db.session.flush()

    programme = db.session.scalar(db.select(Programme).filter_by(course_id=course.id, name=DEMO_NAME))
    if programme is None:
        programme = Programme(course_id=course.id, name=DEMO_NAME, **demo_dates(today))
        db.session.add(programme)
    # Mail sends people to the course in the development platform, as it would to Moodle.
    programme.moodle_url = programme.moodle_url or s["issuer"].rstrip("/") + "/"

    people = json.loads(PEOPLE_FILE.read_text(encoding="utf-8"))
    for person in people:
        user = db.session.scalar(db.select(User).filter_by(issuer=s["issuer"], subject=person["id"]))
        if user is None:
            user = User(issuer=s["issuer"], subject=person["id"])
            db.session.add(user)
        user.given_name, user.family_name = person["given_name"], person["family_name"]
        user.name = f"{person['given_name']} {person['family_name']}"
        user.email = person["email"]
        user.locale = person.get("lang")
        db.session.flush()
        enrolment = db.session.scalar(db.select(Enrolment).filter_by(course_id=course.id, user_id=user.id))
        if enrolment is None:
            enrolment = Enrolment(course_id=course.id, user_id=user.id, lti_roles=[])
            db.session.add(enrolment)
        enrolment.role = ROLE_BY_PLATFORM_ROLE[person["role"]]
        enrolment.active = True
    seed_registrations(programme, course, s["issuer"])
    seed_pair(programme, s["issuer"])  # after the registrations: the pair's members carry theirs
    seed_sparring(programme, s["issuer"])
    seed_events(programme, s["issuer"], today)
    db.session.commit()
    # The first signing key now, not at the first launch: /readyz is green on a fresh demo.
    current_app.extensions["lti_keys"].current()
    return {"platform": s["issuer"], "course": course.title, "programme": programme.name, "people": len(people)}


@demo_cli.command("seed")
def seed_command():
    """Create the demo programme, its course, the development platform and demo people."""
    result = seed_demo()
    click.echo(
        f"Seeded {result['programme']} in course {result['course']} "
        f"with {result['people']} people; platform {result['platform']}."
    )
