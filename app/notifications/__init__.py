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

    app.register_blueprint(bp)
    cli.init_app(app)
    web.on_language_chosen(app, services.choose_language)
    app.extensions["mail_stop"] = threading.Event()
    if _worker_mode(app) != "inprocess":
        return
    started: list[threading.Thread] = []
    lock = threading.Lock()

    @app.before_request
    def _start_worker():
        # Started by the first request, not at import: commands build the app too.
        if started:
            return
        with lock:
            if not started:
                from .worker import start_in_process

                started.append(start_in_process(app))
