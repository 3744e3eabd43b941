"""The new-window fallback: a launch whose browser kept no state cookie is verified in full, then
handed to a new top-level window by a single-use, two-minute code bound to the browser."""

import hashlib
import re
from datetime import timedelta

from app.core.clock import utcnow
from app.core.db import db
from app.lti.handoff import purge_handoffs
from app.lti.models import LaunchHandoff
from tests.support.lti_double import RsaKey

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"}
OTHER_BROWSER = {"User-Agent": "Mozilla/5.0 (Macintosh) Safari/605.1"}


def _without_state_cookie(client):
    for cookie in list(client._cookies.values()):
        if cookie.key.startswith("lti1p3-"):
            client.delete_cookie(cookie.key, path="/lti/")


def cookieless_launch(client, platform, claims_overrides=None, **kwargs):
    """Log in, lose the state cookie as a browser refusing it would, post the launch."""
    auth = platform.login(client)
    _without_state_cookie(client)
    token = platform.sign(platform.claims(auth["nonce"], **(claims_overrides or {})), **kwargs)
    return client.post("/lti/launch", data={"id_token": token, "state": auth["state"]}, headers=BROWSER), token, auth


def handoff_link(response) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 401, body[:2000]
    return re.search(r'<a class="button" href="([^"]+)"', body).group(1).replace("&amp;", "&")


def test_the_new_window_redeems_the_code_once_and_lands_on_the_programme(app, client, platform):
    response, _, _ = cookieless_launch(client, platform)
    link = handoff_link(response)
    body = response.get_data(as_text=True)
    assert "Avaa uudessa ikkunassa" in body and 'target="_blank"' in body
    assert "/lti/handoff?code=" in link and "state=" not in link and "id_token" not in link
    assert response.headers["Cache-Control"] == "no-store"

    landing = client.get(link, headers=BROWSER)
    assert landing.status_code == 303
    assert landing.headers["Location"].startswith("/home?s=")  # where a launch with its cookie lands
    home = client.get(landing.headers["Location"])
    assert home.status_code == 200 and "Aino" in home.get_data(as_text=True)

    again = client.get(link, headers=BROWSER)
    assert again.status_code == 410
    assert "on jo käytetty" in again.get_data(as_text=True)


def test_only_a_hash_of_the_code_is_stored_and_the_claims_go_once_used(app, client, platform):
    link = handoff_link(cookieless_launch(client, platform)[0])
    code = link.split("code=", 1)[1]
    with app.app_context():
        (handoff,) = db.session.scalars(db.select(LaunchHandoff)).all()
        assert handoff.id == hashlib.sha256(code.encode()).hexdigest() and code not in handoff.id
        assert handoff.claims["sub"] == "5"
        assert handoff.expires_at <= utcnow() + timedelta(seconds=120)
    client.get(link, headers=BROWSER)
    with app.app_context():
        handoff = db.session.scalars(db.select(LaunchHandoff)).one()
        assert handoff.used_at is not None and handoff.claims == {}


def test_another_browser_is_refused_and_the_code_stays_for_the_right_one(client, platform):
    link = handoff_link(cookieless_launch(client, platform)[0])
    other = client.get(link, headers=OTHER_BROWSER)
    assert other.status_code == 403
    assert "toiselle selaimelle" in other.get_data(as_text=True)
    assert client.get(link, headers=BROWSER).status_code == 303


def test_an_expired_code_is_refused(app, client, platform):
    link = handoff_link(cookieless_launch(client, platform)[0])
    with app.app_context():
        db.session.scalars(db.select(LaunchHandoff)).one().expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.get(link, headers=BROWSER)
    assert response.status_code == 410 and "vanhentunut" in response.get_data(as_text=True)


def test_an_unknown_or_missing_code_is_refused_in_the_readers_language(client):
    assert client.get("/lti/handoff?code=made-up", headers=BROWSER).status_code == 404
    response = client.get("/lti/handoff", headers={**BROWSER, "Accept-Language": "sv"})
    assert response.status_code == 404 and "inte giltig" in response.get_data(as_text=True)


def test_a_launch_without_its_cookie_gets_every_other_check(client, platform):
    """No handoff for a launch that would be refused with its cookie: each check still applies."""
    expired = {"exp": int(utcnow().timestamp()) - 3600, "iat": int(utcnow().timestamp()) - 3660}
    cases = [
        ({}, {"key": RsaKey(kid=platform.key.kid)}, 401, "bad_signature"),
        ({"aud": "another-tool"}, {}, 401, "wrong_aud"),
        (expired, {}, 401, "expired"),
        ({"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "nope"}, {}, 401, "unknown_deployment"),
        ({"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"}, {}, 400, "bad_version"),
    ]
    for overrides, sign_kwargs, status, reason in cases:
        response, _, _ = cookieless_launch(client, platform, overrides, **sign_kwargs)
        body = response.get_data(as_text=True)
        assert response.status_code == status and f'data-reason="{reason}"' in body, (reason, body[:500])
        assert "/lti/handoff" not in body


def test_the_nonce_is_consumed_before_the_handoff(client, platform):
    response, token, auth = cookieless_launch(client, platform)
    handoff_link(response)
    replay = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]}, headers=BROWSER)
    assert replay.status_code == 401 and 'data-reason="nonce_replayed"' in replay.get_data(as_text=True)


def test_with_the_cookie_the_launch_needs_no_handoff(app, client, platform):
    response = platform.launch(client)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(LaunchHandoff)) == 0


def test_purge_forgets_expired_handoffs(app, client, platform):
    handoff_link(cookieless_launch(client, platform)[0])
    handoff_link(cookieless_launch(client, platform)[0])
    with app.app_context():
        first = db.session.scalars(db.select(LaunchHandoff)).first()
        first.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert purge_handoffs() == 1
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(LaunchHandoff)) == 1
