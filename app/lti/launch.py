"""OIDC login and launch validation on top of pylti1p3, closing the library's known gaps.

pylti1p3next 2.0.2 (with Flask 3.1) checks a nonce but never consumes it, accepts tokens
without ``exp``/``iat``, fetches the platform JWKS on every launch, lets an unknown issuer or a
wrong ``aud`` escape its own exception types, and keys everything off a Flask cookie session.
Here registrations come from the database, the login state is a signed token bound to the
browser by a partitioned cookie, each nonce is consumed by one atomic insert, the JWKS is
cached, and every refusal is a ``LaunchError`` with a precise reason.
"""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlencode

import jwt
from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pylti1p3.contrib.flask import FlaskCookieService, FlaskMessageLaunch, FlaskRequest
from pylti1p3.contrib.flask.service_connector import FlaskServiceConnector
from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.exception import LtiException
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from app.core.clock import utcnow
from app.core.db import db, insert_new, rowcount
from app.core.security import contains_nul

from ..people.models import Course
from ..people.services import StoredCourse
from .errors import LaunchError
from .models import CourseServices, Deployment, Platform, ResourceLink, UsedNonce
from .placements import LinkState
from .services import NOTHING_STORED, StoredLink, StoredRows, StoredServices
from .vocabulary import CLAIM, DL_CLAIM

MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
LOGIN_STATE_SECONDS = 600
STATE_COOKIE_PREFIX = "lti1p3-"


@dataclass(frozen=True)
class LoginState:
    """An OIDC login in flight, carried in the signed ``state`` parameter itself.

    Nothing is written at login: the state names the platform and the nonce, signed with the
    app's secret and valid for ten minutes. A launch consumes the nonce in the database
    (``UsedNonce``), which all workers share.
    """

    token: str
    nonce: str
    platform_id: int

    @property
    def cookie_name(self) -> str:
        return STATE_COOKIE_PREFIX + self.digest[:16]

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.token.encode()).hexdigest()


def _state_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lti-login-state")


def read_login_state(token: str) -> LoginState:
    try:
        data = _state_serializer().loads(token, max_age=LOGIN_STATE_SECONDS)
        return LoginState(token, data["n"], int(data["p"]))
    except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
        raise LaunchError("state_expired") from None


@dataclass(frozen=True)
class PlatformRecord:
    """A platform registration as the launch path reads it: plain data from one query."""

    id: int
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str | None
    approved: bool
    deployment_ids: frozenset[str]


def _platform_query(by_client_id: bool):
    platform, deployment = Platform.__table__, Deployment.__table__
    query = (
        db.select(
            platform.c.id,
            platform.c.issuer,
            platform.c.client_id,
            platform.c.auth_login_url,
            platform.c.auth_token_url,
            platform.c.key_set_url,
            platform.c.auth_audience,
            platform.c.approved_at.is_not(None).label("approved"),
            deployment.c.deployment_id,
        )
        .select_from(platform.outerjoin(deployment, deployment.c.platform_id == platform.c.id))
        .where(platform.c.issuer == db.bindparam("iss"))
    )
    if by_client_id:
        query = query.where(platform.c.client_id == db.bindparam("client_id"))
    return query


def _launch_query():
    """The issuer's registrations, and in the same statement what the tool already stores about
    the launch's course and resource link: a launch that changes none of it writes none of it."""
    course, services, link = Course.__table__, CourseServices.__table__, ResourceLink.__table__
    return (
        _platform_query(False)
        .add_columns(
            course.c.id.label("course_id"),
            course.c.title.label("course_title"),
            course.c.label.label("course_label"),
            services.c.platform_id.label("services_platform_id"),
            services.c.lineitems_url,
            services.c.ags_scopes,
            services.c.memberships_url,
            link.c.id.label("link_id"),
            link.c.title.label("link_title"),
            link.c.lineitem_url,
            link.c.target,
            link.c.graded,
            link.c.resource,
        )
        .outerjoin(
            course,
            (course.c.issuer == db.bindparam("iss"))
            & (course.c.deployment_id == db.bindparam("deployment_id"))
            & (course.c.context_id == db.bindparam("context_id")),
        )
        .outerjoin(services, services.c.course_id == course.c.id)
        .outerjoin(link, (link.c.course_id == course.c.id) & (link.c.resource_link_id == db.bindparam("link_id")))
    )


# Built once: constructing a statement costs more than running it on the launch path.
_PLATFORMS_BY_ISSUER = _platform_query(False)
_PLATFORMS_BY_CLIENT = _platform_query(True)
_PLATFORMS_WITH_STORED = _launch_query()


def _records(rows) -> list[PlatformRecord]:
    # PlatformRecord's fields before ``deployment_ids``.
    found: dict[int, tuple[int, str, str, str, str, str, str | None, bool]] = {}
    deployments: dict[int, set] = {}
    for row in rows:
        found.setdefault(row.id, row[:8])
        ids = deployments.setdefault(row.id, set())
        if row.deployment_id is not None:
            ids.add(row.deployment_id)
    return [PlatformRecord(*found[k], frozenset(deployments[k])) for k in sorted(found)]


def platform_records(iss: str, client_id: str | None = None) -> list[PlatformRecord]:
    """The registrations of ``iss`` (only ``client_id``'s when given), with their deployments."""
    if client_id:
        return _records(db.session.execute(_PLATFORMS_BY_CLIENT, {"iss": iss, "client_id": client_id}))
    return _records(db.session.execute(_PLATFORMS_BY_ISSUER, {"iss": iss}))


def claim_text(value: Any, limit: int = 255) -> str | None:
    """An optional text claim as a bounded string (platforms send numbers, lists, nothing…)."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value)[:limit] or None


def platform_records_with_stored(body: dict[str, Any]) -> tuple[list[PlatformRecord], StoredRows]:
    """``platform_records(iss)`` of a launch's (not yet verified) claims, with the stored course,
    services and link they name. Only read here; used once the signature has proven the claims."""
    context = body.get(CLAIM + "context")
    link = body.get(CLAIM + "resource_link")
    rows = db.session.execute(
        _PLATFORMS_WITH_STORED,
        {
            "iss": body["iss"],
            "deployment_id": claim_text(body.get(CLAIM + "deployment_id")),
            "context_id": claim_text(context.get("id")) if isinstance(context, dict) else None,
            "link_id": claim_text(link.get("id")) if isinstance(link, dict) else None,
        },
    ).all()
    first = rows[0] if rows else None
    if first is None or first.course_id is None:
        return _records(rows), NOTHING_STORED
    return _records(rows), StoredRows(
        course=StoredCourse(first.course_id, first.course_title, first.course_label),
        services=None
        if first.services_platform_id is None
        else StoredServices(first.services_platform_id, first.lineitems_url, first.ags_scopes, first.memberships_url),
        link=None
        if first.link_id is None
        else StoredLink(
            LinkState(first.link_id, first.course_id, first.target, first.lineitem_url, first.graded, first.resource),
            first.link_title,
        ),
    )


class DbToolConf(ToolConfAbstract):
    """Registrations from the ``lti_platform`` table; one issuer may hold several client ids."""

    def __init__(self, keystore):
        super().__init__()
        self.keystore = keystore

    def check_iss_has_one_client(self, iss):
        return False

    def check_iss_has_many_clients(self, iss):
        return True

    def registration(self, platform: PlatformRecord) -> Registration:
        key = self.keystore.current()
        return (
            Registration()
            .set_issuer(platform.issuer)
            .set_client_id(platform.client_id)
            .set_auth_login_url(platform.auth_login_url)
            .set_auth_token_url(platform.auth_token_url)
            .set_auth_audience(platform.auth_audience)  # type: ignore[arg-type]  # pylti1p3 types it str; None is its default
            .set_key_set_url(platform.key_set_url)
            .set_tool_private_key(key.private_pem)
        )

    @staticmethod
    def platform(iss: str, client_id: str | None) -> PlatformRecord | None:
        """The one registration that matches; None when there is none or it is ambiguous."""
        records = platform_records(iss, client_id)
        return records[0] if len(records) == 1 else None

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        platform = self.platform(iss, None)
        return self.registration(platform) if platform else None

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = self.platform(iss, client_id)
        return self.registration(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        platform = self.platform(iss, client_id)
        if platform and isinstance(deployment_id, str) and deployment_id in platform.deployment_ids:
            return LtiDeployment().set_deployment_id(deployment_id)
        return None


class PartitionedCookieService(FlaskCookieService):
    """State cookies that survive a cross-site iframe whose browser blocks third-party cookies.

    ``Partitioned`` (CHIPS) cookies are kept per top-level site. Browsers treat http://localhost
    as a secure context, so the development set-up works with ``Secure`` too.
    """

    def update_response(self, response):
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(
                key,
                data["value"],
                max_age=data["exp"],
                path="/lti/",
                secure=True,
                httponly=True,
                samesite="None",
                partitioned=True,
            )


def begin_login(tool_conf: DbToolConf, launch_url: str):
    """Handle an OIDC third-party-initiated login: remember state and nonce, go to the platform.

    Returns ``(auth_url, cookie_service)``; the caller redirects and lets the cookie service
    add the state cookie to the response.
    """
    params = request.values
    for required in ("iss", "login_hint", "target_link_uri"):
        if not params.get(required):
            raise LaunchError("login_missing_param", param=required)
    iss, client_id = params["iss"], params.get("client_id")
    platform = tool_conf.platform(iss, client_id)
    if platform is None:
        if db.session.scalar(db.select(Platform.id).where(Platform.issuer == iss).limit(1)):
            raise LaunchError("login_unknown_client", client_id=client_id or "")
        raise LaunchError("login_unknown_issuer", issuer=iss)
    if not platform.approved:
        raise LaunchError("platform_pending", issuer=iss)
    deployment_id = params.get("lti_deployment_id")
    if deployment_id and deployment_id not in platform.deployment_ids:
        raise LaunchError("login_unknown_deployment", deployment_id=deployment_id)

    nonce = secrets.token_urlsafe(24)
    token = _state_serializer().dumps({"n": nonce, "p": platform.id})
    state = LoginState(token, nonce, platform.id)
    cookies = PartitionedCookieService(FlaskRequest(session={}))
    cookies.set_cookie(state.cookie_name[len(STATE_COOKIE_PREFIX) :], state.digest, LOGIN_STATE_SECONDS)
    auth = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": launch_url,
        "state": token,
        "nonce": nonce,
        "login_hint": params["login_hint"],
    }
    if params.get("lti_message_hint"):
        auth["lti_message_hint"] = params["lti_message_hint"]
    sep = "&" if "?" in platform.auth_login_url else "?"
    return platform.auth_login_url + sep + urlencode(auth), cookies


def _b64json(segment: str) -> dict:
    padded = segment + "=" * (-len(segment) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


class ToolMessageLaunch(FlaskMessageLaunch):
    """A launch validated in a safe order, every failure mapped to a precise ``LaunchError``."""

    def __init__(self, tool_conf: DbToolConf, key_cache, **kwargs):
        kwargs.setdefault("service_connector_cls", FlaskServiceConnector)
        kwargs.setdefault("requests_session", key_cache.http)
        super().__init__(
            FlaskRequest(session={}),
            tool_conf,
            cookie_service=PartitionedCookieService(FlaskRequest(session={})),
            **kwargs,
        )
        self._key_cache = key_cache
        self._platform: PlatformRecord | None = None
        self.stored = NOTHING_STORED
        self.login_state: LoginState | None = None

    # The order matters: nothing is consumed before the signature is proven, and the browser
    # binding comes last, so ``CookiesBlocked`` means every other check has passed (the new-window
    # handoff relies on it).
    def validate(self):
        self._validated = True
        try:
            self.validate_jwt_format()
            self.validate_registration()
            self.validate_jwt_signature()
            self.validate_state()
            self.validate_nonce()
            self.validate_deployment()
            self.validate_message()
            self.validate_state_cookie()
        except LtiException as exc:  # anything the library still raises is a bad message
            self._validated = False
            raise LaunchError("malformed_jwt") from exc
        except Exception:
            self._validated = False
            raise
        return self

    def validate_jwt_format(self):
        token = self._get_request_param("id_token")
        if not token:
            raise LaunchError("missing_id_token")
        parts = token.split(".")
        if len(parts) != 3:
            raise LaunchError("malformed_jwt")
        try:
            self._jwt = {"header": _b64json(parts[0]), "body": _b64json(parts[1])}
        except (ValueError, UnicodeDecodeError):
            raise LaunchError("malformed_jwt") from None
        header = self._jwt["header"]
        if header.get("alg") != "RS256":
            raise LaunchError("bad_alg", alg=str(header.get("alg")))
        if not header.get("kid"):
            raise LaunchError("missing_kid")
        if not isinstance(header["kid"], str):  # an object or list would reach the key lookup
            raise LaunchError("bad_kid")
        # No column stores a NUL (PostgreSQL refuses it): a claim with one is refused whole.
        claim = next(
            (name for name, value in self._jwt["body"].items() if contains_nul(name) or contains_nul(value)), None
        )
        if claim is not None:
            raise LaunchError("nul_in_claim", claim=claim.replace("\x00", "\\0")[:100])
        return self

    def validate_registration(self):
        body = self._jwt["body"]
        iss = body.get("iss")
        if not iss or not isinstance(iss, str):
            raise LaunchError("missing_iss")
        aud = body.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        candidates, self.stored = platform_records_with_stored(body)
        if not candidates:
            raise LaunchError("unknown_issuer", issuer=iss)
        azp = body.get("azp")
        if azp is not None and azp not in auds:
            raise LaunchError("wrong_azp")
        if len(auds) > 1 and azp is None:
            raise LaunchError("wrong_azp")
        wanted = azp if azp is not None else auds[0]
        platform = next((p for p in candidates if p.client_id == wanted), None)
        if platform is None:
            raise LaunchError("wrong_aud")
        # Before the signature check: a pending platform's keys are not even fetched.
        if not platform.approved:
            raise LaunchError("platform_pending", issuer=iss)
        self._platform = platform
        self._registration = self._tool_config.registration(platform)
        return self

    def validate_jwt_signature(self):
        platform = self._platform
        try:
            public_key = self._key_cache.public_key(platform.key_set_url, self._jwt["header"]["kid"])
            jwt.decode(
                self._get_request_param("id_token"),
                public_key,
                algorithms=["RS256"],
                audience=platform.client_id,
                issuer=platform.issuer,
                leeway=current_app.config["LTI_CLOCK_LEEWAY_SECONDS"],
                options={"require": ["exp", "iat"]},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise LaunchError("missing_exp" if exc.claim == "exp" else "missing_iat") from exc
        except jwt.ExpiredSignatureError as exc:
            raise LaunchError("expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise LaunchError("not_yet_valid") from exc
        except jwt.InvalidAudienceError as exc:
            raise LaunchError("wrong_aud") from exc
        except jwt.exceptions.InvalidSubjectError as exc:  # e.g. a number where OIDC requires a string
            raise LaunchError("bad_claim", claim="sub") from exc
        except (jwt.InvalidTokenError, jwt.PyJWKError, ValueError) as exc:
            raise LaunchError("bad_signature") from exc
        return self

    def validate_state(self):
        token = self._get_request_param("state")
        if not token:
            raise LaunchError("missing_state")
        state = read_login_state(token)
        if state.platform_id != self._platform.id:
            raise LaunchError("state_expired")
        self.login_state = state
        return self

    def validate_state_cookie(self):
        """The browser that began the login must be the one completing it."""
        state = self.login_state
        cookie = request.cookies.get(state.cookie_name)
        if cookie is None:
            raise CookiesBlocked()
        if cookie != state.digest:
            raise LaunchError("state_mismatch")
        return self

    def validate_nonce(self):
        nonce = self._jwt["body"].get("nonce")
        if not nonce or nonce != self.login_state.nonce:
            raise LaunchError("nonce_mismatch")
        # Of two posts of one id_token, on any worker, only one insert succeeds.
        inserted = db.session.execute(
            insert_new(UsedNonce, ("nonce",), returning="nonce"),
            {"nonce": nonce, "expires_at": utcnow() + timedelta(seconds=LOGIN_STATE_SECONDS)},
        ).scalar()
        if inserted is None:
            raise LaunchError("nonce_replayed")
        return self

    def validate_deployment(self):
        deployment_id = self._jwt["body"].get(CLAIM + "deployment_id")
        if not deployment_id:
            raise LaunchError("missing_deployment")
        if not isinstance(deployment_id, str) or deployment_id not in self._platform.deployment_ids:
            raise LaunchError("unknown_deployment", deployment_id=str(deployment_id))
        return self

    def validate_message(self):
        body = self._jwt["body"]
        message_type = body.get(CLAIM + "message_type")
        if not message_type:
            raise LaunchError("missing_message_type")
        if message_type not in MESSAGE_TYPES:
            raise LaunchError("unknown_message_type", message_type=str(message_type))
        if body.get(CLAIM + "version") != "1.3.0":
            raise LaunchError("bad_version", version=str(body.get(CLAIM + "version")))
        if not isinstance(body.get(CLAIM + "roles"), list):
            raise LaunchError("missing_roles")
        if message_type == "LtiResourceLinkRequest":
            link = body.get(CLAIM + "resource_link")
            if not isinstance(link, dict) or not link.get("id"):
                raise LaunchError("missing_resource_link")
        if message_type == "LtiDeepLinkingRequest":
            settings = body.get(DL_CLAIM + "deep_linking_settings")
            if not isinstance(settings, dict) or not str(settings.get("deep_link_return_url") or "").startswith(
                ("https://", "http://")
            ):
                raise LaunchError("missing_deep_linking_settings")
            types = settings.get("accept_types")
            if not isinstance(types, list) or "ltiResourceLink" not in types:
                raise LaunchError("deep_linking_no_links")
        if not body.get("sub"):
            raise LaunchError("missing_sub")
        return super().validate_message()

    @property
    def platform(self) -> PlatformRecord | None:
        """None until validation finds the registration (a refused launch may have none)."""
        return self._platform

    @property
    def claims(self) -> dict[str, Any]:
        return cast(dict[str, Any], self._jwt["body"])  # pylti1p3 types it as a TypedDict of the known claims


class CookiesBlocked(Exception):
    """The state cookie did not come back: the browser refused even a partitioned cookie.

    Raised only after everything else about the launch is verified and its nonce consumed.
    """

    def __init__(self) -> None:
        super().__init__("state cookie missing")


def purge_used_nonces() -> int:
    """Forget nonces whose logins have expired anyway (their states no longer verify)."""
    return rowcount(db.session.execute(db.delete(UsedNonce).where(UsedNonce.expires_at < utcnow())))
