"""LTI Dynamic Registration 1.0 (Moodle 4.x: "Add LTI Advantage" by tool URL), allowed only
through a one-time URL that the tool's operator issued.

``flask --app app lti registration-url`` prints ``<TOOL_URL>/lti/register/<secret>``; the
operator gives it to the platform's administrator, who pastes it as Moodle's "Tool URL".
``GET /lti/register/<secret>?openid_configuration=…&registration_token=…``: check the secret
before anything else, fetch the platform's OpenID configuration through ``outbound.fetch`` (no
redirects, a total deadline, a size cap), check that its issuer and endpoints are on the
configuration's own origin, HTTPS (plain http only on loopback with APP_ENV=development), without
userinfo and in production on public addresses, post the tool's registration, store the
client id and deployment the platform returns as a **pending** platform, consume the secret, and
close with the ``org.imsglobal.lti.close`` postMessage. A pending platform can neither launch nor
get a token until the operator runs ``flask --app app lti platform approve``.

Remote answers are never shown: the page names a reason code in the reader's language, the log
keeps a short excerpt.
"""

import hashlib
import json
import logging
import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from app.core.clock import utcnow
from app.core.db import db, rowcount
from app.core.security import allow_framing_by, frame_origins
from app.core.web import tool_url

from . import outbound
from .deep_linking import bp
from .models import Deployment, Platform, RegistrationUrl
from .tokens import assertion_audience
from .vocabulary import PLATFORM_CONFIGURATION, SCOPES, TOOL_CONFIGURATION

log = logging.getLogger(__name__)

# The tool's name as the platform shows it, in each of the tool's languages.
NAMES = {"fi": "Tulanet-mentorointi", "sv": "Tulanet-mentorskap", "en": "Tulanet mentoring"}
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")

# Registration URLs live days, not months: an unused one is a standing invitation.
MAX_LIFETIME = timedelta(days=90)
_LIFETIME = re.compile(r"^\s*(\d{1,6})\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}

# Why a registration did not happen: (HTTP status, reason in the reader's language).
REASONS = {
    "no_secret": (
        403,
        _l(
            "Registering the tool needs a registration URL from the tool's operator. Ask the operator for one and "
            "paste it whole into the learning platform's “Tool URL” field."
        ),
    ),
    "unknown_secret": (403, _l("This registration URL is not valid. Ask the tool's operator for a new one.")),
    "expired_secret": (410, _l("This registration URL has expired. Ask the tool's operator for a new one.")),
    "used_secret": (410, _l("This registration URL has already been used. Ask the tool's operator for a new one.")),
    "missing_configuration": (
        400,
        _l(
            "Open this address from the learning platform's tool registration: the "
            "openid_configuration parameter is missing."
        ),
    ),
    # A URL in the configuration (``name``: its field), as app/lti/outbound.py judges it.
    "bad_url": (400, _l("The platform's %(name)s is not a valid web address.")),
    "not_https": (400, _l("The platform's %(name)s is not an https:// address.")),
    "userinfo": (400, _l("The platform's %(name)s contains a user name or password, which the tool does not accept.")),
    "private_address": (
        400,
        _l("The platform's %(name)s leads to a local or private network address, which the tool does not call."),
    ),
    "config_status": (502, _l("The platform answered %(status)s when its configuration was fetched.")),
    "config_not_json": (502, _l("The platform's configuration is not a JSON object.")),
    "config_missing": (502, _l("The platform's configuration lacks %(fields)s.")),
    "config_inconsistent": (
        502,
        _l(
            "The platform's configuration is inconsistent: its issuer, its configuration address and its "
            "endpoints are not all on one site."
        ),
    ),
    "config_alg": (502, _l("The platform does not sign with RS256, which this tool requires.")),
    "config_lti_block": (502, _l("The platform's LTI configuration block is malformed.")),
    "registration_refused": (502, _l("The platform refused the registration (%(status)s).")),
    "registration_malformed": (
        502,
        _l("The platform's answer to the registration is not the JSON the standard requires."),
    ),
    "registration_no_client_id": (502, _l("The platform's answer to the registration has no client id.")),
}
# Which exchange an outbound failure happened in; the failure itself reads as outbound.REASONS.
STEPS = {
    "configuration": _l("Reading the platform's configuration failed."),
    "registration": _l("Sending the registration to the platform failed."),
}
STEP_URLS = {"configuration": "openid_configuration", "registration": "registration_endpoint"}


class RegistrationError(Exception):
    """A refused registration. ``code`` picks the reason (``REASONS``, or ``outbound.REASONS``
    for a failed exchange, named by ``step``); ``excerpt`` (remote text) goes to the log only."""

    def __init__(self, code: str, step: str | None = None, excerpt: str | None = None, **params):
        super().__init__(code)
        self.code, self.step, self.params, self.excerpt = code, step, params, excerpt
        self.status = REASONS[code][0] if code in REASONS else 502

    @property
    def message(self) -> str:
        if self.code not in REASONS:
            assert self.step is not None  # an exchange's refusal names its step
            return f"{STEPS[self.step]} {outbound.describe(self.code, self.params)}"
        reason = REASONS[self.code][1]
        return str(reason) % self.params if self.params else str(reason)


# --- the one-time registration URL ---


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_lifetime(text: str) -> timedelta:
    """``7d``, ``12h`` or ``30m`` as a timedelta; ValueError for anything else or over 90 days."""
    match = _LIFETIME.match(text or "")
    if not match:
        raise ValueError("a number followed by d, h or m, e.g. 7d")
    lifetime = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError("more than 0 and at most 90 days")
    return lifetime


def grant_problem(grant: RegistrationUrl | None, now: datetime) -> str | None:
    """Why a registration URL allows no registration (a ``REASONS`` code), or None."""
    if grant is None:
        return "unknown_secret"
    if grant.used_at is not None:
        return "used_secret"
    if grant.expires_at <= now:
        return "expired_secret"
    return None


def issue_registration_url(lifetime: timedelta) -> tuple[str, RegistrationUrl]:
    """A new one-time secret and its row (added to the session, not committed)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    grant = RegistrationUrl(secret_hash=secret_hash(secret), created_at=now, expires_at=now + lifetime)
    db.session.add(grant)
    return secret, grant


def _grant(secret: str | None) -> RegistrationUrl:
    if not secret:
        raise RegistrationError("no_secret")
    grant = db.session.scalar(db.select(RegistrationUrl).filter_by(secret_hash=secret_hash(secret)))
    problem = grant_problem(grant, utcnow())
    if problem:
        raise RegistrationError(problem)
    return grant


def _consume(grant: RegistrationUrl, platform: Platform) -> None:
    """Mark the URL used in the registration's transaction; of two concurrent registrations with
    one URL only one update matches, so only one platform is stored."""
    now = utcnow()
    used = rowcount(
        db.session.execute(
            db.update(RegistrationUrl)
            .where(RegistrationUrl.id == grant.id, RegistrationUrl.used_at.is_(None), RegistrationUrl.expires_at > now)
            .values(used_at=now, platform_id=platform.id)
            .execution_options(synchronize_session=False)
        )
    )
    if used != 1:
        raise RegistrationError("used_secret")


# --- the platform's configuration and the registration itself ---


def _exchange(step: str, method: str, url: str, origin: str | None, **kwargs) -> tuple[int, bytes]:
    """One outbound exchange with ``origin`` (no redirects, a total deadline, a size cap):
    (status, body)."""
    try:
        response = outbound.fetch(method, url, origins={origin}, **kwargs)
    except outbound.OutboundRefused as refusal:
        # ``name`` for a refusal of the address itself, e.g. a private one found on connecting.
        raise RegistrationError(refusal.code, step, name=STEP_URLS[step], **refusal.params) from None
    return response.status_code, response.content


def check_url(name: str, url, origin: str | None) -> str:
    """A URL of the configuration (field ``name``) that must be on ``origin``: no userinfo,
    HTTPS (plain http only to loopback in development), in production no private address."""
    try:
        return outbound.check_url(url, {origin}, production=outbound.production())
    except outbound.OutboundRefused as refusal:
        if refusal.code == "foreign_origin":
            raise RegistrationError("config_inconsistent") from None
        if refusal.code in REASONS:
            raise RegistrationError(refusal.code, name=name) from None
        raise RegistrationError(refusal.code, "configuration", **refusal.params) from None


def _json(code: str, body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        raise RegistrationError(code, excerpt=outbound.excerpt(body)) from None


def fetch_configuration(url: str) -> dict:
    """The platform's OpenID configuration, checked for what registration and launches need."""
    own = outbound.origin(url) if isinstance(url, str) else None
    check_url("openid_configuration", url, own)
    status, body = _exchange("configuration", "GET", url, own, headers={"Accept": "application/json"})
    if status != 200:
        raise RegistrationError("config_status", excerpt=outbound.excerpt(body), status=status)
    config = _json("config_not_json", body)
    if not isinstance(config, dict):
        raise RegistrationError("config_not_json", excerpt=outbound.excerpt(body))
    missing = [k for k in ("issuer", *ENDPOINTS) if not isinstance(config.get(k), str) or not config.get(k)]
    if missing:
        raise RegistrationError("config_missing", fields=", ".join(missing))
    # The configuration must come from the issuer's own origin, and so must its endpoints:
    # anything else could hand launches of this platform to someone else's keys.
    for name in ("issuer", *ENDPOINTS):
        check_url(name, config[name], own)
    algorithms = config.get("id_token_signing_alg_values_supported")
    if algorithms is not None and (not isinstance(algorithms, list) or "RS256" not in algorithms):
        raise RegistrationError("config_alg")
    if not isinstance(config.get("scopes_supported", []), list):
        raise RegistrationError("config_missing", fields="scopes_supported")
    if not isinstance(config.get(PLATFORM_CONFIGURATION, {}), dict):
        raise RegistrationError("config_lti_block")
    return config


def tool_registration(config: dict) -> dict:
    """What the tool asks the platform to register (the OpenID client metadata with LTI's block)."""
    launch = tool_url("lti.launch")
    supported = {s for s in config.get("scopes_supported") or SCOPES if isinstance(s, str)}
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
            "description": (
                "Tulanet-mentorointiohjelman työkalu: perehdytys, parit ja ryhmät, tapaamiset ja suoritukset."
            ),
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


def register(config: dict, registration_token: str | None, grant: RegistrationUrl) -> Platform:
    """Post the tool's registration and store the answer as a pending platform, consuming ``grant``."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    status, body = _exchange(
        "registration",
        "POST",
        config["registration_endpoint"],
        outbound.origin(config["issuer"]),
        json=tool_registration(config),
        headers=headers,
    )
    if status not in (200, 201):
        raise RegistrationError("registration_refused", excerpt=outbound.excerpt(body), status=status)
    answer = _json("registration_malformed", body)
    try:
        client_id = answer["client_id"]
        tool_config = answer.get(TOOL_CONFIGURATION) or {}
        deployment_id = tool_config.get("deployment_id")
    except (KeyError, TypeError, AttributeError):
        raise RegistrationError("registration_malformed", excerpt=outbound.excerpt(body)) from None
    if (
        not isinstance(client_id, str)
        or not client_id
        or len(client_id) > 255
        or (deployment_id is not None and not isinstance(deployment_id, (str, int)))
    ):
        raise RegistrationError("registration_no_client_id", excerpt=outbound.excerpt(body))
    platform = db.session.scalar(db.select(Platform).filter_by(issuer=config["issuer"], client_id=client_id))
    if platform is None:
        platform = Platform(issuer=config["issuer"], client_id=client_id)
        db.session.add(platform)
    # A registration names new endpoints: whoever approved the old ones has not seen these.
    platform.approved_at = None
    platform.auth_login_url = config["authorization_endpoint"]
    platform.auth_token_url = config["token_endpoint"]
    platform.key_set_url = config["jwks_uri"]
    # The platform may not choose where the tool's signed assertion is valid: an
    # authorization_server on another origin than the token endpoint is ignored.
    audience = config.get("authorization_server")
    platform.auth_audience = (
        audience
        if isinstance(audience, str) and assertion_audience(config["token_endpoint"], audience) == audience
        else None
    )
    platform_block = config.get(PLATFORM_CONFIGURATION) or {}
    platform.name = str(platform_block.get("product_family_code") or urlsplit(config["issuer"]).hostname)[:255]
    if deployment_id is not None and str(deployment_id) not in {d.deployment_id for d in platform.deployments}:
        platform.deployments.append(Deployment(deployment_id=str(deployment_id)[:255]))
    db.session.flush()
    _consume(grant, platform)
    db.session.commit()
    return platform


@bp.get("/register", defaults={"secret": None})
@bp.get("/register/<secret>")
def dynamic_registration(secret):
    try:
        # The secret first: without it the tool sends nothing anywhere.
        grant = _grant(secret)
        configuration_url = request.args.get("openid_configuration")
        if not configuration_url:
            raise RegistrationError("missing_configuration")
        config = fetch_configuration(configuration_url)
        platform = register(config, request.args.get("registration_token"), grant)
    except RegistrationError as error:
        db.session.rollback()
        log.warning(
            "dynamic registration refused: %s",
            error.code,
            extra={"reason": error.code, "step": error.step, "status": error.status, "excerpt": error.excerpt},
        )
        # Moodle shows this answer in its own frame; the page holds nothing to act on.
        allow_framing_by(frame_origins(request.args.get("openid_configuration") or ""))
        return render_template("lti/register_error.html", error=error), error.status
    # The page answering this registration is framed by the platform's window: let its origin in.
    allow_framing_by(frame_origins(platform.issuer, platform.auth_login_url))
    log.info(
        "dynamic registration stored, pending approval",
        extra={"issuer": platform.issuer, "client_id": platform.client_id},
    )
    return render_template("lti/registered.html", platform=platform)
