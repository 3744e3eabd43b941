"""The tool's keys: generated on first use, rotated with a grace period, kid on every key."""

import time

import jwt

from app.lti.keys import KeyStore


def test_first_use_generates_one_key_shared_by_processes(tmp_path):
    a = KeyStore(str(tmp_path), grace_seconds=3600)
    b = KeyStore(str(tmp_path), grace_seconds=3600)
    assert a.current().kid == b.current().kid
    assert len(a.jwks()["keys"]) == 1
    assert (tmp_path / f"{a.current().kid}.pem").stat().st_mode & 0o077 == 0


def test_rotation_keeps_old_key_published_for_the_grace_period(tmp_path):
    store = KeyStore(str(tmp_path), grace_seconds=3600)
    old = store.current()
    old_token = jwt.encode({"x": 1}, old.private_pem, algorithm="RS256", headers={"kid": old.kid})
    now = time.time()
    _, new = store.rotate(now=now)
    assert new.kid != old.kid
    assert store.current().kid == new.kid

    # Another worker (its own KeyStore) sees the rotation.
    other = KeyStore(str(tmp_path), grace_seconds=3600)
    assert other.current().kid == new.kid

    published = {k["kid"]: k for k in store.jwks(now=now + 60)["keys"]}
    assert set(published) == {old.kid, new.kid}
    # A platform holding the JWKS still verifies what the old key signed.
    key = jwt.PyJWK(published[old.kid]).key
    assert jwt.decode(old_token, key, algorithms=["RS256"]) == {"x": 1}

    later = {k["kid"] for k in store.jwks(now=now + 3601)["keys"]}
    assert later == {new.kid}


def test_rotation_after_the_grace_period_drops_the_old_key_file(tmp_path):
    store = KeyStore(str(tmp_path), grace_seconds=10)
    first = store.current()
    store.rotate(now=time.time() - 100)
    store.rotate()
    assert not (tmp_path / f"{first.kid}.pem").exists()
    assert first.kid not in {k["kid"] for k in store.jwks()["keys"]}


def test_cli_rotate_and_jwks_endpoint(app, client):
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["lti", "keys", "show"])
    assert shown.exit_code == 0 and "signing" in shown.output
    before = client.get("/lti/jwks").get_json()["keys"]
    assert all(k["kid"] and k["alg"] == "RS256" and k["use"] == "sig" for k in before)
    old_kid = app.extensions["lti_keys"].current().kid

    rotated = runner.invoke(args=["lti", "keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    new_kid = app.extensions["lti_keys"].current().kid
    assert new_kid != old_kid and new_kid in rotated.output

    # New signatures carry the new kid: the deep-linking/AGS signer takes the current key.
    from app.lti.launch import DbToolConf

    with app.app_context():
        from app.lti.models import Platform

        registration = DbToolConf(app.extensions["lti_keys"]).registration(
            Platform(
                issuer="https://x",
                client_id="c",
                auth_login_url="https://x/a",
                auth_token_url="https://x/t",
                key_set_url="https://x/j",
            )
        )
    assert registration.get_tool_private_key() == app.extensions["lti_keys"].current().private_pem
    after = {k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]}
    assert {old_kid, new_kid} <= after
    listing = runner.invoke(args=["lti", "keys", "show"])
    assert "published until" in listing.output
