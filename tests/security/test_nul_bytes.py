"""A NUL character anywhere in a request (form fields of every area, the anonymous feedback form,
query arguments, JSON, launch claims) is refused with a 400 and a message, never a 500 (which
PostgreSQL's text columns would otherwise cause). Run on both databases."""

import pytest

from app.core.security import contains_nul
from tests.support.lti_double import INSTITUTION_ADMIN, LEARNER
from tests.support.security import csrf
from tests.support.web import launch

MESSAGE = "Pyynnössä on NUL-merkki"


def refused(response) -> bool:
    return response.status_code == 400 and MESSAGE in response.get_data(as_text=True)


def post_urls(app):
    """Every POST route of the tool, its path arguments filled with 1."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            urls.append(adapter.build(rule.endpoint, {name: 1 for name in rule.arguments}))
    return sorted(set(urls))


def test_every_post_route_of_every_area_refuses_nul(app, platform):
    admin = launch(app, platform, (INSTITUTION_ADMIN,), sub="1")
    token = csrf(admin)
    urls = post_urls(app)
    areas = {url.strip("/").split("/")[0] for url in urls}
    assert {
        "admin",
        "calendar",
        "events",
        "lti",
        "matching",
        "material",
        "mentoring",
        "programmes",
        "register",
        "sparring",
        "accessibility",
        "locale",
        "logout",
    } <= areas
    for url in urls:
        for field in ("message", "csrf_token_extra", "name\x00"):
            data = {"csrf_token": token, "message": "ok", field: "Hei\x00maailma" if field != "name\x00" else "x"}
            response = admin.client.post(url, query_string={"s": admin.token}, data=data)
            assert refused(response), (url, field, response.status_code)
    admin.page("/home")  # the session is still there: no view ran (logout included)


def test_the_anonymous_feedback_form(client):
    response = client.post("/accessibility/feedback", data={"message": "Kontrasti\x00", "contact": "x@example.fi"})
    assert refused(response)
    response = client.post("/accessibility/feedback?lang=en", data={"message": "ok", "contact": "x\x00@example.fi"})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/privacy?lang=fi%00",
        "/accessibility?x%00=1",
        "/material/search?q=a%00b",
        "/admin/people?q=Maija%00",
        "/calendar/feed.ics?token=a%00b",
        "/material/modules/a%00b",
    ],
)
def test_query_arguments_and_paths(app, platform, path):
    admin = launch(app, platform, (INSTITUTION_ADMIN,), sub="1")
    response = admin.client.get(path + ("&" if "?" in path else "?") + "s=" + admin.token)
    assert refused(response), (path, response.status_code)


def test_json(client):
    response = client.post("/accessibility/feedback", json={"message": ["a", {"b": "c\x00"}]})
    assert refused(response)


@pytest.mark.parametrize(
    "claims",
    [
        {"name": "Aino\x00Virtanen"},
        {"sub": "5\x00"},
        {"lti_context": {"id": "2", "title": "Kurssi\x00"}},
        {"lti_custom": {"target\x00": "mentoring"}},
        {"lti_roles": [LEARNER, "Learner\x00"]},
    ],
)
def test_launch_claims(app, client, platform, claims):
    response = platform.launch(client, claims)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-reason="nul_in_claim"' in body, body[-1500:]
    assert "NUL-merkin" in body


def test_contains_nul():
    assert contains_nul("a\x00") and contains_nul({"a\x00": 1}) and contains_nul([1, ["\x00"]])
    assert not contains_nul({"a": [1, None, True, "b"]}) and not contains_nul(0)


def test_uploaded_file_names(app, platform):
    import io

    admin = launch(app, platform, (INSTITUTION_ADMIN,), sub="1")
    response = admin.client.post(
        "/events/1/attendance/import",
        query_string={"s": admin.token},
        data={"csrf_token": csrf(admin), "report": (io.BytesIO(b"email\n"), "osallistujat\x00.csv")},
    )
    assert refused(response)
