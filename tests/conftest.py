"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
the app, and real HTTP servers for the tool and the development platform."""

import os
import secrets
import threading
from contextlib import contextmanager

import pytest
from flask import Flask
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from tests.support.lti_double import POLL


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory for every app this test process builds. Tests build a
    new app per test, and compiling the same templates again for each was a large share of the
    run. An entry is keyed by the template's file and the environment's extensions (which change
    the compiled code); Jinja checks a checksum of the source, so an edited template compiles
    afresh."""

    def __init__(self):
        self.code: dict[tuple, bytes] = {}

    @staticmethod
    def _key(bucket):
        return bucket.key, tuple(sorted(bucket.environment.extensions))

    def load_bytecode(self, bucket):
        code = self.code.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.code[self._key(bucket)] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _SharedBytecode()}


def pytest_collection_modifyitems(items):
    """Every test that uses the real tool and platform servers is ``live``, marked or not, so that
    `make test-fast` (``-m "not browser and not live"``) never starts them."""
    for item in items:
        if "live" in item.fixturenames:
            item.add_marker(pytest.mark.live)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database for this test session, dropped at the end."""
    base = os.environ.get("TEST_DATABASE_URL", "sqlite")
    if base == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
        return
    url = make_url(base)
    name = f"mentoring_test_{secrets.token_hex(4)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def _migrated(database_url, instance_dir):
    """Apply the real Alembic migrations once per session."""
    from flask_migrate import upgrade

    from app import create_app

    app = create_app(_config(database_url, instance_dir))
    with app.app_context():
        upgrade()
    return True


def _config(database_url, instance_dir, **extra):
    config = {
        "APP_ENV": "development",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        # A fixed Fernet key for the private journal (production apps built here need one too).
        "JOURNAL_KEY": "dGVzdC1qb3VybmFsLWtleS0wMDAwMDAwMDAwMDAwMDA=",
        "LTI_KEY_DIR": str(instance_dir / "keys"),
        "LOG_FORMAT": "text",
        "TESTING": True,
    }
    config.update(extra)
    return config


def _clean(app):
    from app.core.db import db

    # A staff launch syncs the roster in a thread of its own (app.lti.roster.sync_after_launch):
    # let it finish, or emptying the tables under it deadlocks on PostgreSQL.
    for thread in threading.enumerate():
        if thread.name.startswith("roster-sync-"):
            thread.join(timeout=30)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # The audit log refuses DELETE outside a maintenance transaction (migration 0007).
            db.session.execute(text("SET LOCAL app.audit_maintenance = 'on'"))
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.fixture
def app(_migrated, database_url, instance_dir):
    from app import create_app

    app = create_app(_config(database_url, instance_dir))
    yield app
    _clean(app)
    with app.app_context():
        from app.core.db import db

        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def platform(app):
    """A test platform (tests/support/lti_double.py) registered in the tool, its JWKS served over HTTP."""
    from tests.support.lti_double import PlatformDouble

    double = PlatformDouble()
    double.register(app)
    yield double
    double.close()


class LiveServer:
    def __init__(self, wsgi_app, host: str):
        self.server = make_server(host, 0, wsgi_app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def live_pair(database_url, instance_dir, tmp_path, **tool_config):
    """The tool on ``localhost`` and the development platform on ``127.0.0.1`` (two sites),
    both on free ports, the platform registered in the tool as ``demo seed`` does."""
    from app import create_app
    from app.devplatform import create_app as create_platform

    # Bind first so each side can be told the other's URL.
    tool_server = make_server("localhost", 0, None, threaded=True)
    platform_server = make_server("127.0.0.1", 0, None, threaded=True)
    tool_url = f"http://localhost:{tool_server.server_port}"
    platform_url = f"http://127.0.0.1:{platform_server.server_port}"
    tool = create_app(_config(database_url, instance_dir, TOOL_URL=tool_url, **tool_config))
    platform = create_platform(
        {
            "DEVPLATFORM_URL": platform_url,
            "TOOL_URL": tool_url,
            "DEVPLATFORM_INSTANCE": str(tmp_path / "devplatform"),
        }
    )
    tool_server.app = tool
    platform_server.app = platform
    with tool.app_context():
        from app.demo import seed_demo

        seed_demo(platform_url)
    servers = (tool_server, platform_server)
    threads = [threading.Thread(target=s.serve_forever, args=(POLL,), daemon=True) for s in servers]
    for t in threads:
        t.start()
    try:
        yield {"tool": tool, "platform": platform, "tool_url": tool_url, "platform_url": platform_url}
    finally:
        for s in (tool_server, platform_server):
            s.shutdown()
            s.server_close()
        _clean(tool)


@pytest.fixture
def live(_migrated, database_url, instance_dir, tmp_path):
    with live_pair(database_url, instance_dir, tmp_path) as pair:
        yield pair
