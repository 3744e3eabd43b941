"""The ``flask lti platform`` commands and the demo seed."""

import json

import pytest

ARGS = [
    "lti",
    "platform",
    "add",
    "--issuer",
    "https://moodle.example.fi",
    "--client-id",
    "abc123",
    "--deployment-id",
    "1",
    "--auth-url",
    "https://moodle.example.fi/mod/lti/auth.php",
    "--token-url",
    "https://moodle.example.fi/mod/lti/token.php",
    "--jwks-url",
    "https://moodle.example.fi/mod/lti/certs.php",
]


def test_add_and_list(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=ARGS)
    assert result.exit_code == 0, result.output
    assert "Registered platform https://moodle.example.fi" in result.output
    second = list(ARGS)
    second[second.index("--deployment-id") + 1] = "2"
    again = runner.invoke(args=second)
    assert "Updated" in again.output and "1, 2" in again.output
    listed = json.loads(runner.invoke(args=["lti", "platform", "list", "--json"]).output)
    # The operator typed it: approved at once.
    assert listed[0].pop("registered_at") and listed[0].pop("approved_at")
    assert listed == [
        {
            "issuer": "https://moodle.example.fi",
            "client_id": "abc123",
            "state": "approved",
            "deployments": ["1", "2"],
            "auth_url": "https://moodle.example.fi/mod/lti/auth.php",
            "token_url": "https://moodle.example.fi/mod/lti/token.php",
            "jwks_url": "https://moodle.example.fi/mod/lti/certs.php",
            "token_audience": None,
        }
    ]


def test_list_when_empty(app):
    result = app.test_cli_runner().invoke(args=["lti", "platform", "list"])
    assert "No platforms registered" in result.output


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--jwks-url", "http://moodle.example.fi/certs.php", "is not an https:// URL"),
        ("--auth-url", "ftp://x/y", "is not an https:// URL"),
    ],
)
def test_plain_http_refused(app, option, value, message):
    args = list(ARGS)
    args[args.index(option) + 1] = value
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2
    assert message in result.output and option in result.output


def test_loopback_http_only_in_development(app, database_url, instance_dir):
    from app import create_app
    from tests.conftest import _config

    loopback = [a.replace("https://moodle.example.fi", "http://127.0.0.1:5001") for a in ARGS]
    assert app.test_cli_runner().invoke(args=loopback).exit_code == 0
    production = create_app(_config(database_url, instance_dir, APP_ENV="production"))
    result = production.test_cli_runner().invoke(args=loopback)
    assert result.exit_code == 2
    assert "only for loopback addresses with APP_ENV=development" in result.output


def test_missing_option_is_a_clear_error(app):
    result = app.test_cli_runner().invoke(args=ARGS[:-2])
    assert result.exit_code == 2 and "--jwks-url" in result.output


def test_demo_seed_is_idempotent(app):
    from app.core.db import db
    from app.people.models import User
    from app.programme.models import Programme

    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        programmes = db.session.scalars(db.select(Programme)).all()
        assert [p.name for p in programmes] == ["Tulanet-mentorointiohjelma 2022–2023"]
        assert db.session.scalar(db.select(db.func.count(User.id))) >= 10


def test_demo_programme_is_under_way_on_the_day_it_is_seeded(app):
    """Kickoff a few months ago, closing months ahead, registration closed, one event next week,
    the pair's meetings in the past and the midpoint still ahead."""
    from datetime import date, timedelta

    from app.core.clock import utc_to_helsinki
    from app.core.db import db
    from app.demo import seed_demo
    from app.events.models import ProgrammeEvent
    from app.mentoring.models import Meeting
    from app.programme.models import Programme

    today = date(2026, 12, 4)
    with app.app_context():
        seed_demo(today=today)
        programme = db.session.scalars(db.select(Programme)).one()
        assert timedelta(days=90) <= today - programme.kickoff <= timedelta(days=180)
        assert timedelta(days=120) <= programme.closing - today <= timedelta(days=240)
        assert programme.registration_closes < programme.kickoff < today < programme.midpoint
        event_days = [utc_to_helsinki(e.starts_at).date() for e in db.session.scalars(db.select(ProgrammeEvent))]
        assert [d for d in event_days if date(2026, 12, 7) <= d <= date(2026, 12, 13)] == [date(2026, 12, 10)]
        meeting_days = [m.starts_at.date() for m in db.session.scalars(db.select(Meeting))]
        assert len(meeting_days) == 4 and all(programme.kickoff < d < today for d in meeting_days)


def test_production_needs_a_secret_key(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app({"APP_ENV": "production"})


def test_unknown_app_env_is_refused(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="APP_ENV must be"):
        create_app({"APP_ENV": "staging"})


def test_config_page_lists_the_registration_urls(client):
    page = client.get("/lti/config")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "http://localhost/lti/jwks" in body and "http://localhost/lti/login" in body
    data = client.get("/lti/config?format=json").get_json()
    assert data["urls"]["initiate_login_url"] == "http://localhost/lti/login"
    assert data["urls"]["redirection_uris"] == ["http://localhost/lti/launch"]
    assert data["urls"]["public_keyset_url"] == "http://localhost/lti/jwks"


def test_purge_deletes_only_what_has_expired(app):
    from datetime import timedelta

    from app.core.clock import utcnow
    from app.core.db import db
    from app.core.sessions import WebSession
    from app.lti.models import UsedNonce
    from app.people.models import User

    with app.app_context():
        user = User(issuer="https://x", subject="1")
        db.session.add(user)
        db.session.flush()
        now = utcnow()
        db.session.add_all(
            [
                UsedNonce(nonce="old", expires_at=now - timedelta(minutes=1)),
                UsedNonce(nonce="fresh", expires_at=now + timedelta(minutes=5)),
                WebSession(
                    id="a" * 64, user_id=user.id, role="participant", data={}, expires_at=now - timedelta(seconds=1)
                ),
                WebSession(
                    id="b" * 64, user_id=user.id, role="participant", data={}, expires_at=now + timedelta(hours=1)
                ),
            ]
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["lti", "purge"])
    assert (
        result.exit_code == 0
        and "Deleted 1 expired sessions, 1 used nonces and 0 new-window handoffs." in result.output
    )
    with app.app_context():
        assert [n.nonce for n in db.session.scalars(db.select(UsedNonce))] == ["fresh"]
        assert [s.id[0] for s in db.session.scalars(db.select(WebSession))] == ["b"]


def test_demo_seed_makes_the_first_signing_key(_migrated, database_url, instance_dir, tmp_path):
    """A fresh `make demo` answers /readyz green before anyone has launched."""
    from app import create_app
    from tests.conftest import _clean, _config

    app = create_app(_config(database_url, instance_dir, LTI_KEY_DIR=str(tmp_path / "keys")))
    try:
        assert app.test_client().get("/readyz").json["keys"] is False
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        assert app.test_client().get("/readyz").json == {
            "database": True,
            "migrations": True,
            "keys": True,
            "ready": True,
        }
    finally:
        _clean(app)
