"""Every bad login or launch is a 4xx with its specific reason, never a 500."""

import time

import pytest

from tests.support.lti_double import RsaKey


def refused(response, status: int, reason: str):
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:2000]
    assert f'data-reason="{reason}"' in body, body[:2000]
    return body


def test_missing_signature_part(client, platform):
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    unsigned = token.rsplit(".", 1)[0] + "."
    refused(platform.launch(client, token=unsigned, login=auth), 401, "bad_signature")


def test_bad_signature(client, platform):
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"]), key=RsaKey(kid=platform.key.kid))
    body = refused(platform.launch(client, token=token, login=auth), 401, "bad_signature")
    assert "allekirjoitus ei ole kelvollinen" in body  # Finnish by default


def test_missing_kid(client, platform):
    refused(platform.launch(client, headers={"kid": None}), 401, "missing_kid")


def test_unknown_kid(client, platform):
    body = refused(platform.launch(client, key=RsaKey(kid="stranger")), 401, "unknown_kid")
    assert "stranger" in body


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_algorithm_other_than_rs256(client, platform, alg):
    auth = platform.login(client)
    claims = platform.claims(auth["nonce"])
    if alg == "none":
        import jwt

        token = jwt.encode(claims, None, algorithm="none", headers={"kid": platform.key.kid})
    else:
        # The classic confusion attack: the public key used as an HMAC secret.
        import base64
        import hashlib
        import hmac
        import json

        def seg(obj):
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

        head = seg({"alg": "HS256", "typ": "JWT", "kid": platform.key.kid})
        signing_input = f"{head}.{seg(claims)}"
        sig = hmac.new(platform.key.pem, signing_input.encode(), hashlib.sha256).digest()
        token = signing_input + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()
    body = refused(platform.launch(client, token=token, login=auth), 401, "bad_alg")
    assert alg in body


def test_rs512_is_refused(client, platform):
    refused(platform.launch(client, alg="RS512"), 401, "bad_alg")


def test_wrong_issuer(client, platform):
    body = refused(platform.launch(client, {"iss": "https://evil.example"}), 401, "unknown_issuer")
    assert "https://evil.example" in body


def test_missing_issuer(client, platform):
    refused(platform.launch(client, {"iss": None}), 400, "missing_iss")


def test_wrong_audience(client, platform):
    refused(platform.launch(client, {"aud": "another-tool"}), 401, "wrong_aud")


def test_audience_list_without_azp(client, platform):
    refused(platform.launch(client, {"aud": [platform.client_id, "other"]}), 401, "wrong_azp")


def test_wrong_azp(client, platform):
    refused(platform.launch(client, {"aud": [platform.client_id, "other"], "azp": "other-x"}), 401, "wrong_azp")


def test_audience_list_with_azp_is_accepted(client, platform):
    response = platform.launch(client, {"aud": [platform.client_id, "other"], "azp": platform.client_id})
    assert response.status_code == 303


def test_unknown_deployment(client, platform):
    body = refused(platform.launch(client, {"lti_deployment_id": "99"}), 401, "unknown_deployment")
    assert "99" in body


def test_missing_deployment(client, platform):
    refused(platform.launch(client, {"lti_deployment_id": None}), 400, "missing_deployment")


def test_expired(client, platform):
    now = int(time.time())
    refused(platform.launch(client, {"exp": now - 3600, "iat": now - 3700}), 401, "expired")


def test_issued_in_the_future(client, platform):
    now = int(time.time())
    refused(platform.launch(client, {"iat": now + 3600, "exp": now + 7200}), 401, "not_yet_valid")


def test_missing_exp(client, platform):
    refused(platform.launch(client, {"exp": None}), 401, "missing_exp")


def test_missing_iat(client, platform):
    refused(platform.launch(client, {"iat": None}), 401, "missing_iat")


def test_replayed_nonce(client, platform):
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    assert platform.launch(client, token=token, login=auth).status_code == 303
    refused(platform.launch(client, token=token, login=auth), 401, "nonce_replayed")


def test_nonce_from_another_login(client, platform):
    first = platform.login(client)
    second = platform.login(client)
    token = platform.sign(platform.claims(first["nonce"]))
    refused(platform.launch(client, token=token, login=second), 401, "nonce_mismatch")


def test_state_mismatch(client, platform):
    auth = platform.login(client)
    # The cookie for this state exists but holds another value: not this browser's login.
    import hashlib

    digest = hashlib.sha256(auth["state"].encode()).hexdigest()
    client.set_cookie("lti1p3-" + digest[:16], "forged", path="/lti/")
    refused(platform.launch(client, login=auth), 400, "state_mismatch")


def test_unknown_state(client, platform):
    auth = platform.login(client)
    refused(platform.launch(client, login=auth, state="state-unknown"), 400, "state_expired")


def test_tampered_state(client, platform):
    auth = platform.login(client)
    tampered = auth["state"][:-2] + ("AA" if not auth["state"].endswith("AA") else "BB")
    refused(platform.launch(client, login=auth, state=tampered), 400, "state_expired")


def test_expired_state(client, platform, monkeypatch):
    import app.lti.launch as launch

    auth = platform.login(client)
    monkeypatch.setattr(launch, "LOGIN_STATE_SECONDS", -1)
    refused(platform.launch(client, login=auth), 400, "state_expired")


def test_missing_state_cookie_offers_a_new_window(client, platform):
    auth = platform.login(client)
    client.delete_cookie(next(c.key for c in client._cookies.values() if c.key.startswith("lti1p3-")), path="/lti/")
    response = platform.launch(client, login=auth)
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "Avaa uudessa ikkunassa" in body and 'target="_blank"' in body
    # The new window redeems a single-use code (tests/test_launch_handoff.py); the platform is
    # not asked to repeat the login.
    assert "/lti/handoff?code=" in body and platform.issuer not in body


def test_missing_state(client, platform):
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    refused(client.post("/lti/launch", data={"id_token": token}), 400, "missing_state")


def test_missing_message_type(client, platform):
    refused(platform.launch(client, {"lti_message_type": None}), 400, "missing_message_type")


def test_wrong_message_type(client, platform):
    body = refused(platform.launch(client, {"lti_message_type": "LtiSomethingElse"}), 400, "unknown_message_type")
    assert "LtiSomethingElse" in body


def test_wrong_version(client, platform):
    body = refused(platform.launch(client, {"lti_version": "1.1"}), 400, "bad_version")
    assert "1.1" in body


def test_missing_roles_claim(client, platform):
    refused(platform.launch(client, {"lti_roles": None}), 400, "missing_roles")


def test_missing_resource_link_id(client, platform):
    refused(platform.launch(client, {"lti_resource_link": {"title": "x"}}), 400, "missing_resource_link")


def test_sub_that_is_not_a_string(client, platform):
    body = refused(platform.launch(client, {"sub": 12345}), 400, "bad_claim")
    assert "sub" in body


def test_missing_sub_on_resource_link_launch(client, platform):
    refused(platform.launch(client, {"sub": None}), 400, "missing_sub")


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "e30.e30", "W10.W10.sig"])
def test_malformed_jwt(client, platform, token):
    refused(platform.launch(client, token=token), 400, "malformed_jwt")


def test_missing_id_token(client, platform):
    auth = platform.login(client)
    refused(client.post("/lti/launch", data={"state": auth["state"]}), 400, "missing_id_token")


def test_oversized_body(client, platform):
    auth = platform.login(client)
    response = client.post("/lti/launch", data={"state": auth["state"], "id_token": "x" * 400_000})
    assert response.status_code == 413
    assert "liian suuri" in response.get_data(as_text=True)


def test_platform_jwks_unreachable(app, client, platform):
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    platform.close()
    refused(platform.launch(client, token=token, login=auth), 424, "jwks_unavailable")


@pytest.mark.parametrize(
    "params, reason",
    [
        ({"iss": None}, "login_missing_param"),
        ({"login_hint": None}, "login_missing_param"),
        ({"iss": "https://unknown.example"}, "login_unknown_issuer"),
        ({"client_id": "someone-else"}, "login_unknown_client"),
        ({"lti_deployment_id": "42"}, "login_unknown_deployment"),
    ],
)
def test_bad_login_initiation(client, platform, params, reason):
    data = {
        "iss": platform.issuer,
        "login_hint": "5",
        "target_link_uri": "http://localhost/lti/launch",
        "client_id": platform.client_id,
    }
    data.update(params)
    response = client.post("/lti/login", data={k: v for k, v in data.items() if v is not None})
    refused(response, 400, reason)


def test_refusal_is_localised(client, platform):
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"], aud="another-tool"))
    response = client.post(
        "/lti/launch",
        data={"id_token": token, "state": auth["state"]},
        headers={"Accept-Language": "sv"},
    )
    body = refused(response, 401, "wrong_aud")
    assert 'lang="sv"' in body
    assert "Starten avvisades" in body


def test_refusal_is_logged(client, platform):
    import logging

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("app")
    logger.addHandler(handler)
    try:
        refused(platform.launch(client, {"aud": "another-tool"}), 401, "wrong_aud")
    finally:
        logger.removeHandler(handler)
    assert any(r.levelno == logging.WARNING and "wrong_aud" in r.getMessage() for r in records)
