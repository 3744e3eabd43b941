"""E-mail notifications: an outbox of mails added in the same transaction as the change that
causes them, delivered by a worker (``flask --app app mail work``), never with confidential content."""

import os
import threading


def _worker_mode(app) -> str:
    mode = app.config.get("MAIL_WORKER") or os.environ.get("MAIL_WORKER")
    if mode:
        return mode
    # The embedded default (SQLite, nothing else to run) sends in-process, as the gradebook does.
    embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not app.testing
    return "inprocess" if embedded and app.config.get("MAIL_URL") else "off"


def init_app(app) -> None:
    from app.core import web

    from . import cli, services
    from .routes import bp
    from .signals import mail_due

    app.register_blueprint(bp)
    cli.init_app(app)
    web.on_language_chosen(app, services.choose_language)
    mail_due.connect(services.gradebook_failing)
    app.extensions["mail_stop"] = threading.Event()
    if _worker_mode(app) == "inprocess":
        from app.core.outbox import start_on_first_request

        from .worker import start_in_process

        start_on_first_request(app, start_in_process)
