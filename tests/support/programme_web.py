"""Helpers for the programme and matching pages' tests: a course with a programme whose
registration is open, launched participants and staff, and form posts with a CSRF token."""

import json
import re
from datetime import timedelta
from pathlib import Path

from app.core.clock import helsinki_today
from app.core.db import db
from app.people.models import Course
from app.programme import services
from app.programme.models import Registration
from tests.support.lti_double import INSTRUCTOR, LEARNER
from tests.support.web import Viewer, text  # noqa: F401 (re-exported)
from tests.support.web import launch as content_launch

# The demo people's names by subject, so each test person has their own name.
PEOPLE = {
    p["id"]: p
    for p in json.loads(
        (Path(__file__).resolve().parents[2] / "app" / "devplatform" / "people.json").read_text(encoding="utf-8")
    )
}


def launch(app, platform, roles=(LEARNER,), *, sub="5", course="2", locale="fi") -> Viewer:
    """Launch as ``sub`` (named as in people.json) with ``roles`` in course ``course``."""
    person = PEOPLE.get(sub, {"given_name": "Testi", "family_name": f"Henkilö {sub}"})
    return content_launch(
        app,
        platform,
        roles,
        sub=sub,
        course=course,
        locale=locale,
        given=person["given_name"],
        family=person["family_name"],
        email=f"user{sub}@example.fi",
    )


def facilitator(app, platform, **kwargs) -> Viewer:
    kwargs.setdefault("sub", "4")
    return launch(app, platform, (INSTRUCTOR,), **kwargs)


def csrf(viewer: Viewer, path: str = "/home") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', viewer.page(path)).group(1)


def post(viewer: Viewer, path: str, data=None, token_from: str = "/home"):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf(viewer, token_from))
    sep = "&" if "?" in path else "?"
    return viewer.client.post(f"{path}{sep}s={viewer.token}", data=data)


def make_programme(app, context_id: str = "2", **fields):
    """A programme in the course launched as ``context_id`` (launch someone there first)."""
    today = helsinki_today()
    values = dict(
        name=f"Ohjelma {context_id}",
        registration_opens=today - timedelta(days=10),
        registration_closes=today + timedelta(days=20),
        kickoff=today + timedelta(days=30),
        midpoint=today + timedelta(days=150),
        closing=today + timedelta(days=300),
    )
    values.update(fields)
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(context_id=context_id))
        programme = services.create_programme(course.id, **values)
        db.session.commit()
        return programme.id


def register_data(app, programme_id, **overrides) -> dict:
    """A complete, valid registration form."""
    from app.programme.models import Programme

    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        org = next(o.id for o in programme.organisations if o.code == "SYKE")
    data = {
        "role_wish": "aktori",
        "forms": ["traditional", "reverse", "group"],
        "organisation_id": str(org),
        "unit": "Tietokeskus",
        "themes_wanted": ["leadership"],
        "goals": "Haluan kehittyä johtajana.",
        "languages": ["fi"],
        "capacity": "1",
        "counterpart_user_id": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def registration(app, programme_id, user_sub) -> Registration | None:
    from app.people.models import User

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(subject=user_sub))
        row = db.session.scalar(db.select(Registration).filter_by(programme_id=programme_id, user_id=user.id))
        if row is not None:
            db.session.expunge(row)
        return row
