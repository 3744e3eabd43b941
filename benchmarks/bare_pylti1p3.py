"""The baseline: a bare pylti1p3 launch handler written as the library's Flask example does it.

Flask-Caching's in-process cache for launch data, the platform JWKS fetched on every launch,
no database and no page (it answers the launch with a line of text). One process per worker;
its cache is per process, so with two workers a login and its launch often meet different
caches. Run: ``gunicorn "benchmarks.bare_pylti1p3:create_app()"`` with BARE_* variables set.
"""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify
from flask_caching import Cache
from pylti1p3.contrib.flask import (
    FlaskCacheDataStorage,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.tool_config import ToolConfDict


def _keys(directory: Path) -> tuple[str, str]:
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / "private.pem", directory / "public.pem"
    if not private_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        public_path.write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return private_path.read_text(), public_path.read_text()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="bench-only", CACHE_TYPE="SimpleCache", CACHE_DEFAULT_TIMEOUT=600)
    cache = Cache(app)
    issuer = os.environ["BARE_ISSUER"]
    private_key, public_key = _keys(Path(os.environ["BARE_KEY_DIR"]))
    settings = {
        issuer: [
            {
                "default": True,
                "client_id": os.environ["BARE_CLIENT_ID"],
                "auth_login_url": issuer + "/auth",
                "auth_token_url": issuer + "/token",
                "key_set_url": issuer + "/jwks",
                "deployment_ids": [os.environ.get("BARE_DEPLOYMENT_ID", "1")],
            }
        ]
    }
    tool_conf = ToolConfDict(settings)
    tool_conf.set_private_key(issuer, private_key, client_id=os.environ["BARE_CLIENT_ID"])
    tool_conf.set_public_key(issuer, public_key, client_id=os.environ["BARE_CLIENT_ID"])

    def storage():
        return FlaskCacheDataStorage(cache)

    @app.route("/lti/login", methods=["GET", "POST"])
    def login():
        flask_request = FlaskRequest()
        target = flask_request.get_param("target_link_uri")
        oidc = FlaskOIDCLogin(flask_request, tool_conf, launch_data_storage=storage())
        return oidc.redirect(target)

    @app.route("/lti/launch", methods=["POST"])
    def launch():
        message = FlaskMessageLaunch(FlaskRequest(), tool_conf, launch_data_storage=storage())
        data = message.get_launch_data()
        return f"launched {data.get('sub')}"

    @app.get("/lti/jwks")
    def jwks():
        return jsonify(tool_conf.get_jwks())

    return app
