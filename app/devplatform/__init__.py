"""A development LTI 1.3 platform that imitates Moodle 4.x, for launching the tool locally and in
end-to-end tests:

    flask --app app.devplatform run --port 5001
    gunicorn "app.devplatform:create_app()"

It shares no code with the tool (nothing from ``app.lti``, ``app.programme`` or the tool's
factory), so each side checks the other. It refuses to run when ``APP_ENV=production``.
"""

from flask import Flask

from .claims import build_id_token_claims
from .config import PRODUCTION_REFUSAL, PlatformConfig, refuse_production
from .keys import KeyStore, rfc7638_thumbprint
from .people import find_person, load_people

__all__ = [
    "PRODUCTION_REFUSAL",
    "PlatformConfig",
    "KeyStore",
    "build_id_token_claims",
    "create_app",
    "find_person",
    "load_people",
    "rfc7638_thumbprint",
]


def create_app(config: dict | None = None) -> Flask:
    """The platform's Flask app. ``config`` keys override environment variables of the same name:
    ``DEVPLATFORM_URL``, ``TOOL_URL``, ``DEVPLATFORM_CLIENT_ID``, ``DEVPLATFORM_DEPLOYMENT_ID``,
    ``DEVPLATFORM_INSTANCE``; ``APP_ENV=production`` in either refuses to start."""
    refuse_production(config)
    platform = PlatformConfig.from_mapping(config)
    app = Flask(__name__, instance_path=str(platform.instance.resolve()), static_folder=None)
    app.config.update({k: v for k, v in (config or {}).items() if k.isupper()})
    app.extensions["devplatform"] = platform
    # The key is created on first use (the first launch or JWKS request), not here.
    app.extensions["devplatform_keys"] = KeyStore(platform.instance)

    from .advantage import ags, control, faults, nrps, token  # noqa: F401 - they add their routes to services_bp
    from .advantage import bp as services_bp
    from .context import ServiceState
    from .deeplinking import bp as deep_linking_bp
    from .registration import bp as registration_bp
    from .routes import bp

    app.extensions["devplatform_services"] = ServiceState()
    app.extensions.setdefault("devplatform_registrations", {})
    for blueprint in (bp, services_bp, deep_linking_bp, registration_bp):
        app.register_blueprint(blueprint)
    return app
