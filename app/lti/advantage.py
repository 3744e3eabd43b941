"""Wiring of LTI Advantage into the app: the token service, the gradebook worker (command line
and in-process) and the ``gradebook`` commands."""
import json
import os
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.db import db
from .tokens import TokenService

gradebook_cli = AppGroup("gradebook", help="Delivery of scores to the platforms' gradebooks (AGS).")


@gradebook_cli.command("work")
@click.option("--until-empty", is_flag=True, help="Stop when no score is pending (for scripts and tests).")
@click.option("--batch", default=50, show_default=True, help="Score keys claimed per round.")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to wait when nothing is due.")
@click.option("--lease", default=60, show_default=True, help="Seconds a claim lasts; a killed worker's scores are taken over after it.")
def work(until_empty, batch, idle, lease):
    """Deliver queued scores. Several workers may run at once (PostgreSQL: SKIP LOCKED claims)."""
    from .delivery import Worker

    tokens = current_app.extensions["lti_tokens"]
    worker = Worker(tokens, batch=batch, lease_seconds=lease, backoff_base=current_app.config.get("GRADEBOOK_BACKOFF_BASE"))
    try:
        worker.run(idle=idle, until_empty=until_empty)
    except KeyboardInterrupt:
        pass
    click.echo(json.dumps({"worker": worker.id, **worker.stats, "token_requests": tokens.requests_made}))


@gradebook_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json):
    """Pending, failed and delivered score counts (superseded ones were replaced by a later score)."""
    from .delivery import status_counts

    counts = status_counts()
    if as_json:
        click.echo(json.dumps(counts))
        return
    for name, count in counts.items():
        click.echo(f"{name:>11}: {count}")


@gradebook_cli.command("resend")
@click.option("--course-id", type=int, required=True, help="The tool's course id.")
@click.option("--id", "row_id", type=int, default=None, help="One failed score; all failed scores of the course if left out.")
def resend_command(course_id, row_id):
    """Queue failed scores of a course again."""
    from .gradebook import resend

    count = resend(course_id, row_id)
    db.session.commit()
    click.echo(f"{count} score(s) queued again.")


roster_cli = AppGroup("roster", help="Course rosters from the platforms (LTI Names and Role Provisioning).")


@roster_cli.command("sync")
@click.option("--course-id", type=int, required=True, help="The tool's course id.")
@click.option("--role", default=None, help="Only members with this role, e.g. Learner.")
def roster_sync(course_id, role):
    """Read the course's roster now: newcomers appear, people who left become inactive."""
    from .roster import sync_roster
    from .tokens import ServiceError

    try:
        result = sync_roster(course_id, current_app.extensions["lti_tokens"], role=role)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{result.members} members in {result.pages} page(s): {result.added} new, {result.deactivated} marked as left.")


def _worker_mode(app) -> str:
    mode = app.config.get("GRADEBOOK_WORKER") or os.environ.get("GRADEBOOK_WORKER")
    if mode:
        return mode
    # The embedded default (SQLite, nothing else to run) delivers in-process.
    embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not app.testing
    return "inprocess" if embedded else "off"


def init_app(app) -> None:
    # GRADEBOOK_BACKOFF_BASE: seconds of the first retry's backoff (default 2; tests use less).
    if os.environ.get("GRADEBOOK_BACKOFF_BASE") and "GRADEBOOK_BACKOFF_BASE" not in app.config:
        app.config["GRADEBOOK_BACKOFF_BASE"] = float(os.environ["GRADEBOOK_BACKOFF_BASE"])
    app.extensions["lti_tokens"] = TokenService(app.extensions["lti_keys"])
    app.extensions["gradebook_stop"] = threading.Event()
    app.cli.add_command(gradebook_cli)
    app.cli.add_command(roster_cli)
    from . import registration  # noqa: F401 - adds /lti/register to the blueprint
    from .deep_linking import bp

    app.register_blueprint(bp)
    if _worker_mode(app) != "inprocess":
        return
    started = []
    lock = threading.Lock()

    @app.before_request
    def _start_worker():
        # Started by the first request, not at import: ``flask db upgrade`` and other commands
        # build the app too and must not start delivering.
        if started:
            return
        with lock:
            if not started:
                from .delivery import start_in_process

                started.append(start_in_process(app))
