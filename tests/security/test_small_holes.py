"""The smaller holes: a ``kid`` that is not a string, open redirects through the language
switch, and which TeachingAssistant roles make a facilitator."""

import base64
import json

import pytest

from app.core.web import safe_next
from app.lti.roles import tool_role
from tests.support.lti_double import LEARNER
from tests.support.security import csrf
from tests.support.web import launch

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("kid", [{"kid": "x"}, ["a", "b"], 42, True])
def test_a_kid_that_is_not_a_string_is_refused_before_the_signature(client, platform, kid):
    auth = platform.login(client)
    # PyJWT will not sign such a header, and the refusal comes before any signature check anyway.
    token = ".".join([_b64({"alg": "RS256", "typ": "JWT", "kid": kid}), _b64(platform.claims(auth["nonce"])), "c2ln"])
    requests_before = platform.jwks_requests
    response = platform.launch(client, token=token, login=auth)
    assert response.status_code == 400
    assert 'data-reason="bad_kid"' in response.get_data(as_text=True)
    assert platform.jwks_requests == requests_before  # no key was looked up


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example/x",
        "/\n/evil.example/x",
        "/\r\n/evil.example",
        " //evil.example/x",
        "\x01//evil.example",
        "//evil.example/x",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t\\evil.example",
        "https://evil.example/x",
        "http:/evil.example",
        "HTTPS://evil.example",
        "javascript:alert(1)",
        "java\tscript:alert(1)",
        "evil.example/x",
        "",
        None,
        "/ok\x00/x",
        "/ok\x7f",
    ],
)
def test_open_redirect_variants_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/home", "/home"),
        ("/material/modules/m1?s=abc&lang=sv", "/material/modules/m1?s=abc&lang=sv"),
        ("  /home\n", "/home"),
        ("/calendar/#feed", "/calendar/#feed"),
    ],
)
def test_paths_of_the_tool_are_kept(target, expected):
    assert safe_next(target) == expected


@pytest.mark.parametrize("target", ["/\t/evil.example/x", "//evil.example", "/\\evil.example", "https://evil.example"])
def test_the_language_switch_stays_in_the_tool(app, platform, target):
    viewer = launch(app, platform, (LEARNER,))
    response = viewer.client.post(
        "/locale", query_string={"s": viewer.token}, data={"csrf_token": csrf(viewer), "locale": "en", "next": target}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/home?s={viewer.token}"


def test_the_language_switch_returns_to_the_page(app, platform):
    viewer = launch(app, platform, (LEARNER,))
    response = viewer.client.post(
        "/locale",
        query_string={"s": viewer.token},
        data={"csrf_token": csrf(viewer), "locale": "en", "next": "/material/?x=1"},
    )
    assert response.headers["Location"] == f"/material/?x=1&s={viewer.token}"


@pytest.mark.parametrize(
    "roles, expected",
    [
        ([LIS + "membership/Instructor#TeachingAssistant"], "facilitator"),
        ([LIS + "membership#TeachingAssistant"], "facilitator"),
        (["TeachingAssistant"], "facilitator"),
        (["urn:lti:role:ims/lis/TeachingAssistant"], "facilitator"),
        (["urn:lti:role:ims/lis/Instructor/TeachingAssistant"], "facilitator"),
        ([LIS + "membership/Learner#TeachingAssistant"], "guest"),
        ([LIS + "membership/Mentor#TeachingAssistant"], "guest"),
        ([LIS + "membership/Administrator#TeachingAssistant"], "guest"),
        ([LIS + "membership/ContentDeveloper#TeachingAssistant"], "guest"),
        (["urn:lti:role:ims/lis/Learner/TeachingAssistant"], "guest"),
        ([LIS + "institution/person#TeachingAssistant"], "guest"),
        ([LIS + "membership/Learner#TeachingAssistant", LIS + "membership#Learner"], "participant"),
        ([LIS + "membership/Learner#TeachingAssistant", LIS + "membership#Instructor"], "facilitator"),
        ([LIS + "membership/Instructor#Lecturer"], "facilitator"),  # other sub-roles: their principal
        ([LIS + "membership/Learner#NonCreditLearner"], "participant"),
    ],
)
def test_teaching_assistant_table(roles, expected):
    assert tool_role(roles) == expected
