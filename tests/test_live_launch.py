"""Positive launches for each role through the development platform over real HTTP."""

import json
from pathlib import Path

import pytest

from app.devplatform.useragent import UserAgent

PEOPLE = json.loads((Path(__file__).parents[1] / "app/devplatform/people.json").read_text())
pytestmark = pytest.mark.live


def person(role: str) -> dict:
    return next(p for p in PEOPLE if p["role"] == role)


@pytest.mark.parametrize(
    "platform_role, tool_role, role_name",
    [
        ("learner", "participant", "osallistuja"),
        ("instructor", "facilitator", "fasilitaattori"),
        ("administrator", "administrator", "ylläpitäjä"),
    ],
)
def test_each_role_launches(live, platform_role, tool_role, role_name):
    who = person(platform_role)
    result = UserAgent(live["platform_url"]).launch(who["id"], locale="fi")
    assert result.ok, result.steps
    page = result.response.text
    assert f'data-role="{tool_role}"' in page and role_name in page
    assert who["email"] in page
    assert "Tulanet-mentorointiohjelma 2022–2023" in page
    # The path a Moodle launch takes, step by step.
    assert [s[1].rsplit("/", 1)[-1] for s in result.steps] == ["init", "login", "auth", "launch", "home"]


@pytest.mark.parametrize(
    "locale, lang, phrase",
    [
        ("fi", "fi", "Tervetuloa"),
        ("sv", "sv", "Välkommen"),
        ("en", "en", "Welcome"),
        ("pt_br", "fi", "Tervetuloa"),
    ],
)
def test_locale_selection(live, locale, lang, phrase):
    result = UserAgent(live["platform_url"]).launch(person("learner")["id"], locale=locale)
    assert result.ok, result.steps
    assert f'<html lang="{lang}">' in result.response.text and phrase in result.response.text


def test_person_language_when_platform_sends_their_own(live):
    swede = next((p for p in PEOPLE if p["lang"] == "sv" and p["role"] == "learner"), None)
    if swede is None:
        pytest.fail("people.json should hold a Swedish-speaking participant")
    result = UserAgent(live["platform_url"]).launch(swede["id"])
    assert '<html lang="sv">' in result.response.text


def test_id_token_cannot_be_replayed_over_http(live):
    agent = UserAgent(live["platform_url"])
    first = agent.request("GET", live["platform_url"] + "/launch/init", params={"user": person("learner")["id"]})
    url, fields = _form(first)
    login = agent.request("POST", url, data=fields)
    auth = agent.request("GET", login.headers["Location"])
    url, fields = _form(auth)
    assert agent.request("POST", url, data=fields).status_code == 303
    again = agent.request("POST", url, data=fields)
    assert again.status_code == 401 and 'data-reason="nonce_replayed"' in again.text


def _form(response):
    from urllib.parse import urljoin

    from app.devplatform.useragent import first_form

    action, _method, fields = first_form(response.text)
    return urljoin(response.url, action), fields
