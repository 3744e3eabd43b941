"""The Content-Security-Policy names only the platform the session came from, so its size does
not grow with the number of registered platforms; outside a session only the tool frames itself;
the launch's own answers (refusals, the logged-out page) show inside the launching platform."""

import re

from app.core.db import db
from app.core.security import frame_origins
from app.lti.models import Platform
from tests.support.lti_double import LEARNER
from tests.support.security import csrf
from tests.support.web import launch


def csp(response) -> str:
    return response.headers["Content-Security-Policy"]


def ancestors(response) -> list[str]:
    return re.search(r"frame-ancestors ([^;]+)", csp(response)).group(1).split()


def register_platforms(app, n: int, start: int = 0):
    with app.app_context():
        db.session.execute(
            db.insert(Platform),
            [
                {
                    "issuer": f"https://moodle{i}.example.fi",
                    "client_id": f"client-{i}",
                    "auth_login_url": f"https://login{i}.example.fi/mod/lti/auth.php",
                    "auth_token_url": f"https://moodle{i}.example.fi/mod/lti/token.php",
                    "key_set_url": f"https://moodle{i}.example.fi/mod/lti/certs.php",
                }
                for i in range(start, start + n)
            ],
        )
        db.session.commit()


def test_size_does_not_depend_on_the_number_of_platforms(app, platform, client):
    viewer = launch(app, platform, (LEARNER,))
    before_session = csp(viewer.get("/home"))
    before_public = csp(client.get("/privacy"))
    register_platforms(app, 300)
    after_session = csp(viewer.get("/home"))
    after_public = csp(client.get("/privacy"))
    assert len(after_session) == len(before_session) and after_session == before_session
    assert len(after_public) == len(before_public)
    assert len(after_session) < 400
    # A launch after the registrations gets the same header too.
    assert csp(launch(app, platform, (LEARNER,), sub="6").get("/home")) == before_session


def test_names_only_the_session_s_platform(app, platform, client):
    register_platforms(app, 3)
    viewer = launch(app, platform, (LEARNER,))
    page = viewer.get("/home")
    assert ancestors(page) == ["'self'", platform.issuer]
    assert f"form-action 'self' {platform.issuer};" in csp(page)
    assert "example.fi" not in csp(page)


def test_outside_a_session_only_the_tool_frames_itself(app, platform, client):
    register_platforms(app, 3)
    for path in ("/privacy", "/accessibility", "/home", "/lti/config"):
        assert ancestors(client.get(path)) == ["'self'"], path
    # So that inside the platform's frame they still open, their links there open apart.
    page = client.get("/home").get_data(as_text=True)
    assert 'href="/privacy" target="_blank" rel="noopener"' in page


def test_frame_origins():
    assert frame_origins("https://moodle.example.fi", "https://moodle.example.fi/mod/lti/auth.php") == [
        "https://moodle.example.fi"
    ]
    assert frame_origins("https://moodle.example.fi", "https://sso.example.fi:8443/auth") == [
        "https://moodle.example.fi",
        "https://sso.example.fi:8443",
    ]
    # Not URLs, other schemes and userinfo never become sources.
    assert frame_origins("moodle", "javascript:alert(1)", "https://a@evil.example/x", "https://") == []


def test_a_launch_refusal_shows_inside_the_launching_platform(app, platform, client):
    auth = platform.login(client)
    claims = platform.claims(auth["nonce"])
    claims["exp"] = claims["iat"] = claims["iat"] - 3600  # expired: refused once the platform is known
    response = platform.launch(client, token=platform.sign(claims), login=auth)
    assert response.status_code == 401 and 'data-reason="expired"' in response.get_data(as_text=True)
    assert ancestors(response) == ["'self'", platform.issuer]
    # A launch naming a platform the tool does not know: only the tool itself.
    claims = platform.claims("n", iss="https://unknown.example")
    response = platform.launch(client, token=platform.sign(claims))
    assert response.status_code == 401 and ancestors(response) == ["'self'"]


def test_the_logged_out_and_session_ended_pages_show_inside_the_platform(app, platform):
    viewer = launch(app, platform, (LEARNER,))
    response = viewer.client.post("/logout", query_string={"s": viewer.token}, data={"csrf_token": csrf(viewer)})
    assert response.status_code == 200 and ancestors(response) == ["'self'", platform.issuer]

    from datetime import timedelta

    from app.core.clock import utcnow
    from app.core.sessions import WebSession, _hash

    expired = launch(app, platform, (LEARNER,))
    with app.app_context():
        db.session.get(WebSession, _hash(expired.token)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = expired.get("/home")
    assert response.status_code == 401 and ancestors(response) == ["'self'", platform.issuer]


def test_the_open_in_a_new_window_page_shows_inside_the_platform(app, platform, client):
    auth = platform.login(client)
    without_cookies = app.test_client()  # the browser kept no state cookie
    response = platform.launch(without_cookies, login=auth)
    assert response.status_code == 401 and "/lti/handoff?code=" in response.get_data(as_text=True)
    assert ancestors(response) == ["'self'", platform.issuer]
