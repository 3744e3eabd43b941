"""Dynamic registration end to end against the development platform, then a launch with it."""
import html
import re

import pytest

from app.devplatform.useragent import UserAgent
from app.extensions import db
from app.lti.models import Platform
from app.lti.rules import platform_url_problem, same_origin

pytestmark = pytest.mark.live


def _start(ags):
    agent = UserAgent(ags.live["platform_url"])
    page = agent.request("GET", ags.live["platform_url"] + "/admin/tools", params={"tool_url": ags.live["tool_url"] + "/lti/register"})
    frame = html.unescape(re.search(r'<iframe[^>]+src="([^"]+)"', page.text).group(1))
    return agent, frame


def test_registration_end_to_end_then_a_launch_with_it(ags):
    agent, frame = _start(ags)
    done = agent.request("GET", frame)
    assert done.status_code == 200, done.text
    client_id = re.search(r'data-client-id="([^"]+)"', done.text).group(1)
    assert "lti-registration-close.js" in done.text and 'id="pending-note"' in done.text
    registration = ags.platform_app.extensions["devplatform_registrations"][client_id]
    assert registration["names"] == {"fi": "Tulanet-mentorointi", "sv": "Tulanet-mentorskap", "en": "Tulanet mentoring"}
    assert registration["jwks_uri"] == ags.live["tool_url"] + "/lti/jwks"
    assert set(registration["messages"]) == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in registration["scopes"]
    assert "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" in registration["scopes"]
    platform = db.session.scalar(db.select(Platform).filter_by(client_id=client_id))
    assert platform.issuer == ags.live["platform_url"] and [d.deployment_id for d in platform.deployments] == ["2"]
    assert platform.auth_token_url == ags.live["platform_url"] + "/token"
    # Pending until an administrator activates it, as in Moodle.
    pending = agent.request("GET", ags.live["platform_url"] + "/launch/init", params={"user": "3", "client": client_id})
    assert pending.status_code == 400 and "tool_pending" in pending.text
    agent.request("POST", ags.live["platform_url"] + f"/admin/tools/{client_id}/activate", data={})
    result = UserAgent(ags.live["platform_url"]).launch("3", locale="fi", client=client_id)
    assert result.ok, result.steps
    assert 'data-role="administrator"' in result.response.text


@pytest.mark.parametrize(
    "fault, words",
    [("malformed_config", "configuration lacks"), ("refuse", "refused the registration")],
)
def test_a_malformed_configuration_or_a_refusal_is_explained(ags, fault, words):
    ags.platform_app.test_client().post("/dev/control", json={"registration_fault": fault})
    agent, frame = _start(ags)
    page = agent.request("GET", frame)
    assert page.status_code == 502
    text = html.unescape(page.text)
    assert 'role="alert"' in text
    count = db.session.scalar(db.select(db.func.count()).select_from(Platform))
    assert count == 1  # nothing saved besides the demo platform
    if fault == "refuse":
        assert "Registrations are closed on this site" in text


def test_missing_or_foreign_configuration_urls_are_refused(ags):
    client = ags.tool.test_client()
    assert client.get("/lti/register").status_code == 400
    assert client.get("/lti/register?openid_configuration=http://moodle.example/x").status_code == 400
    # The configuration claims an issuer on another site than the one it came from.
    foreign = ags.live["platform_url"].replace("127.0.0.1", "localhost") + "/mod/lti/openid-configuration.php"
    page = client.get("/lti/register", query_string={"openid_configuration": foreign})
    assert page.status_code == 502 and 'role="alert"' in page.get_data(as_text=True)


def test_platform_url_rules():
    assert platform_url_problem("https://moodle.example/", "production") is None
    assert platform_url_problem("http://127.0.0.1:5001", "development") is None
    assert platform_url_problem("http://127.0.0.1:5001", "production") == "plain_http"
    assert platform_url_problem("http://moodle.example", "development") == "not_https"
    assert platform_url_problem(None, "development") == "not_https"
    assert same_origin("https://m.example/a", "https://m.example/b/c")
    assert not same_origin("https://m.example/a", "https://evil.example/a")


def test_tokens_are_cached_per_client_of_one_issuer(ags):
    """Two registrations of one platform (issuer) get their own tokens: pylti1p3's cache, keyed
    by issuer and scopes only, would hand one client's token to the other."""
    from app.lti.delivery import AGS_SCOPES
    from app.lti.models import AccessToken

    agent, frame = _start(ags)
    client_id = re.search(r'data-client-id="([^"]+)"', agent.request("GET", frame).text).group(1)
    tokens = ags.tool.extensions["lti_tokens"]
    first = db.session.scalar(db.select(Platform).filter(Platform.client_id != client_id))
    second = db.session.scalar(db.select(Platform).filter_by(client_id=client_id))
    a, b = tokens.token(first, AGS_SCOPES), tokens.token(second, AGS_SCOPES)
    assert a.value != b.value
    assert tokens.token(first, AGS_SCOPES).value == a.value  # cached, not requested again
    rows = db.session.scalars(db.select(AccessToken.client_id).where(AccessToken.scopes == " ".join(sorted(AGS_SCOPES)))).all()
    assert sorted(rows) == sorted([first.client_id, client_id])
