"""LTI Dynamic Registration 1.0 (Moodle 4.x: "Add LTI Advantage" by tool URL).

``GET /lti/register?openid_configuration=…&registration_token=…``: fetch the platform's OpenID
configuration, check that its issuer and endpoints are HTTPS (plain http only on loopback with
APP_ENV=development) and belong together, post the tool's registration, store the client id and
deployment the platform returns, and close with the ``org.imsglobal.lti.close`` postMessage.
"""
import logging
from urllib.parse import urlsplit

import requests
from flask import current_app, render_template, request
from flask_babel import gettext as _

from ..extensions import db
from .deep_linking import bp
from .models import Deployment, Platform
from .rules import platform_url_problem, same_origin

log = logging.getLogger(__name__)

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
# The tool's name as the platform shows it, in each of the tool's languages.
NAMES = {"fi": "Tulanet-mentorointi", "sv": "Tulanet-mentorskap", "en": "Tulanet mentoring"}
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
TIMEOUT = 10


class RegistrationError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _check_url(name: str, url) -> str:
    problem = platform_url_problem(url, current_app.config["APP_ENV"])
    if problem == "plain_http":
        raise RegistrationError(_("The platform's %(name)s (%(url)s) is plain http, which is allowed only for the platform on this machine during development.", name=name, url=url))
    if problem:
        raise RegistrationError(_("The platform's %(name)s is not an https:// address: %(url)s", name=name, url=str(url)[:300]))
    return url


def fetch_configuration(url: str) -> dict:
    """The platform's OpenID configuration, checked for what registration and launches need."""
    _check_url("openid_configuration", url)
    try:
        response = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise RegistrationError(_("The platform's configuration could not be fetched from %(url)s.", url=url), 502) from exc
    if response.status_code != 200:
        raise RegistrationError(_("The platform answered %(status)s when its configuration was fetched.", status=response.status_code), 502)
    try:
        config = response.json()
    except ValueError:
        config = None
    if not isinstance(config, dict):
        raise RegistrationError(_("The platform's configuration is not a JSON object."), 502)
    missing = [k for k in ("issuer", *ENDPOINTS) if not isinstance(config.get(k), str) or not config.get(k)]
    if missing:
        raise RegistrationError(_("The platform's configuration lacks %(fields)s.", fields=", ".join(missing)), 502)
    issuer = _check_url("issuer", config["issuer"])
    for name in ENDPOINTS:
        _check_url(name, config[name])
    # The configuration must come from the issuer's own site, and so must its endpoints:
    # anything else could hand launches of this platform to someone else's keys.
    if not url.startswith(issuer.rstrip("/")) or not all(same_origin(issuer, config[n]) for n in ENDPOINTS):
        raise RegistrationError(_("The platform's configuration is inconsistent: its issuer %(issuer)s and its addresses are on different sites.", issuer=issuer), 502)
    if "RS256" not in (config.get("id_token_signing_alg_values_supported") or ["RS256"]):
        raise RegistrationError(_("The platform does not sign with RS256, which this tool requires."), 502)
    if not isinstance(config.get(PLATFORM_CONFIGURATION, {}), dict):
        raise RegistrationError(_("The platform's LTI configuration block is malformed."), 502)
    return config


def tool_registration(config: dict) -> dict:
    """What the tool asks the platform to register (the OpenID client metadata with LTI's block)."""
    from .routes import tool_url

    launch = tool_url("lti.launch")
    supported = set(config.get("scopes_supported") or SCOPES)
    registration = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool_url("lti.login"),
        "redirect_uris": [launch],
        "client_name": NAMES["fi"],
        "jwks_uri": tool_url("lti.jwks"),
        "logo_uri": tool_url("static", filename="lti-logo.svg"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(s for s in SCOPES if s in supported),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(launch).netloc,
            "target_link_uri": launch,
            "description": "Tulanet-mentorointiohjelman työkalu: perehdytys, parit ja ryhmät, tapaamiset ja suoritukset.",
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email", "locale"],
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": launch},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": launch,
                    "label": NAMES["fi"],
                    **{f"label#{lang}": name for lang, name in NAMES.items()},
                },
            ],
        },
    }
    for lang, name in NAMES.items():
        registration[f"client_name#{lang}"] = name
    return registration


def register(config: dict, registration_token: str | None) -> Platform:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = requests.post(config["registration_endpoint"], json=tool_registration(config), headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise RegistrationError(_("The platform's registration address could not be reached."), 502) from exc
    if response.status_code not in (200, 201):
        try:
            reason = response.json().get("error_description") or response.json().get("error")
        except (ValueError, AttributeError):
            reason = response.text[:300]
        raise RegistrationError(_("The platform refused the registration (%(status)s): %(reason)s", status=response.status_code, reason=reason or "–"), 502)
    try:
        answer = response.json()
        client_id = answer["client_id"]
        tool_config = answer.get(TOOL_CONFIGURATION) or {}
        deployment_id = tool_config.get("deployment_id")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RegistrationError(_("The platform's answer to the registration is not the JSON the standard requires."), 502) from None
    if not isinstance(client_id, str) or not client_id or (deployment_id is not None and not isinstance(deployment_id, (str, int))):
        raise RegistrationError(_("The platform's answer to the registration has no client id."), 502)
    platform = db.session.scalar(db.select(Platform).filter_by(issuer=config["issuer"], client_id=client_id))
    if platform is None:
        platform = Platform(issuer=config["issuer"], client_id=client_id)
        db.session.add(platform)
    platform.auth_login_url = config["authorization_endpoint"]
    platform.auth_token_url = config["token_endpoint"]
    platform.key_set_url = config["jwks_uri"]
    platform.auth_audience = config.get("authorization_server") or None
    platform_block = config.get(PLATFORM_CONFIGURATION) or {}
    platform.name = str(platform_block.get("product_family_code") or urlsplit(config["issuer"]).hostname)[:255]
    if deployment_id is not None and str(deployment_id) not in {d.deployment_id for d in platform.deployments}:
        platform.deployments.append(Deployment(deployment_id=str(deployment_id)))
    db.session.commit()
    return platform


@bp.get("/register")
def dynamic_registration():
    configuration_url = request.args.get("openid_configuration")
    try:
        if not configuration_url:
            raise RegistrationError(_("Open this address from the learning platform's tool registration: the openid_configuration parameter is missing."))
        config = fetch_configuration(configuration_url)
        platform = register(config, request.args.get("registration_token"))
    except RegistrationError as error:
        db.session.rollback()
        log.warning("dynamic registration refused: %s", error.message)
        return render_template("lti/register_error.html", message=error.message), error.status
    current_app.extensions.pop("frame_ancestors", None)  # let the new platform frame the tool now
    log.info("dynamic registration done", extra={"issuer": platform.issuer, "client_id": platform.client_id})
    return render_template("lti/registered.html", platform=platform)
