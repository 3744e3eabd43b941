"""Secrets and personal data stay out of logs: the calendar feed's secret is not in the URL
path (access logs keep paths only), the engine hides bound parameters from its errors, and
nothing logged at INFO names a person."""

import logging
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.exc import IntegrityError

from app.core.db import db
from app.people.models import User
from tests.support.lti_double import INSTRUCTOR, LEARNER
from tests.support.security import csrf
from tests.support.web import launch


def test_the_feed_secret_is_in_the_query_string_not_the_path(app, platform):
    from app.people.models import Course
    from app.programme.models import Programme

    viewer = launch(app, platform, (LEARNER,))
    with app.app_context():
        course = db.session.scalar(db.select(Course))
        db.session.add(
            Programme(course_id=course.id, name="Kohortti", kickoff=date(2026, 5, 5), closing=date(2027, 3, 30))
        )
        db.session.commit()
    response = viewer.client.post(
        "/calendar/feed", query_string={"s": viewer.token}, data={"csrf_token": csrf(viewer, "/calendar/")}
    )
    assert response.status_code == 303  # the new address is shown on the page after the redirect
    response = viewer.client.get(response.location)
    url = re.search(r'id="feed-url" class="wide" readonly value="([^"]+)"', response.get_data(as_text=True)).group(1)
    parts = urlsplit(url.replace("&amp;", "&"))
    token = parse_qs(parts.query)["token"][0]
    assert len(token) >= 40 and token not in parts.path and parts.path == "/calendar/feed.ics"
    anonymous = app.test_client()
    assert anonymous.get(f"{parts.path}?{parts.query}").status_code == 200
    # The old form, with the secret in the path, answers nothing.
    assert anonymous.get(f"/calendar/feed/{token}.ics").status_code == 404


def test_the_engine_hides_bound_parameters(app):
    with app.app_context():
        assert db.engine.hide_parameters is True
        db.session.add(User(issuer="https://x", subject="s", name="Salainen Nimi"))
        db.session.commit()
        db.session.add(User(issuer="https://x", subject="s", name="Salainen Nimi"))
        with pytest.raises(IntegrityError) as error:
            db.session.commit()
        db.session.rollback()
    assert "Salainen Nimi" not in str(error.value) and "hidden due to hide_parameters" in str(error.value)


def test_nothing_logged_at_info_names_a_person(app, platform, caplog):
    caplog.set_level(logging.INFO, logger="app")
    launch(app, platform, (INSTRUCTOR,), sub="4", given="Salli", family="Salanimi", email="salli.salanimi@example.fi")
    viewer = launch(app, platform, (LEARNER,), given="Aino", family="Avoin", email="aino.avoin@example.fi")
    viewer.page("/home")
    assert any(r.name.startswith("app") for r in caplog.records)  # the launches were logged
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name.startswith("app"))
    for personal in ("Salli", "Salanimi", "salli.salanimi", "Aino", "Avoin", "aino.avoin"):
        assert personal not in logged
