"""Registration is an act of the tool's operator (issue 12, item 1): the rogue-registration chain
fails at its first step without a one-time URL; with one the platform registers but stays
pending (no launch, no token request); once approved, the client assertion is addressed to the
stored token URL whatever ``authorization_server`` the registration named. Registration's own
requests follow no redirects, refuse userinfo URLs and never show the remote answer."""

import html
import json
import logging
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import jwt
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.core.clock import utcnow
from app.core.db import db
from app.lti.models import Platform, RegistrationUrl
from app.lti.registration import grant_problem, issue_registration_url, parse_lifetime, secret_hash
from app.lti.tokens import ServiceError, assertion_audience
from tests.support.lti_double import RsaKey

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
NRPS = ("https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",)
REAL_TOKEN_URL = "https://moodle.example.fi/mod/lti/token.php"  # the real platform's, elsewhere
MARKER = "REMOTE-BODY-7f3a"  # text only a remote answer carries


class RoguePlatform:
    """A platform that registers itself with whatever it likes: its configuration, its answer to
    the registration and its token endpoint (which records the assertions it is sent)."""

    client_id = "moodle-client-7"  # copied from the real platform

    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        self.assertions: list[str] = []
        self.overrides: dict = {}
        self.routes: dict = {}
        self.key = RsaKey()
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def configuration(self) -> dict:
        config = {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/auth",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "registration_endpoint": self.issuer + "/register",
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        config.update(self.overrides)
        return config

    @Request.application
    def _wsgi(self, request):
        self.requests.append((request.method, request.path))
        if request.path in self.routes:
            return self.routes[request.path](request)
        if request.path == "/config":
            return _json(self.configuration())
        if request.path == "/register":
            return _json({"client_id": self.client_id, TOOL_CONFIGURATION: {"deployment_id": "1"}})
        if request.path == "/token":
            self.assertions.append(request.form["client_assertion"])
            return _json({"access_token": "rogue-token", "expires_in": 3600, "scope": request.form["scope"]})
        if request.path == "/jwks":
            return _json({"keys": [self.key.jwk()]})
        return Response("not found", status=404)

    @property
    def config_url(self) -> str:
        return self.issuer + "/config"


def _json(body, status=200):
    return Response(json.dumps(body), status=status, mimetype="application/json")


@pytest.fixture
def rogue():
    server = RoguePlatform()
    yield server
    server.close()


def _secret(app, lifetime=timedelta(days=7)) -> str:
    with app.app_context():
        secret, _ = issue_registration_url(lifetime)
        db.session.commit()
    return secret


def _register(client, secret, rogue, lang="en"):
    path = "/lti/register" + (f"/{secret}" if secret else "")
    return client.get(
        path, query_string={"openid_configuration": rogue.config_url, "registration_token": "t", "lang": lang}
    )


def _text(page) -> str:
    return html.unescape(page.get_data(as_text=True))


def _platforms(app) -> list[Platform]:
    with app.app_context():
        rows = db.session.scalars(db.select(Platform)).all()
        db.session.expunge_all()
        return rows


def _approve(app, issuer, *extra):
    return app.test_cli_runner().invoke(args=["lti", "platform", "approve", issuer, *extra])


# --- step one of the chain: no registration without the operator's URL ---


@pytest.mark.parametrize("secret, code, status", [(None, "no_secret", 403), ("made-up-secret", "unknown_secret", 403)])
def test_without_a_registration_url_nothing_is_fetched_or_stored(app, client, rogue, secret, code, status):
    page = _register(client, secret, rogue)
    assert page.status_code == status
    body = _text(page)
    assert code in body and 'role="alert"' in body
    assert rogue.requests == []  # not even the configuration was fetched
    assert _platforms(app) == []


@pytest.mark.parametrize(
    "lang, words",
    [("fi", "rekisteröintiosoite"), ("sv", "registreringsadress"), ("en", "registration URL from the tool's operator")],
)
def test_the_refusal_is_in_the_readers_language(client, rogue, lang, words):
    page = _register(client, None, rogue, lang=lang)
    assert page.status_code == 403 and words in _text(page)


# --- step two: a registration through the URL stays pending ---


def test_a_registered_platform_is_pending_no_launch_and_no_token(app, client, rogue):
    secret = _secret(app)
    page = _register(client, secret, rogue)
    assert page.status_code == 200, _text(page)
    [platform] = _platforms(app)
    assert platform.state == "pending" and platform.client_id == rogue.client_id
    # The login is refused, clearly and in the user's language.
    login = client.post(
        "/lti/login?lang=en",
        data={
            "iss": rogue.issuer,
            "login_hint": "1",
            "target_link_uri": "http://localhost/lti/launch",
            "client_id": rogue.client_id,
        },
    )
    assert login.status_code == 403
    assert "waiting for the tool operator's approval" in _text(login)
    # So is a launch, before the platform's keys are even fetched.
    now = int(time.time())
    claims = {"iss": rogue.issuer, "aud": rogue.client_id, "sub": "1", "iat": now, "exp": now + 60, "nonce": "n"}
    token = jwt.encode(claims, rogue.key.pem, algorithm="RS256", headers={"kid": rogue.key.kid})
    launch = client.post("/lti/launch?lang=en", data={"id_token": token, "state": "s"})
    assert launch.status_code == 403 and "waiting for the tool operator's approval" in _text(launch)
    # No service call: no token is requested for a pending platform.
    with app.app_context():
        row = db.session.scalar(db.select(Platform))
        with pytest.raises(ServiceError) as refused:
            app.extensions["lti_tokens"].token(row, NRPS)
    assert refused.value.code == "platform_pending"
    assert [path for _, path in rogue.requests] == ["/config", "/register"]


def test_a_new_registration_of_an_approved_client_makes_it_pending_again(app, client, rogue):
    _register(client, _secret(app), rogue)
    assert _approve(app, rogue.issuer).exit_code == 0
    rogue.overrides["authorization_endpoint"] = rogue.issuer + "/other-auth"
    assert _register(client, _secret(app), rogue).status_code == 200
    [platform] = _platforms(app)
    assert platform.state == "pending" and platform.auth_login_url == rogue.issuer + "/other-auth"


# --- step three: once approved, the assertion is addressed to the stored token URL ---


def test_after_approval_a_foreign_authorization_server_is_not_the_assertion_aud(app, client, rogue):
    rogue.overrides["authorization_server"] = REAL_TOKEN_URL
    assert _register(client, _secret(app), rogue).status_code == 200
    result = _approve(app, rogue.issuer)
    assert result.exit_code == 0, result.output
    [platform] = _platforms(app)
    assert platform.state == "approved" and platform.auth_audience is None
    with app.app_context():
        app.extensions["lti_tokens"].token(db.session.scalar(db.select(Platform)), NRPS)
    [assertion] = rogue.assertions
    claims = jwt.decode(assertion, options={"verify_signature": False})
    assert claims["aud"] == rogue.issuer + "/token"  # the stored token URL, never REAL_TOKEN_URL


def test_an_authorization_server_on_the_token_urls_origin_is_kept(app, client, rogue):
    rogue.overrides["authorization_server"] = rogue.issuer + "/oauth2"
    _register(client, _secret(app), rogue)
    [platform] = _platforms(app)
    assert platform.auth_audience == rogue.issuer + "/oauth2"


def test_assertion_audience_rule():
    token = "https://moodle.example.fi/mod/lti/token.php"
    assert assertion_audience(token, None) == token
    assert assertion_audience(token, "https://moodle.example.fi/oauth2") == "https://moodle.example.fi/oauth2"
    assert assertion_audience(token, "https://attacker.example/token") == token
    assert assertion_audience(token, "http://moodle.example.fi/oauth2") == token  # scheme
    assert assertion_audience(token, "https://moodle.example.fi:8443/oauth2") == token  # port
    assert assertion_audience(token, "https://x@moodle.example.fi/oauth2") == token  # userinfo
    assert assertion_audience(token, "https://[oops/") == token


def test_a_stored_foreign_audience_is_not_used_either(app, rogue):
    """Rows registered before this rule (the migration approves them) cannot carry a foreign aud."""
    with app.app_context():
        platform = Platform(
            issuer=rogue.issuer,
            client_id="old",
            auth_login_url=rogue.issuer + "/auth",
            auth_token_url=rogue.issuer + "/token",
            key_set_url=rogue.issuer + "/jwks",
            auth_audience=REAL_TOKEN_URL,
            approved_at=utcnow(),
        )
        db.session.add(platform)
        db.session.commit()
        app.extensions["lti_tokens"].token(platform, NRPS)
    assert jwt.decode(rogue.assertions[0], options={"verify_signature": False})["aud"] == rogue.issuer + "/token"


# --- the one-time URL ---


def test_a_used_url_is_refused(app, client, rogue):
    secret = _secret(app)
    assert _register(client, secret, rogue).status_code == 200
    again = _register(client, secret, rogue)
    assert again.status_code == 410 and "used_secret" in _text(again)
    assert len(rogue.requests) == 2  # the second attempt sent nothing
    with app.app_context():
        grant = db.session.scalar(db.select(RegistrationUrl))
        assert grant.used_at is not None and grant.platform_id == db.session.scalar(db.select(Platform.id))


def test_an_expired_url_is_refused(app, client, rogue):
    secret = _secret(app)
    with app.app_context():
        db.session.execute(db.update(RegistrationUrl).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    page = _register(client, secret, rogue)
    assert page.status_code == 410 and "expired_secret" in _text(page)
    assert rogue.requests == []


def test_a_failed_registration_leaves_the_url_unused(app, client, rogue):
    secret = _secret(app)
    rogue.routes["/register"] = lambda request: _json({"error": "invalid_client_metadata"}, 400)
    assert _register(client, secret, rogue).status_code == 502
    del rogue.routes["/register"]
    assert _register(client, secret, rogue).status_code == 200


def test_grant_rules():
    now = utcnow()
    assert grant_problem(None, now) == "unknown_secret"
    assert grant_problem(RegistrationUrl(expires_at=now + timedelta(hours=1)), now) is None
    assert grant_problem(RegistrationUrl(expires_at=now), now) == "expired_secret"
    assert grant_problem(RegistrationUrl(expires_at=now + timedelta(hours=1), used_at=now), now) == "used_secret"
    assert parse_lifetime("7d") == timedelta(days=7)
    assert parse_lifetime("12h") == timedelta(hours=12)
    assert parse_lifetime(" 30m ") == timedelta(minutes=30)
    for bad in ("", "7", "7w", "-1d", "0d", "91d", "1.5d"):
        with pytest.raises(ValueError):
            parse_lifetime(bad)


# --- registration's own requests ---


@pytest.mark.parametrize("field", ["openid_configuration", "token_endpoint", "jwks_uri", "issuer"])
def test_userinfo_urls_are_refused(app, client, rogue, field):
    """``http://internal@attacker/…``: what ``startswith`` took for the issuer's own site."""
    sneaky = rogue.issuer.replace("http://", "http://localhost@") + "/x"
    if field == "openid_configuration":
        page = client.get(
            f"/lti/register/{_secret(app)}",
            query_string={"openid_configuration": sneaky.replace("/x", "/config"), "lang": "en"},
        )
    else:
        rogue.overrides[field] = sneaky
        page = _register(client, _secret(app), rogue)
    body = _text(page)
    assert page.status_code == 400 and "userinfo" in body and field in body
    assert _platforms(app) == []
    if field == "openid_configuration":
        assert rogue.requests == []


def test_an_endpoint_on_another_origin_is_refused(app, client, rogue):
    rogue.overrides["token_endpoint"] = REAL_TOKEN_URL.replace("https://moodle.example.fi", "http://localhost:1")
    page = _register(client, _secret(app), rogue)
    assert page.status_code == 502 and "config_inconsistent" in _text(page)
    assert _platforms(app) == []


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("id_token_signing_alg_values_supported", 5, "config_alg"),
        ("id_token_signing_alg_values_supported", ["HS256"], "config_alg"),
        ("scopes_supported", {"a": 1}, "config_missing"),
        ("token_endpoint", ["http://127.0.0.1/token"], "config_missing"),
        ("https://purl.imsglobal.org/spec/lti-platform-configuration", "moodle", "config_lti_block"),
    ],
)
def test_a_malformed_configuration_is_a_clear_refusal(app, client, rogue, field, value, code):
    rogue.overrides[field] = value
    page = _register(client, _secret(app), rogue)
    assert page.status_code == 502 and code in _text(page)
    assert _platforms(app) == []


def test_a_redirecting_configuration_url_is_not_followed(app, client, rogue):
    rogue.routes["/moved"] = lambda request: Response("", status=302, headers={"Location": rogue.config_url})
    page = client.get(
        f"/lti/register/{_secret(app)}", query_string={"openid_configuration": rogue.issuer + "/moved", "lang": "en"}
    )
    assert page.status_code == 502 and "redirect" in _text(page)
    assert [path for _, path in rogue.requests] == ["/moved"]


def test_a_huge_configuration_is_not_read_whole(app, client, rogue):
    app.config["OUTBOUND_MAX_BYTES"] = 64 * 1024
    rogue.routes["/config"] = lambda request: Response(b" " * (10 * 1024 * 1024), mimetype="application/json")
    page = _register(client, _secret(app), rogue)
    assert page.status_code == 502 and "too_large" in _text(page)


@pytest.mark.parametrize("where", ["/config", "/register"])
def test_the_remote_body_never_appears_in_the_page(app, client, rogue, caplog, where):
    answer = {"error": "invalid_client_metadata", "error_description": f"{MARKER} <b>call +358 40 123</b>"}
    rogue.routes[where] = lambda request: _json(answer, 500 if where == "/config" else 400)
    with caplog.at_level(logging.WARNING, logger="app.lti.registration"):
        page = _register(client, _secret(app), rogue)
    body = _text(page)
    assert page.status_code == 502 and MARKER not in body
    assert ("config_status" if where == "/config" else "registration_refused") in body
    assert any(MARKER in str(getattr(r, "excerpt", "")) for r in caplog.records)  # the log keeps it


# --- the operator's commands ---


def test_registration_url_command(app):
    runner = app.test_cli_runner()
    assert "TOOL_URL" in runner.invoke(args=["lti", "registration-url"]).output  # no address to give
    app.config["TOOL_URL"] = "https://mentorointi.example.fi"
    result = runner.invoke(args=["lti", "registration-url", "--expires", "12h"])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip()
    prefix = "https://mentorointi.example.fi/lti/register/"
    assert url.startswith(prefix)
    secret = url[len(prefix) :]
    with app.app_context():
        grant = db.session.scalar(db.select(RegistrationUrl))
        assert grant.secret_hash == secret_hash(secret) != secret  # only the hash is stored
        assert timedelta(hours=11, minutes=59) < grant.expires_at - grant.created_at <= timedelta(hours=12)
    bad = runner.invoke(args=["lti", "registration-url", "--expires", "forever"])
    assert bad.exit_code == 2 and "--expires" in bad.output


def test_approve_and_list(app, client, rogue):
    runner = app.test_cli_runner()
    assert _approve(app, rogue.issuer).exit_code == 1  # nothing to approve
    _register(client, _secret(app), rogue)
    rogue.client_id = "second-client"
    _register(client, _secret(app), rogue)
    listing = runner.invoke(args=["lti", "platform", "list"]).output
    assert listing.count("pending") == 2 and "lti platform approve" in listing
    several = _approve(app, rogue.issuer)
    assert several.exit_code == 1 and "--client-id" in several.output
    assert _approve(app, rogue.issuer, "--client-id", "second-client").exit_code == 0
    states = {
        p["client_id"]: p["state"] for p in json.loads(runner.invoke(args=["lti", "platform", "list", "--json"]).stdout)
    }
    assert states == {"moodle-client-7": "pending", "second-client": "approved"}
    assert _approve(app, rogue.issuer).exit_code == 0  # the one left pending
    assert "already approved" in _approve(app, rogue.issuer, "--client-id", "second-client").output
    with app.app_context():
        from app.core.audit import AuditEntry

        actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["lti.platform_approved", "lti.platform_approved"]


def test_platform_add_with_a_foreign_audience_is_refused(app):
    args = [
        "lti",
        "platform",
        "add",
        "--issuer",
        "https://moodle.example.fi",
        "--client-id",
        "c",
        "--deployment-id",
        "1",
        "--auth-url",
        "https://moodle.example.fi/auth",
        "--token-url",
        REAL_TOKEN_URL,
        "--jwks-url",
        "https://moodle.example.fi/jwks",
    ]
    refused = app.test_cli_runner().invoke(args=[*args, "--audience", "https://attacker.example/token"])
    assert refused.exit_code == 2 and "--audience" in refused.output
    assert app.test_cli_runner().invoke(args=args).exit_code == 0
    [platform] = _platforms(app)
    assert platform.state == "approved" and urlsplit(platform.auth_token_url).hostname == "moodle.example.fi"


def test_the_registration_answer_is_framed_by_the_registering_platform_only(app, client, rogue):
    # Moodle shows the registration's answer in its own frame: a page it cannot frame stays blank.
    page = _register(client, _secret(app), rogue)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].endswith(f"frame-ancestors 'self' {rogue.issuer}")
    refused = _register(client, "made-up-secret", rogue)
    assert refused.headers["Content-Security-Policy"].endswith(f"frame-ancestors 'self' {rogue.issuer}")


def test_a_configuration_url_cannot_write_into_the_policy(client):
    page = client.get("/lti/register/x", query_string={"openid_configuration": "http://a.example;script-src *"})
    assert page.status_code == 403
    policy = page.headers["Content-Security-Policy"]
    assert "script-src *" not in policy and policy.endswith("frame-ancestors 'self'")
