"""``flask mail``: the mail worker and the outbox's state."""

import json
import threading
import time

import click
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="E-mail notifications: the outbox and its worker.")


@mail_cli.command("work")
@click.option("--until-empty", is_flag=True, help="Stop when nothing is waiting (for scripts and benchmarks).")
@click.option("--batch", default=100, show_default=True)
def work(until_empty: bool, batch: int) -> None:
    """Send queued mail to MAIL_URL until stopped."""
    from .worker import MailWorker

    worker = MailWorker(batch=batch)
    started = time.process_time()
    worker.run(threading.Event(), until_empty=until_empty)
    # The CPU spent delivering, apart from starting the process (what a benchmark divides).
    click.echo(json.dumps({**worker.stats, "cpu_s": round(time.process_time() - started, 3)}))


@mail_cli.command("status")
def status() -> None:
    """Queued mail by state."""
    from .services import summary

    click.echo(json.dumps(summary().counts))


def init_app(app) -> None:
    app.cli.add_command(mail_cli)
