"""Outbound requests the tool controls (issue 12, item 2 and 3): where they may go, redirects,
a total deadline, a size cap; then the same rules at every service call of the tool."""

import socket
import threading

import pytest
from flask import Flask

from app.lti import outbound
from app.lti.outbound import OutboundRefused, check_url, fetch, origin, platform_origins
from tests.support.remote import Remote


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

    assert platform_origins(P) == {
        "https://moodle.example",
        "https://auth.moodle.example",
        "https://moodle.example:8443",
    }


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
    [
        "https://evil.example/x",
        "https://moodle.example.evil.example/x",
        "https://moodle.example:8443/x",
        "http://moodle.example/x",
        "http://127.0.0.1:5002/x",
        "http://localhost:5001/x",
    ],
)
def test_another_origin_is_refused(url):
    code = "not_https" if url == "http://moodle.example/x" else "foreign_origin"
    _refused(code, check_url, url, ORIGINS, production=False)


@pytest.mark.parametrize(
    "url",
    [
        None,
        42,
        "",
        "moodle.example/x",
        "javascript:alert(1)",
        "https:///x",
        "https://moodle.example\t/x",
        "https://moodle.example/x\n",
        "https://[::1/x",
        "https://moodle.example\\@evil.example/",
        "https://evil.example\\.moodle.example/",
    ],
)
def test_malformed_urls_are_refused(url):
    _refused("bad_url", check_url, url, ORIGINS, production=False)


def test_plain_http_only_to_loopback_in_development():
    assert (
        check_url("http://127.0.0.1:5001/mod/lti/token.php", ORIGINS, production=False)
        == "http://127.0.0.1:5001/mod/lti/token.php"
    )
    _refused("not_https", check_url, "http://127.0.0.1:5001/x", ORIGINS, production=True)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "[::1]",
        "[fe80::1]",
        "[fc00::1]",
        "[::ffff:127.0.0.1]",
        "localhost",
    ],
)
def test_non_public_addresses_are_refused_in_production(host):
    url = f"https://{host}/x"
    _refused("private_address", check_url, url, {origin(url)}, production=True)


def test_public_addresses_pass_in_production(monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]
    )
    assert check_url("https://moodle.example/x", ORIGINS, production=True) == "https://moodle.example/x"


def test_a_dns_lookup_that_never_answers_is_refused_at_the_deadline(monkeypatch):
    answer = threading.Event()  # set only after the check has given up: the lookup hangs until then

    def hanging(*args, **kwargs):
        answer.wait(30)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    try:
        _refused("unreachable", check_url, "https://moodle.example/x", ORIGINS, production=True, deadline=0.05)
        assert not answer.is_set()
    finally:
        answer.set()


def test_a_failing_dns_lookup_is_unreachable(monkeypatch):
    def failing(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", failing)
    _refused("unreachable", check_url, "https://moodle.example/x", ORIGINS, production=True)


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
    _refused(
        "foreign_origin",
        fetch,
        "GET",
        other.url("/members"),
        origins={remote.origin},
        headers={"Authorization": "Bearer secret"},
    )
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
    _refused(
        "private_address",
        fetch,
        "GET",
        f"https://platform.example:{remote.server.server_port}/x",
        origins={f"https://platform.example:{remote.server.server_port}"},
    )
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


def test_loopback_is_refused_in_production_before_anything_is_sent(production, remote):
    url = f"https://127.0.0.1:{remote.server.server_port}/jwks"
    _refused("private_address", fetch, "GET", url, origins={origin(url)})
    url = remote.url("/jwks")  # and plain http is refused in production whatever the address
    _refused("not_https", fetch, "GET", url, origins={remote.origin})
    assert remote.requests == []


# --- the rules at every service call of the tool ---

NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SECRET = "SECRET-INTERNAL-DETAIL at 10.0.0.7"  # what a remote error body might reveal


class World:
    """The tool with a test platform whose endpoints (JWKS, token, services) are served by
    ``remote``; ``other`` is another origin that must never be called."""

    def __init__(self, app, double, remote, other):
        self.app, self.double, self.remote, self.other = app, double, remote, other

    def launch(self, roles=None, *, sub="fac-1"):
        from tests.support.lti_double import INSTRUCTOR
        from tests.support.web import launch

        return launch(self.app, self.double, roles or (INSTRUCTOR,), sub=sub, course="2")

    def services(self):
        from app.core.db import db
        from app.lti.models import CourseServices

        db.session.expire_all()
        return db.session.scalar(db.select(CourseServices))

    def set_services(self, **values):
        from app.core.db import db
        from app.lti.models import CourseServices

        db.session.execute(db.update(CourseServices).values(**values))
        db.session.commit()

    def members(self, members, gate=None, headers=None):
        import json as _json

        def answer(h):
            if gate is not None:
                gate.wait(20)
            body = _json.dumps({"id": self.remote.url("/memberships"), "members": members}).encode()
            h._send(
                200,
                body,
                {"Content-Type": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json", **(headers or {})},
            )

        self.remote.routes["/memberships"] = answer

    def member_requests(self):
        return [r for r in self.remote.requests if r["path"].startswith("/memberships")]


@pytest.fixture
def world(app, remote, other):
    import threading

    from tests.support.lti_double import PlatformDouble

    double = PlatformDouble()
    double.issuer = remote.origin  # the platform's every endpoint is on the remote's origin
    remote.json("/jwks", {"keys": [double.key.jwk()]})
    remote.json(
        "/token",
        {
            "access_token": "platform-token",
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": f"{NRPS} {AGS_LINEITEM} {AGS_SCORE}",
        },
    )
    double.register(app)
    with app.app_context():
        yield World(app, double, remote, other)
    # A launch's background sync must not outlive the test (its database is cleaned next).
    for thread in threading.enumerate():
        if thread.name.startswith("roster-sync-"):
            thread.join(30)
    double.close()


def _launch_with_services(world, base, sub="fac-1"):
    from tests.support.lti_double import INSTRUCTOR

    client = world.app.test_client()
    response = world.double.launch(
        client,
        {
            "sub": sub,
            "lti_roles": [INSTRUCTOR],
            AGS_CLAIM: {
                "scope": [AGS_LINEITEM, AGS_SCORE],
                "lineitems": base + "/lineitems",
                "lineitem": base + "/lineitems/1",
            },
            NRPS_CLAIM: {"context_memberships_url": base + "/memberships", "service_versions": ["2.0"]},
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def test_launch_service_urls_on_another_origin_are_not_stored(world, caplog):
    from app.core.db import db
    from app.lti.models import ResourceLink

    _launch_with_services(world, world.other.origin)
    services = world.services()
    assert services.memberships_url is None and services.lineitems_url is None
    assert db.session.scalar(db.select(ResourceLink.lineitem_url)) is None
    assert "service URL of the launch refused (foreign_origin): context_memberships_url" in caplog.text
    for base in (
        "https://user@" + world.remote.origin.split("//")[1],
        world.remote.origin.replace("127.0.0.1", "localhost"),
    ):
        _launch_with_services(world, base)
        assert world.services().memberships_url is None
    assert "(userinfo)" in caplog.text
    world.members([])
    _launch_with_services(world, world.remote.origin)  # the platform's own origin is kept
    services = world.services()
    assert services.memberships_url == world.remote.url("/memberships") and services.lineitems_url == world.remote.url(
        "/lineitems"
    )
    assert world.other.requests == []


def test_roster_from_another_origin_gets_no_token(world):
    from app.core.db import db
    from app.lti.roster import sync_roster
    from app.lti.tokens import ServiceError

    world.launch()
    course_id = world.services().course_id
    world.other.json("/memberships", {"members": []})
    # Stored before the tool checked origins, or by hand: refused at the call all the same.
    world.set_services(memberships_url=world.other.url("/memberships"))
    with pytest.raises(ServiceError) as caught:
        sync_roster(course_id, world.app.extensions["lti_tokens"])
    assert caught.value.code == "foreign_origin" and not caught.value.retryable
    assert world.other.requests == []
    # The lease is released after the failure: a sync can run again.
    assert db.session.scalar(db.select(type(world.services()).roster_locked_by)) is None


def test_a_next_link_to_another_origin_is_refused_with_no_token_sent(world):
    from app.core.db import db
    from app.lti.roster import sync_roster
    from app.lti.tokens import ServiceError
    from app.people.models import User

    world.launch()
    course_id = world.services().course_id
    world.set_services(memberships_url=world.remote.url("/memberships"))
    world.other.json("/page2", {"members": [{"user_id": "evil", "roles": ["Learner"]}]})
    world.members(
        [{"user_id": "m1", "roles": ["Learner"], "name": "Maija Meikäläinen"}],
        headers={"Link": f'<{world.other.url("/page2")}>; rel="next"'},
    )
    with pytest.raises(ServiceError) as caught:
        sync_roster(course_id, world.app.extensions["lti_tokens"])
    assert caught.value.code == "foreign_origin"
    assert [r["headers"].get("Authorization") for r in world.member_requests()] == ["Bearer platform-token"]
    assert world.other.requests == []
    assert db.session.scalar(db.select(User).filter_by(subject="m1")) is None  # nothing half-synced


def test_a_relative_next_link_stays_on_the_platform(world):
    from app.lti.roster import sync_roster

    world.launch()
    course_id = world.services().course_id
    world.set_services(memberships_url=world.remote.url("/memberships"))
    world.remote.json("/memberships/2", {"members": [{"user_id": "m2", "roles": ["Learner"]}]})
    world.members([{"user_id": "m1", "roles": ["Learner"]}], headers={"Link": '</memberships/2?p=2>; rel="next"'})
    result = sync_roster(course_id, world.app.extensions["lti_tokens"])
    assert (result.members, result.pages) == (2, 2)
    assert world.member_requests()[1]["path"] == "/memberships/2?p=2"


def _score(world):
    from app.core.db import db
    from app.lti.gradebook import publish_score
    from app.people.models import Enrolment

    world.launch(("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",), sub="learner-1")
    enrolment = db.session.scalar(db.select(Enrolment).filter_by(role="participant"))
    publish_score(enrolment, "mentoring:1", 1, 6, "InProgress", "FullyGraded")
    db.session.commit()
    return enrolment


def _deliver(world):
    from app.core.db import db
    from app.lti.delivery import Worker
    from app.lti.models import ScoreOutbox

    Worker(world.app.extensions["lti_tokens"], backoff_base=0.01).run_once()
    db.session.expire_all()
    return db.session.scalar(db.select(ScoreOutbox))


def test_gradebook_calls_to_another_origin_are_refused_with_no_token_sent(world):
    import json as _json

    from app.core.db import db
    from app.lti.models import LineItem

    _score(world)
    world.other.json("/lineitems", [])
    world.set_services(lineitems_url=world.other.url("/lineitems"), ags_scopes=[AGS_LINEITEM, AGS_SCORE])
    row = _deliver(world)
    assert row.status == "failed" and _json.loads(row.last_error)["code"] == "foreign_origin"
    # A line item whose id (from the platform's answer) points elsewhere: the score stays home.
    world.set_services(lineitems_url=world.remote.url("/lineitems"))
    db.session.add(LineItem(course_id=row.course_id, resource="mentoring:1", url=world.other.url("/lineitems/9")))
    db.session.commit()
    from app.lti.gradebook import resend

    resend(row.course_id)
    db.session.commit()
    row = _deliver(world)
    assert row.status == "failed" and _json.loads(row.last_error)["code"] == "foreign_origin"
    assert world.other.requests == []


def test_jwks_from_another_origin_or_behind_a_redirect_is_refused(world):
    from app.core.db import db
    from app.lti.errors import LaunchError
    from app.lti.models import Platform
    from app.lti.outbound import platform_origins
    from app.lti.platform_keys import PlatformKeyCache

    platform = db.session.scalar(db.select(Platform))
    world.other.json("/jwks", {"keys": [world.double.key.jwk()]})
    cache = PlatformKeyCache()
    with pytest.raises(LaunchError):
        cache.key(world.other.url("/jwks"), world.double.key.kid, origins=platform_origins(platform))
    world.remote.redirect("/moved-jwks", world.other.url("/jwks"))
    with pytest.raises(LaunchError):
        cache.key(world.remote.url("/moved-jwks"), world.double.key.kid, origins=platform_origins(platform))
    assert world.other.requests == []
    assert (
        cache.key(world.remote.url("/jwks"), world.double.key.kid, origins=platform_origins(platform))["kid"]
        == world.double.key.kid
    )


def test_a_token_endpoint_that_redirects_gets_no_assertion(world):
    from app.core.db import db
    from app.lti.models import Platform
    from app.lti.tokens import ServiceError

    world.remote.redirect("/token", world.other.url("/token"), 307)
    with pytest.raises(ServiceError) as caught:
        world.app.extensions["lti_tokens"].token(db.session.scalar(db.select(Platform)), (NRPS,))
    assert caught.value.code == "redirect" and caught.value.retryable
    assert world.other.requests == []


# --- remote bodies are never shown to users ---


def test_the_roster_page_shows_a_reason_not_the_platforms_words(world, caplog):
    from tests.support.admin_web import post

    viewer = world.launch()
    world.set_services(memberships_url=world.remote.url("/memberships"), roster_attempted_at=None)
    world.remote.routes["/memberships"] = lambda h: h._send(403, SECRET.encode(), {"Content-Type": "text/plain"})
    response = post(viewer, "/lti/roster/sync", {}, "/lti/roster")
    assert response.status_code == 303
    page = viewer.page("/lti/roster")
    assert "Alusta ei antanut osallistujaluetteloa (403)." in page and "SECRET" not in page
    assert SECRET in caplog.text  # the excerpt is in the log, for the operator


def test_the_gradebook_view_shows_a_reason_not_the_platforms_words(world, caplog):
    from tests.support.admin_web import administrator

    _score(world)
    world.set_services(lineitems_url=world.remote.url("/lineitems"), ags_scopes=[AGS_LINEITEM, AGS_SCORE])
    world.remote.routes["/lineitems"] = lambda h: h._send(400, SECRET.encode(), {"Content-Type": "text/plain"})
    row = _deliver(world)
    assert row.status == "failed" and SECRET not in row.last_error  # not even stored
    page = administrator(world.app, world.double).page("/admin/gradebook")
    assert "Alusta hylkäsi arviointisarakkeen haun (400)." in page and "SECRET" not in page
    assert SECRET in caplog.text


# --- bounded background work ---


def _wait(predicate, seconds=10.0):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_launch_sync_rule():
    from datetime import datetime, timedelta

    from app.lti.roster import launch_sync_due

    now = datetime(2026, 12, 4, 12, 0)
    assert launch_sync_due(None, None, now)
    assert not launch_sync_due(None, now + timedelta(seconds=1), now)  # a sync holds the lease
    assert launch_sync_due(now - timedelta(minutes=6), now - timedelta(seconds=1), now)  # a dead one's lease ran out
    assert not launch_sync_due(now - timedelta(minutes=4), None, now)  # one began (and maybe failed) recently
    assert launch_sync_due(now - timedelta(minutes=5), None, now)


def test_two_syncs_of_one_course_at_once_one_runs(world):
    import threading

    from app.core.db import db
    from app.lti.roster import sync_roster
    from app.lti.tokens import ServiceError

    world.launch()
    course_id = world.services().course_id
    world.set_services(memberships_url=world.remote.url("/memberships"))
    gate = threading.Event()
    world.members([{"user_id": "m1", "roles": ["Learner"]}], gate=gate)
    results = []

    def first():
        with world.app.app_context():
            try:
                results.append(sync_roster(course_id, world.app.extensions["lti_tokens"]))
            finally:
                db.session.remove()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert _wait(lambda: len(world.member_requests()) == 1)  # the first one holds the lease
        with pytest.raises(ServiceError) as caught:
            sync_roster(course_id, world.app.extensions["lti_tokens"])
        assert caught.value.code == "roster_busy"
    finally:
        gate.set()
        thread.join(20)
    assert len(results) == 1 and results[0].members == 1
    assert len(world.member_requests()) == 1
    assert world.services().roster_locked_by is None  # released: the next sync may run
    sync_roster(course_id, world.app.extensions["lti_tokens"])
    assert len(world.member_requests()) == 2


def test_many_staff_launches_start_at_most_one_sync(world):
    import threading

    gate = threading.Event()
    world.members([{"user_id": "m1", "roles": ["Learner"]}], gate=gate)

    def syncs():
        return [t for t in threading.enumerate() if t.name.startswith("roster-sync-")]

    try:
        _launch_with_services(world, world.remote.origin)  # stores the roster URL, starts a sync
        assert _wait(lambda: len(world.member_requests()) == 1)
        for n in range(8):
            _launch_with_services(world, world.remote.origin, sub=f"fac-{n}")
        assert len(syncs()) == 1
    finally:
        gate.set()
    assert _wait(lambda: not syncs() and world.services().roster_synced_at is not None)
    _launch_with_services(world, world.remote.origin)  # synced a moment ago: nothing starts
    assert syncs() == [] and len(world.member_requests()) == 1


def test_concurrent_launch_syncs_of_one_course_claim_once(world):
    """``sync_after_launch`` from many request threads at once: one claim wins."""
    import threading

    from app.core.db import db
    from app.lti.roster import sync_after_launch

    world.launch()
    course_id = world.services().course_id
    world.set_services(
        memberships_url=world.remote.url("/memberships"), roster_attempted_at=None, roster_lock_until=None
    )
    gate = threading.Event()
    world.members([], gate=gate)
    started, barrier = [], threading.Barrier(8)

    def launch():
        with world.app.app_context():
            try:
                barrier.wait(10)
                started.append(sync_after_launch(world.app, course_id))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=launch) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    gate.set()
    running = [t for t in started if t is not None]
    assert len(started) == 8 and len(running) == 1
    running[0].join(20)
    assert len(world.member_requests()) == 1


def test_launch_syncs_per_process_are_bounded(world, monkeypatch):
    """Courses each get their own sync, but one process runs at most LAUNCH_SYNC_THREADS."""
    import threading

    from app.core.db import db
    from app.lti import roster
    from app.lti.models import CourseServices, Platform
    from app.people.models import Course

    platform = db.session.scalar(db.select(Platform))
    ids = []
    for n in range(roster.LAUNCH_SYNC_THREADS + 2):
        course = Course(issuer=platform.issuer, deployment_id="1", context_id=f"c{n}")
        db.session.add(course)
        db.session.flush()
        db.session.add(
            CourseServices(
                course_id=course.id,
                platform_id=platform.id,
                ags_scopes=[],
                memberships_url=world.remote.url("/memberships"),
            )
        )
        ids.append(course.id)
    db.session.commit()
    gate = threading.Event()
    world.members([], gate=gate)
    try:
        started = [roster.sync_after_launch(world.app, course_id) for course_id in ids]
    finally:
        gate.set()
    running = [t for t in started if t is not None]
    assert len(running) == roster.LAUNCH_SYNC_THREADS
    for t in running:
        t.join(20)
    # The courses that started nothing were not marked as attempted: a later launch syncs them.
    assert roster.sync_after_launch(world.app, ids[-1]) is not None
