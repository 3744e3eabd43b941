"""Valid launches that the 1EdTech certification sends, and what the tool makes of them."""

from urllib.parse import parse_qs, urlsplit

import pytest

from app.core.db import db
from app.people.models import Course, Enrolment, User
from tests.support.lti_double import (
    INSTITUTION_ADMIN,
    INSTRUCTOR,
    LEARNER,
    MENTOR_OBSERVER,
    SYSTEM_ADMIN,
    TA,
)


def launch_home(client, platform, overrides=None, **headers):
    response = platform.launch(client, overrides)
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    page = client.get(response.headers["Location"], headers=headers)
    assert page.status_code == 200
    return page.get_data(as_text=True)


@pytest.mark.parametrize(
    "roles, expected",
    [
        ([LEARNER], "participant"),
        ([INSTRUCTOR], "facilitator"),
        ([TA], "facilitator"),
        (["Instructor"], "facilitator"),
        (["Learner"], "participant"),
        ([INSTITUTION_ADMIN, SYSTEM_ADMIN], "administrator"),
        ([LEARNER, INSTRUCTOR], "facilitator"),
        (["http://example.com/unknown#Role"], "guest"),
        ([], "guest"),
        ([MENTOR_OBSERVER], "guest"),
    ],
)
def test_roles(client, platform, roles, expected):
    body = launch_home(client, platform, {"lti_roles": roles})
    assert f'data-role="{expected}"' in body


def test_no_name_or_email(app, client, platform):
    body = launch_home(client, platform, {"name": None, "given_name": None, "family_name": None, "email": None})
    assert "(alusta ei jakanut tätä tietoa)" in body


def test_email_only(client, platform):
    body = launch_home(client, platform, {"name": None, "given_name": None, "family_name": None})
    assert "aino.virtanen@syke.example" in body


def test_names_only(client, platform):
    body = launch_home(client, platform, {"email": None})
    assert "Aino Virtanen" in body


def test_no_context_claim(app, client, platform):
    body = launch_home(client, platform, {"lti_context": None})
    assert "(käynnistyksessä ei ollut kurssia)" in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Course.id))) == 0


def test_new_resource_link_id(client, platform):
    launch_home(client, platform)
    body = launch_home(client, platform, {"lti_resource_link": {"id": "a-brand-new-link"}})
    assert 'data-role="participant"' in body


def test_users_keyed_by_issuer_and_sub_with_details_refreshed(app, client, platform):
    launch_home(client, platform)
    launch_home(client, platform, {"name": "Aino Virtanen-Korhonen", "email": "aino.vk@syke.example"})
    with app.app_context():
        users = db.session.scalars(db.select(User)).all()
        assert len(users) == 1
        assert users[0].name == "Aino Virtanen-Korhonen"
        assert users[0].email == "aino.vk@syke.example"
        enrolment = db.session.scalar(db.select(Enrolment))
        assert enrolment.role == "participant" and enrolment.active


def test_courses_keyed_by_issuer_deployment_and_context(app, client, platform):
    launch_home(client, platform)
    launch_home(client, platform, {"lti_context": {"id": "3", "title": "Toinen kurssi"}})
    with app.app_context():
        assert {c.context_id for c in db.session.scalars(db.select(Course))} == {"2", "3"}


@pytest.mark.parametrize(
    "moodle_locale, lang, phrase",
    [
        ("fi", "fi", "Tervetuloa"),
        ("sv", "sv", "Välkommen"),
        ("en", "en", "Welcome"),
        ("sv_fi", "sv", "Välkommen"),
        ("pt_br", "fi", "Tervetuloa"),
    ],
)
def test_locale_from_launch(client, platform, moodle_locale, lang, phrase):
    body = launch_home(client, platform, {"lti_launch_presentation": {"locale": moodle_locale}})
    assert f'<html lang="{lang}">' in body
    assert phrase in body


def test_user_switches_language_over_the_launch_locale(client, platform):
    response = platform.launch(client)
    home = response.headers["Location"]
    page = client.get(home).get_data(as_text=True)
    import re

    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    action = re.search(r'<form class="language" method="post" action="([^"]+)"', page).group(1)
    switched = client.post(
        action.replace("&amp;", "&"), data={"csrf_token": csrf_token, "locale": "sv", "next": "/home"}
    )
    assert switched.status_code == 303
    assert "s=" in switched.headers["Location"]
    again = client.get(switched.headers["Location"]).get_data(as_text=True)
    assert '<html lang="sv">' in again and "Välkommen" in again


def test_language_switch_without_csrf_token_is_refused(client, platform):
    response = platform.launch(client)
    token = parse_qs(urlsplit(response.headers["Location"]).query)["s"][0]
    refused = client.post(f"/locale?s={token}", data={"locale": "sv"})
    assert refused.status_code == 400
    assert "Lomake oli vanhentunut" in refused.get_data(as_text=True)


def test_pages_need_a_session(client):
    response = client.get("/home")
    assert response.status_code == 401
    assert client.get("/home?s=forged-token").status_code == 401


def test_links_carry_the_session_token(app, client, platform):
    from datetime import date

    from app.programme.models import Programme

    response = platform.launch(client)
    token = parse_qs(urlsplit(response.headers["Location"]).query)["s"][0]
    with app.app_context():
        course = db.session.scalar(db.select(Course))
        db.session.add(
            Programme(course_id=course.id, name="Kohortti 1", kickoff=date(2022, 5, 5), closing=date(2023, 3, 30))
        )
        db.session.commit()
    body = client.get(f"/home?s={token}").get_data(as_text=True)
    assert f"/programme?s={token}" in body
    overview = client.get(f"/programme?s={token}")
    assert overview.status_code == 200
    assert "Kohortti 1" in overview.get_data(as_text=True)


def test_security_headers(client, platform):
    response = platform.launch(client)
    page = client.get(response.headers["Location"])
    csp = page.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {platform.issuer}" in csp
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Frame-Options" not in page.headers


def test_odd_claim_types_are_tolerated(app, client, platform):
    """Numbers, lists and strings where objects or text are expected never make a 500."""
    body = launch_home(
        client,
        platform,
        {
            "sub": "12345",
            "name": ["Aino", "Virtanen"],
            "given_name": 7,
            "email": "x" * 400 + "@syke.example",
            "lti_launch_presentation": "iframe",
            "lti_context": {"id": 2, "title": ["not", "text"]},
            "lti_custom": "nothing",
        },
    )
    assert 'data-role="participant"' in body
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.subject == "12345" and user.name is None and user.given_name == "7"
        assert len(user.email) == 320
        assert db.session.scalar(db.select(Course)).context_id == "2"
