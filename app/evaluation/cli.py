"""``flask --app app evaluation remind``: queue the survey reminders due today now. The mail worker
queues them by itself (``services.remind_due`` on ``mail_due``); running it again sends nobody a
second one."""

import json

import click
from flask.cli import AppGroup

from app.core.db import db

from . import services

evaluation_cli = AppGroup("evaluation", help="Programme surveys.")


@evaluation_cli.command("remind")
def remind() -> None:
    """Queue reminders of open surveys to those who have not answered (once per survey and stage)."""
    queued = services.remind_all()
    db.session.commit()
    click.echo(json.dumps({"queued": sum(queued.values()), "programmes": len(queued)}))
