"""``flask --app app evaluation remind``: queue the survey reminders due today (run it daily, e.g.
from cron before the mail worker's morning digest; running it again sends nobody a second one)."""

import json

import click
from flask.cli import AppGroup

from app.core.db import db
from app.programme.models import Programme

from . import services

evaluation_cli = AppGroup("evaluation", help="Programme surveys.")


@evaluation_cli.command("remind")
def remind() -> None:
    """Queue reminders of open surveys to those who have not answered (once per survey and stage)."""
    queued = {}
    for programme in db.session.scalars(db.select(Programme).order_by(Programme.id)):
        queued[programme.id] = services.remind(programme)
    db.session.commit()
    click.echo(json.dumps({"queued": sum(queued.values()), "programmes": len(queued)}))
