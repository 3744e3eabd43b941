"""The Tulanet mentoring programme as an LTI 1.3 tool: ``create_app()`` builds it."""

import logging
import os

from flask import Flask
from pythonjsonlogger.json import JsonFormatter

from app.core import i18n
from app.core.db import babel, csrf, db, migrate

from .config import load_config


def _configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("app")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False


def _tune_sqlite(app: Flask) -> None:
    """WAL lets readers and one writer work at once across workers; NORMAL sync is durable
    across application crashes and cheap per commit."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "savepoint")
        def _begin_first(connection, _name):
            # pysqlite opens its transaction lazily, at the first INSERT/UPDATE/DELETE. A SAVEPOINT
            # before that would open one of its own that RELEASE commits at once, so a service's
            # savepoint (``begin_nested``) would escape the request's transaction: begin it first.
            dbapi_connection = connection.connection.dbapi_connection
            if not dbapi_connection.in_transaction:
                dbapi_connection.execute("BEGIN")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    from .ids import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route: ids beyond the database's range are 404
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    _configure_logging(app)

    # Models must be imported before migrations or create_all see the metadata.
    from . import models  # noqa: F401

    db.init_app(app)
    migrate.init_app(
        app, db, render_as_batch=True, directory=os.path.join(os.path.dirname(app.root_path), "migrations")
    )
    _tune_sqlite(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)

    from app.core.sessions import TokenSessionInterface

    from .lti.keys import KeyStore
    from .lti.platform_keys import PlatformKeyCache
    from .people.models import Course, Enrolment, User

    app.session_interface = TokenSessionInterface(User, Course, Enrolment)
    app.extensions["lti_keys"] = KeyStore(app.config["LTI_KEY_DIR"], app.config["LTI_KEY_GRACE_SECONDS"])
    app.extensions["lti_platform_keys"] = PlatformKeyCache(app.config["LTI_JWKS_DEFAULT_MAX_AGE"])
    from .lti import advantage

    advantage.init_app(app)

    from app.core import security, web

    from . import content, events, matching, mentoring, notifications, sparring
    from .admin.agency import bp as agency_bp
    from .admin.public import bp as privacy_bp
    from .admin.routes import bp as admin_bp
    from .calendar.routes import bp as calendar_bp
    from .content import placements as content_placements
    from .content import providers as content_providers
    from .content.routes import bp as content_bp
    from .evaluation import routes as evaluation_routes
    from .events import services as events_services
    from .events.routes import bp as events_bp
    from .home import cards as home_cards
    from .home.routes import bp as home_bp
    from .lti import placements as lti_placements
    from .lti.routes import bp as lti_bp
    from .matching import routes as matching_routes
    from .matching.routes import bp as matching_bp
    from .mentoring import agreement_pages as mentoring_agreement
    from .mentoring import journal as mentoring_journal
    from .mentoring import placements as mentoring_placements
    from .mentoring import routes as mentoring_routes
    from .mentoring.routes import bp as mentoring_bp
    from .people import services as people_services
    from .programme import timeline as programme_timeline
    from .programme.routes import bp as programme_bp
    from .programme.tips import bp as tips_bp
    from .sparring import placements as sparring_placements
    from .sparring.routes import bp as sparring_bp

    # One blueprint per area of the product.
    for blueprint in (
        lti_bp,
        home_bp,
        programme_bp,
        tips_bp,
        content_bp,
        matching_bp,
        mentoring_bp,
        sparring_bp,
        events_bp,
        calendar_bp,
        privacy_bp,
        admin_bp,
        agency_bp,
    ):
        app.register_blueprint(blueprint)
    mentoring.init_app(app)
    matching.init_app(app)
    evaluation_routes.init_app(app)
    notifications.init_app(app)
    events.init_app(app)
    sparring.init_app(app)
    # The home page's cards, in the order it shows them.
    home_cards.register(app, matching_routes.home_card, mentoring_routes.home_card, evaluation_routes.home_card)
    programme_timeline.register(app, events_services.timeline)
    content.init_app(app)
    content_providers.register(
        app,
        read_counts=people_services.read_counts,
        journal_prompts=mentoring_journal.PROMPTS,
        checklist_pair=mentoring_agreement.checklist_state,
    )
    # What each area offers for deep linking, in the order the picker lists it.
    lti_placements.register(app, *mentoring_placements.OFFERS, *content_placements.OFFERS, *sparring_placements.OFFERS)
    lti_placements.register_graded_resource(app, mentoring_placements.graded_resource)
    web.init_app(app)
    security.init_app(app)

    from .cli import register_cli

    register_cli(app)
    from app.core import health

    health.register_key_check(app, app.extensions["lti_keys"].has_current)
    health.init_app(app)  # last: it guards every CLI command registered above
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    return app
