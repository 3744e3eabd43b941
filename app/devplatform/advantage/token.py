"""OAuth2 client credentials (mod/lti/token.php): tokens for the tool's signed client assertions."""

import secrets
import time

import jwt
import requests
from flask import current_app, jsonify, request

from ..context import ASSERTION_TYPE, platform, state
from . import bp
from .faults import ServiceError, inject_faults


def _tool_keys(jwks_url: str, kid: str, refresh: bool = False) -> dict | None:
    s = state()
    keys = s.tool_jwks.get(jwks_url)
    if keys is None or refresh or kid not in keys:
        response = requests.get(jwks_url, timeout=5)
        response.raise_for_status()
        keys = {k["kid"]: k for k in response.json()["keys"] if "kid" in k}
        s.tool_jwks[jwks_url] = keys
    return keys.get(kid)


def registered_clients() -> dict:
    """client id -> tool JWKS URL: the configured tool plus dynamically registered ones."""
    config = platform()
    clients = {config.client_id: config.tool_jwks_url}
    for reg in current_app.extensions.get("devplatform_registrations", {}).values():
        clients[reg["client_id"]] = reg["jwks_uri"]
    return clients


@bp.post("/token")
def token():
    inject_faults(is_token=True)
    s = state()
    with s.lock:
        s.counters["token_requests"] += 1
    form = request.form
    if request.mimetype != "application/x-www-form-urlencoded":
        raise ServiceError(400, "invalid_request: the token request must be form-encoded")
    if form.get("grant_type") != "client_credentials":
        raise ServiceError(400, "unsupported_grant_type")
    if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
        raise ServiceError(400, "invalid_request: a JWT client assertion is required")
    assertion = form["client_assertion"]
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise ServiceError(400, "invalid_request: the client assertion is not a JWT") from None
    if header.get("alg") != "RS256":
        raise ServiceError(400, "invalid_client: only RS256 assertions are accepted")
    client_id = unverified.get("sub")
    jwks_url = registered_clients().get(client_id)
    if jwks_url is None:
        raise ServiceError(400, "invalid_client: unknown client id")
    try:
        key = _tool_keys(jwks_url, header.get("kid", ""))
        if key is None:
            raise ServiceError(400, "invalid_client: unknown key id")
        jwt.decode(
            assertion,
            jwt.PyJWK(key, algorithm="RS256").key,
            algorithms=["RS256"],
            audience=platform().token_url,
            options={"require": ["exp", "iat", "sub", "iss", "jti"]},
        )
    except (jwt.InvalidTokenError, jwt.PyJWKError, requests.RequestException) as exc:
        raise ServiceError(400, f"invalid_client: {exc}") from exc
    if unverified.get("iss") != client_id:
        raise ServiceError(400, "invalid_client: iss and sub must both be the client id")
    requested = form.get("scope", "").split()
    # Moodle silently drops scopes the tool was not granted.
    granted = [sc for sc in requested if sc in s.granted_scopes]
    access = secrets.token_urlsafe(24)
    with s.lock:
        s.tokens[access] = (client_id, time.time() + s.token_lifetime, frozenset(granted))
    return jsonify(
        {"access_token": access, "token_type": "Bearer", "expires_in": s.token_lifetime, "scope": " ".join(granted)}
    )


def require(*scopes: str, type_id: str | None = None) -> str:
    """The bearer token's client id, if it is valid and holds one of ``scopes``. The tool type
    comes in the query (``?type_id=N``) or, for memberships, in the path."""
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        raise ServiceError(401, "missing bearer token")
    s = state()
    with s.lock:
        entry = s.tokens.get(auth[7:])
    if entry is None or entry[1] < time.time():
        raise ServiceError(401, "invalid or expired access token")
    if not entry[2] & set(scopes):
        raise ServiceError(403, "the access token lacks the scope for this service")
    if not (type_id or request.args.get("type_id")):
        raise ServiceError(400, "type_id missing: service URLs must be used verbatim")
    return entry[0]
