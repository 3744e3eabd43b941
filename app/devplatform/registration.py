"""Dynamic registration on the platform side, like Moodle 4.x (mod/lti/openid-configuration.php,
mod/lti/openid-registration.php, and the "Manage tools" page where a registered tool waits,
pending, until an administrator activates it).

``/admin/tools?tool_url=…`` starts a registration: it opens the tool's registration URL (the
one-time ``…/lti/register/<secret>`` the tool's operator issued, pasted as in Moodle's "Tool URL")
in an iframe with ``openid_configuration`` and a short-lived ``registration_token``. Registrations are
kept in this process's memory. ``/dev/control`` can make the configuration malformed or the
registration refused, for tests.
"""

import secrets
import time
from dataclasses import replace
from urllib.parse import urlencode, urlsplit

import jwt
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from .context import ALL_SCOPES, PlatformError, keys, state

bp = Blueprint("devregistration", __name__, template_folder="templates")

TOKEN_PURPOSE = "registration_token"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


def _config():
    return current_app.extensions["devplatform"]


def registrations() -> dict:
    return current_app.extensions["devplatform_registrations"]


def config_for(client_id: str | None):
    """The platform configuration seen by one registered tool (its client id, deployment and
    URLs); the configured tool's when ``client_id`` is not a dynamic registration."""
    config = _config()
    registration = registrations().get(client_id) if client_id else None
    if registration is None:
        return config
    launch = registration["target_link_uri"]
    tool_url = launch[: -len("/lti/launch")] if launch.endswith("/lti/launch") else launch
    return replace(
        config, client_id=registration["client_id"], deployment_id=registration["deployment_id"], tool_url=tool_url
    )


def is_pending(client_id: str | None) -> bool:
    registration = registrations().get(client_id) if client_id else None
    return registration is not None and registration["status"] == "pending"


def _secret() -> bytes:

    return keys().current().derived_secret(TOKEN_PURPOSE)


@bp.get("/mod/lti/openid-configuration.php")
def openid_configuration():
    config = _config()
    fault = state().registration_fault
    if fault == "malformed_config":
        return jsonify({"issuer": config.issuer, "authorization_endpoint": config.auth_url})
    return jsonify(
        {
            "issuer": config.issuer,
            "token_endpoint": config.token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": config.jwks_url,
            "authorization_endpoint": config.auth_url,
            "registration_endpoint": config.url + "/mod/lti/openid-registration.php",
            "scopes_supported": list(ALL_SCOPES) + ["openid"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle",
                "version": config.moodle_version,
                "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}],
                "variables": [
                    "basic-lti-launch-request",
                    "ContentItemSelectionRequest",
                    "ToolProxyRegistrationRequest",
                    "Context.id",
                ],
            },
        }
    )


def _refuse(error: str, description: str, status: int = 400):
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


@bp.post("/mod/lti/openid-registration.php")
def register():
    """Moodle's openid-registration.php: check the token and the tool's metadata, register it."""
    auth = request.headers.get("Authorization", "")
    try:
        jwt.decode(auth.removeprefix("Bearer "), _secret(), algorithms=["HS256"], audience=TOKEN_PURPOSE)
    except jwt.InvalidTokenError:
        return _refuse("invalid_token", "The registration token is missing, wrong or expired.", 401)
    if state().registration_fault == "refuse":
        return _refuse("invalid_client_metadata", "Registrations are closed on this site.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _refuse("invalid_client_metadata", "The registration is not a JSON object.")
    lti = body.get(TOOL_CONFIGURATION)
    problems = []
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        problems.append("token_endpoint_auth_method must be private_key_jwt")
    if not {"implicit", "client_credentials"} <= set(body.get("grant_types") or []):
        problems.append("grant_types must include implicit and client_credentials")
    if body.get("response_types") != ["id_token"]:
        problems.append("response_types must be [id_token]")
    for field in ("initiate_login_uri", "jwks_uri", "client_name"):
        if not isinstance(body.get(field), str) or not body.get(field):
            problems.append(f"{field} is required")
    if not isinstance(body.get("redirect_uris"), list) or not body.get("redirect_uris"):
        problems.append("redirect_uris is required")
    if not isinstance(lti, dict) or not lti.get("domain") or not lti.get("target_link_uri"):
        problems.append(f"{TOOL_CONFIGURATION} needs domain and target_link_uri")
    elif urlsplit(lti["target_link_uri"]).netloc != lti["domain"]:
        problems.append("target_link_uri is not on the tool's domain")
    if problems:
        return _refuse("invalid_client_metadata", "; ".join(problems))
    registry = registrations()
    client_id = secrets.token_urlsafe(10)
    deployment_id = str(len(registry) + 2)  # the configured tool is deployment 1
    scopes = [s for s in (body.get("scope") or "").split() if s in ALL_SCOPES]
    registry[client_id] = {
        "client_id": client_id,
        "deployment_id": deployment_id,
        "name": body["client_name"],
        "names": {k.split("#", 1)[1]: v for k, v in body.items() if k.startswith("client_name#")},
        "jwks_uri": body["jwks_uri"],
        "initiate_login_uri": body["initiate_login_uri"],
        "redirect_uris": list(body["redirect_uris"]),
        "target_link_uri": lti["target_link_uri"],
        "logo_uri": body.get("logo_uri"),
        "scopes": scopes,
        "messages": [m.get("type") for m in lti.get("messages") or [] if isinstance(m, dict)],
        "status": "pending",
    }
    answer = {k: v for k, v in body.items() if k != TOOL_CONFIGURATION}
    answer.update({"client_id": client_id, "scope": " ".join(scopes)})
    answer[TOOL_CONFIGURATION] = {**lti, "deployment_id": deployment_id}
    return jsonify(answer)


@bp.get("/admin/tools")
def tools():
    """Moodle's Manage tools: registrations with their state; ``tool_url`` starts a new one."""
    config = _config()
    frame = None
    tool_url = request.args.get("tool_url")
    if tool_url:
        now = int(time.time())
        token = jwt.encode({"aud": TOKEN_PURPOSE, "iat": now, "exp": now + 3600}, _secret(), algorithm="HS256")
        query = urlencode(
            {"openid_configuration": config.url + "/mod/lti/openid-configuration.php", "registration_token": token}
        )
        frame = tool_url + ("&" if "?" in tool_url else "?") + query
    return render_template(
        "devplatform/tools.html", platform=config, registrations=list(registrations().values()), frame=frame
    )


@bp.post("/admin/tools/<client_id>/activate")
def activate(client_id):
    registration = registrations().get(client_id)
    if registration is None:
        raise PlatformError("unknown_tool", "Tuntematon työkalu.", f"No registered tool {client_id!r}.", 404)
    registration["status"] = "active"
    return redirect(url_for("devregistration.tools"), code=303)
