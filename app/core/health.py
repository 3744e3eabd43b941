"""Health for operators: ``/healthz`` (the process answers), ``/readyz`` (it can serve: database
reachable, schema at the migrations' head, keys present), and the refusal to run on a database whose
schema is behind the code, for the web app and for every CLI command but ``db``.

A node whose code is newer than its database would fail on the first query that touches a new
column, with a traceback; instead it says, in one line, what the operator must do.
"""

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, Response, current_app, has_app_context, jsonify
from flask.cli import ScriptInfo
from sqlalchemy.exc import SQLAlchemyError

from .db import db

log = logging.getLogger(__name__)

UPGRADE_HINT = "run `flask --app app db upgrade`"
HEALTH_PATHS = ("/healthz", "/readyz")
# Commands that must run on a database behind the code: the migrations themselves.
# `db` brings the schema to head; `content check` reads only the material's files.
SCHEMA_FREE_COMMANDS = ("db", "content")


class SchemaBehind(Exception):
    """The database is unreachable or its schema is not at the head of the migrations."""


@cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revisions of the migrations in ``directory`` (read once per process)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def _migrations_directory(app: Flask) -> str:
    return str(app.extensions["migrate"].directory)


def _current_heads() -> frozenset[str]:
    with db.engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def _behind(app: Flask, current: frozenset[str]) -> str | None:
    if current != migration_heads(_migrations_directory(app)):
        shown = ", ".join(sorted(current)) or "empty"
        return f"The database schema ({shown}) is not at the code's migrations head: {UPGRADE_HINT}."
    return None


def schema_problem(app: Flask) -> str | None:
    """None when the database is reachable and at head; otherwise one line saying what to do."""
    try:
        current = _current_heads()
    except SQLAlchemyError as error:
        return f"The database cannot be reached ({type(error.__cause__ or error).__name__}); check DATABASE_URL."
    return _behind(app, current)


def _keys_present(app: Flask) -> bool:
    checks: list[Callable[[], bool]] = app.extensions.get("readiness_checks", [])
    return all(check() for check in checks)


def register_key_check(app: Flask, check: Callable[[], bool]) -> None:
    """An area's "my keys are in place" check for ``/readyz`` (core imports no area)."""
    app.extensions.setdefault("readiness_checks", []).append(check)


def readiness(app: Flask) -> dict[str, Any]:
    try:
        current: frozenset[str] | None = _current_heads()  # reading the schema's version proves the database
    except SQLAlchemyError:
        current = None
    result = {
        "database": current is not None,
        "migrations": current is not None and _behind(app, current) is None,
        "keys": bool(app.config.get("SECRET_KEY")) and bool(app.config.get("JOURNAL_KEY")) and _keys_present(app),
    }
    result["ready"] = all(result.values())
    return result


class SchemaGate:
    """WSGI middleware: until the schema is seen at head once, every request but the health
    checks gets a 503 with the one line (checked again on each request, so an upgrade needs no
    restart); afterwards it costs nothing."""

    def __init__(self, app: Flask):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.ok = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self.ok and environ.get("PATH_INFO") not in HEALTH_PATHS:
            with self.app.app_context():
                problem = schema_problem(self.app)
            if problem:
                log.error("refusing requests: %s", problem)
                response = Response(problem + "\n", status=503, mimetype="text/plain", headers={"Retry-After": "30"})
                return response(environ, start_response)
            self.ok = True
        return self.wsgi_app(environ, start_response)


def _refuse_when_behind(command: click.Command) -> None:
    if getattr(command, "_schema_checked", False):
        return
    invoke = command.invoke

    def checked(ctx: click.Context) -> Any:
        app = current_app._get_current_object() if has_app_context() else ctx.ensure_object(ScriptInfo).load_app()  # type: ignore[attr-defined]
        # Commands are shared objects: an app built without this gate (a test's bare Flask) is not gated.
        problem = None
        if app.extensions.get("schema_gate"):
            with app.app_context():
                problem = schema_problem(app)
        if problem:
            raise click.ClickException(problem)
        return invoke(ctx)

    command.invoke = checked  # type: ignore[method-assign]
    command._schema_checked = True  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    """Health routes and the schema gate; call after every CLI command is registered."""

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        result = readiness(app)
        response = jsonify(result)
        response.headers["Cache-Control"] = "no-store"
        return response, 200 if result["ready"] else 503

    app.extensions["schema_gate"] = True
    app.wsgi_app = SchemaGate(app)  # type: ignore[method-assign]
    for name, command in app.cli.commands.items():
        if name not in SCHEMA_FREE_COMMANDS:
            _refuse_when_behind(command)
