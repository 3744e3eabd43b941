"""Outbound requests the tool controls (issue 12, item 2 and 3): where they may go, redirects,
a total deadline, a size cap; then the same rules at every service call of the tool."""
import socket

import pytest
from flask import Flask

from app.lti import outbound
from app.lti.outbound import OutboundRefused, check_url, fetch, origin, platform_origins
from tests.security.remote import Remote


@pytest.fixture
def remote():
    server = Remote()
    yield server
    server.close()


@pytest.fixture
def other():
    """A second server: another origin than ``remote``."""
    server = Remote()
    yield server
    server.close()


def _context(app_env: str):
    app = Flask(__name__)
    app.config["APP_ENV"] = app_env
    return app.app_context()


@pytest.fixture
def development():
    with _context("development"):
        yield


@pytest.fixture
def production():
    with _context("production"):
        yield


def _refused(code, call, *args, **kwargs):
    with pytest.raises(OutboundRefused) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.params
    return caught.value


# --- check_url: a pure rule ---

ORIGINS = frozenset({"https://moodle.example", "http://127.0.0.1:5001"})


def test_origin_normalises_scheme_host_and_default_port():
    assert origin("HTTPS://Moodle.Example:443/mod/lti/token.php") == "https://moodle.example"
    assert origin("http://127.0.0.1:5001/x?y") == "http://127.0.0.1:5001"
    assert origin("https://[::1]:8443/") == "https://[::1]:8443"
    assert origin("ftp://moodle.example/") is None
    assert origin("https://moodle.example:99999/") is None


def test_platform_origins_are_those_of_its_stored_urls():
    class P:
        issuer = "https://moodle.example"
        auth_login_url = "https://moodle.example/mod/lti/auth.php"
        auth_token_url = "https://auth.moodle.example/token"
        key_set_url = "https://moodle.example:8443/certs"

    assert platform_origins(P) == {"https://moodle.example", "https://auth.moodle.example", "https://moodle.example:8443"}


@pytest.mark.parametrize(
    "url",
    [
        "https://internal@moodle.example/mod/lti/services.php",
        "https://user:secret@moodle.example/x",
        "https://moodle.example@evil.example/x",  # the old startswith(issuer) check took this
        "http://127.0.0.1:5001@evil.example/x",
        "https://:@moodle.example/x",
    ],
)
def test_userinfo_is_refused(url):
    _refused("userinfo", check_url, url, ORIGINS | {"https://evil.example"}, production=False)


@pytest.mark.parametrize(
    "url",
    ["https://evil.example/x", "https://moodle.example.evil.example/x", "https://moodle.example:8443/x", "http://moodle.example/x", "http://127.0.0.1:5002/x", "http://localhost:5001/x"],
)
def test_another_origin_is_refused(url):
    code = "not_https" if url == "http://moodle.example/x" else "foreign_origin"
    _refused(code, check_url, url, ORIGINS, production=False)


@pytest.mark.parametrize("url", [None, 42, "", "moodle.example/x", "javascript:alert(1)", "https:///x", "https://moodle.example\t/x", "https://moodle.example/x\n", "https://[::1/x"])
def test_malformed_urls_are_refused(url):
    _refused("bad_url", check_url, url, ORIGINS, production=False)


def test_plain_http_only_to_loopback_in_development():
    assert check_url("http://127.0.0.1:5001/mod/lti/token.php", ORIGINS, production=False) == "http://127.0.0.1:5001/mod/lti/token.php"
    _refused("not_https", check_url, "http://127.0.0.1:5001/x", ORIGINS, production=True)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "[::1]", "[fe80::1]", "[fc00::1]", "[::ffff:127.0.0.1]", "localhost"],
)
def test_non_public_addresses_are_refused_in_production(host):
    url = f"https://{host}/x"
    _refused("private_address", check_url, url, {origin(url)}, production=True)


def test_public_addresses_pass_in_production(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))])
    assert check_url("https://moodle.example/x", ORIGINS, production=True) == "https://moodle.example/x"


# --- fetch against real (local) servers ---


def test_fetch_returns_the_answer_with_its_body(development, remote):
    remote.json("/jwks", {"keys": [1]})
    response = fetch("GET", remote.url("/jwks"), origins={remote.origin})
    assert response.status_code == 200 and response.json() == {"keys": [1]}


def test_redirects_are_refused_and_not_followed(development, remote):
    remote.json("/target", {"keys": []})
    for status in (301, 302, 303, 307, 308):
        remote.redirect(f"/moved{status}", remote.url("/target"), status)
        refusal = _refused("redirect", fetch, "GET", remote.url(f"/moved{status}"), origins={remote.origin})
        assert refusal.params == {"status": status}
    assert [r["path"] for r in remote.requests if r["path"] == "/target"] == []


def test_another_origin_gets_no_request_and_no_token(development, remote, other):
    other.json("/members", {"members": []})
    _refused("foreign_origin", fetch, "GET", other.url("/members"), origins={remote.origin}, headers={"Authorization": "Bearer secret"})
    assert other.requests == []


def test_a_non_public_peer_is_refused_in_production_even_after_the_name_check(production, remote, monkeypatch):
    """A name that resolves to a public address when checked and to 127.0.0.1 when connected
    (DNS rebinding) is caught on the connected socket, before anything is sent."""
    real = socket.getaddrinfo
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]])

    def rebinding(host, port, *args, **kwargs):
        if host == "platform.example":
            return next(answers, None) or real("127.0.0.1", remote.server.server_port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    _refused("private_address", fetch, "GET", f"https://platform.example:{remote.server.server_port}/x", origins={f"https://platform.example:{remote.server.server_port}"})
    assert remote.requests == []


def test_a_trickling_body_is_cut_off_at_the_total_deadline(development, remote):
    # 40 bytes at 0.5 s each: every single read is quick, the whole answer takes 20 s.
    remote.trickle("/slow", size=40, interval=0.5)
    refusal = _refused("too_slow", fetch, "GET", remote.url("/slow"), origins={remote.origin}, deadline=1.5)
    assert refusal.params == {"seconds": "1.5"}


def test_trickling_headers_are_cut_off_at_the_total_deadline(development, remote):
    remote.trickle("/slow", size=40, interval=0.5, in_headers=True)
    _refused("too_slow", fetch, "GET", remote.url("/slow"), origins={remote.origin}, deadline=1.5)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_10_mb_answer_is_cut_off_at_the_cap(development, remote, declared):
    remote.huge("/big", declared=declared)
    refusal = _refused("too_large", fetch, "GET", remote.url("/big"), origins={remote.origin}, max_bytes=1024 * 1024)
    assert refusal.params == {"limit": 1024 * 1024}


def test_an_answer_at_the_cap_is_read_whole(development, remote):
    remote.huge("/big", size=1024 * 1024, declared=False)
    assert len(fetch("GET", remote.url("/big"), origins={remote.origin}, max_bytes=1024 * 1024).content) == 1024 * 1024


def test_a_closed_port_is_unreachable(development):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x"
    refusal = _refused("unreachable", fetch, "GET", url, origins={origin(url)})
    assert refusal.retryable


def test_refusals_of_the_address_are_final_and_the_others_retryable():
    assert not OutboundRefused("foreign_origin").retryable
    assert OutboundRefused("too_slow", seconds="10").retryable


def test_excerpt_is_short_and_on_one_line():
    assert outbound.excerpt(b"<html>\n  <body>" + b"x" * 1000, limit=20) == "<html> <body>xxxxxxx…"
    assert outbound.excerpt("\x00ä\x1b[31m".encode()) == "ä [31m"
