"""Dynamic registration end to end against the development platform, through a one-time URL the
operator issued, pending until the operator approves, then a launch with it."""

import html
import json
import re

import pytest

from app.core.db import db
from app.devplatform.useragent import UserAgent
from app.lti.models import Platform
from app.lti.rules import platform_url_problem, same_origin

pytestmark = pytest.mark.live


def registration_url(tool) -> str:
    """What the operator runs: ``flask --app app lti registration-url``."""
    result = tool.test_cli_runner().invoke(args=["lti", "registration-url"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _start(ags, url=None):
    """The platform administrator pastes the URL as the tool URL in Manage tools."""
    agent = UserAgent(ags.live["platform_url"])
    page = agent.request(
        "GET", ags.live["platform_url"] + "/admin/tools", params={"tool_url": url or registration_url(ags.tool)}
    )
    frame = html.unescape(re.search(r'<iframe[^>]+src="([^"]+)"', page.text).group(1))
    return agent, frame


def _approve(tool, issuer, client_id):
    result = tool.test_cli_runner().invoke(args=["lti", "platform", "approve", issuer, "--client-id", client_id])
    assert result.exit_code == 0, result.output


def test_registration_end_to_end_then_a_launch_with_it(ags):
    url = registration_url(ags.tool)
    assert re.fullmatch(re.escape(ags.live["tool_url"]) + r"/lti/register/[A-Za-z0-9_-]{40,}", url)
    agent, frame = _start(ags, url)
    done = agent.request("GET", frame)
    assert done.status_code == 200, done.text
    client_id = re.search(r'data-client-id="([^"]+)"', done.text).group(1)
    assert (
        "lti-registration-close.js" in done.text
        and 'id="pending-note"' in done.text
        and 'id="approval-note"' in done.text
    )
    registration = ags.platform_app.extensions["devplatform_registrations"][client_id]
    assert registration["names"] == {"fi": "Tulanet-mentorointi", "sv": "Tulanet-mentorskap", "en": "Tulanet mentoring"}
    assert registration["jwks_uri"] == ags.live["tool_url"] + "/lti/jwks"
    assert set(registration["messages"]) == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in registration["scopes"]
    assert "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly" in registration["scopes"]
    platform = db.session.scalar(db.select(Platform).filter_by(client_id=client_id))
    assert platform.issuer == ags.live["platform_url"] and [d.deployment_id for d in platform.deployments] == ["2"]
    assert platform.auth_token_url == ags.live["platform_url"] + "/token"
    assert platform.state == "pending"
    # The URL was for one registration only.
    assert agent.request("GET", frame).status_code == 410
    # Pending on the platform until its administrator activates it, as in Moodle.
    pending = agent.request("GET", ags.live["platform_url"] + "/launch/init", params={"user": "3", "client": client_id})
    assert pending.status_code == 400 and "tool_pending" in pending.text
    agent.request("POST", ags.live["platform_url"] + f"/admin/tools/{client_id}/activate", data={})
    # ...and pending in the tool until its operator approves it.
    refused = UserAgent(ags.live["platform_url"]).launch("3", locale="fi", client=client_id)
    assert refused.response.status_code == 403 and "hyväksy" in refused.response.text
    listing = json.loads(ags.tool.test_cli_runner().invoke(args=["lti", "platform", "list", "--json"]).stdout)
    assert {p["client_id"]: p["state"] for p in listing} == {"tulanet-dev-tool": "approved", client_id: "pending"}
    _approve(ags.tool, ags.live["platform_url"], client_id)
    result = UserAgent(ags.live["platform_url"]).launch("3", locale="fi", client=client_id)
    assert result.ok, result.steps
    assert 'data-role="administrator"' in result.response.text


@pytest.mark.parametrize(
    "fault, code",
    [("malformed_config", "config_missing"), ("refuse", "registration_refused")],
)
def test_a_malformed_configuration_or_a_refusal_is_explained(ags, fault, code):
    ags.platform_app.test_client().post("/dev/control", json={"registration_fault": fault})
    agent, frame = _start(ags)
    page = agent.request("GET", frame)
    assert page.status_code == 502
    text = html.unescape(page.text)
    assert 'role="alert"' in text and code in text
    count = db.session.scalar(db.select(db.func.count()).select_from(Platform))
    assert count == 1  # nothing saved besides the demo platform
    # The platform's own words stay in the log, never on the page.
    assert "Registrations are closed on this site" not in text
    # Nothing was saved, so the URL still works once the platform is fixed.
    ags.platform_app.test_client().post("/dev/control", json={"registration_fault": None})
    assert agent.request("GET", frame).status_code == 200


def test_missing_or_foreign_configuration_urls_are_refused(ags):
    client = ags.tool.test_client()
    assert client.get("/lti/register").status_code == 403
    url = registration_url(ags.tool)
    path = url[len(ags.live["tool_url"]) :]
    assert client.get(path).status_code == 400  # no openid_configuration
    assert client.get(path + "?openid_configuration=http://moodle.example/x").status_code == 400
    # The configuration claims an issuer on another site than the one it came from.
    foreign = ags.live["platform_url"].replace("127.0.0.1", "localhost") + "/mod/lti/openid-configuration.php"
    page = client.get(path, query_string={"openid_configuration": foreign})
    assert page.status_code == 502 and "config_inconsistent" in page.get_data(as_text=True)


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
    from app.lti.models import AccessToken
    from app.lti.vocabulary import AGS_SCOPES

    agent, frame = _start(ags)
    client_id = re.search(r'data-client-id="([^"]+)"', agent.request("GET", frame).text).group(1)
    _approve(ags.tool, ags.live["platform_url"], client_id)
    tokens = ags.tool.extensions["lti_tokens"]
    first = db.session.scalar(db.select(Platform).filter(Platform.client_id != client_id))
    second = db.session.scalar(db.select(Platform).filter_by(client_id=client_id))
    a, b = tokens.token(first, AGS_SCOPES), tokens.token(second, AGS_SCOPES)
    assert a.value != b.value
    assert tokens.token(first, AGS_SCOPES).value == a.value  # cached, not requested again
    rows = db.session.scalars(
        db.select(AccessToken.client_id).where(AccessToken.scopes == " ".join(sorted(AGS_SCOPES)))
    ).all()
    assert sorted(rows) == sorted([first.client_id, client_id])
