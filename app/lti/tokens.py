"""OAuth2 access tokens for a platform's services (client credentials with a signed JWT).

Tokens are cached per (issuer, client id, scopes) in the database, so every worker and process
shares one token until it expires, and in each process's memory to spare the database a read
per request. pylti1p3's own cache is keyed by issuer and scopes only, which would hand one
registration's token to another registration of the same platform.
"""

import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
import requests
from flask import has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.core.clock import utcnow
from app.core.db import db, insert

from . import outbound
from .models import AccessToken, Platform
from .outbound import OutboundRefused, excerpt, fetch, platform_origins

log = logging.getLogger(__name__)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
EXPIRY_MARGIN = timedelta(seconds=30)  # never use a token that may expire in flight


# Why a service call failed, in words for administrators (stored as a code with its parameters
# and rendered in the reader's language). The platform's own words never appear here: they are
# remote text, kept as a short excerpt in the logs only. Refusals of ``outbound.fetch`` use its
# codes (``outbound.REASONS``), except that "unreachable" says which service.
REASONS = {
    "platform_pending": _l(
        "The platform's registration waits for the tool operator's approval (flask lti platform "
        "approve); nothing is sent to it until then."
    ),
    "token_unreachable": _l("The platform's token endpoint could not be reached (%(error)s)."),
    "token_refused": _l("The platform refused an access token (%(status)s)."),
    "token_malformed": _l("The platform's token answer is not the JSON OAuth2 requires."),
    "scope_not_granted": _l(
        "The platform did not grant the scope %(scope)s; enable the service for this tool in "
        "the platform's tool settings."
    ),
    "no_gradebook": _l(
        "The course has not been launched with gradebook services yet; the score waits for a "
        "launch that announces them."
    ),
    "line_item_gone": _l("The platform no longer has the grade column (404); it will be created again."),
    "score_refused": _l("The platform refused the score (%(status)s)."),
    "line_item_search_refused": _l("The platform refused the search for the grade column (%(status)s)."),
    "line_item_creation_refused": _l("The platform refused to create the grade column (%(status)s)."),
    "placement_gone": _l(
        "The platform no longer has this activity's grade column (404): place the activity again, "
        "or switch its mentoring score off."
    ),
    "score_malformed": _l(
        "The platform's answer to the score is not what AGS promises (%(problem)s); the score is sent again later."
    ),
    "line_item_search_malformed": _l(
        "The platform's answer to the search for the grade column is not what AGS promises "
        "(%(problem)s); it is tried again later."
    ),
    "line_item_creation_malformed": _l(
        "The platform's answer to the creation of the grade column is not what AGS promises "
        "(%(problem)s); it is tried again later."
    ),
    "line_item_pending": _l("Another delivery worker is creating the grade column; the score follows shortly."),
    "delivery_crashed": _l("The delivery of this score failed unexpectedly (%(error)s); it is tried again later."),
    "already_held": _l("The platform already held this score or a later one (409)."),
    "roster_unreachable": _l("The platform's roster could not be read (%(error)s)."),
    "roster_refused": _l("The platform refused the roster (%(status)s)."),
    "roster_malformed": _l("The platform's roster is not a membership container."),
    "no_roster": _l("The course has not been launched with the roster service; launch it from the platform first."),
    "roster_busy": _l("The roster is being read from the platform right now; try again in a moment."),
}


def describe(code: str, params: dict | None = None) -> str:
    """A reason in the reader's language; in English outside a request (logs, commands)."""
    message = REASONS.get(code)
    if message is None:
        return outbound.describe(code, params)
    if not has_request_context():
        with force_locale("en"):
            return str(message) % params if params else str(message)
    return str(message) % params if params else str(message)


def stored_reason(value: str | None) -> str:
    """An outbox row's stored reason (``{"code": …, "params": …}``) in words; nothing for
    anything else (it could only be remote text)."""
    if not value:
        return ""
    try:
        data = json.loads(value)
        return describe(data["code"], data.get("params"))
    except (ValueError, KeyError, TypeError):
        return ""


class ServiceError(Exception):
    """A service call failed. ``code`` picks the reason (``REASONS``), ``status`` is the HTTP
    status (None for a network error), ``retryable`` says whether trying later may help.
    A ``reason`` parameter (the platform's own words) is dropped: remote text is neither
    stored nor shown; the code that received it logs an excerpt."""

    def __init__(
        self, code: str, status: int | None = None, retryable: bool = True, retry_after: float | None = None, **params
    ):
        super().__init__(code)
        params.pop("reason", None)
        self.code = code
        self.params = {"status": status, **params} if status is not None else params
        self.status, self.retryable, self.retry_after = status, retryable, retry_after

    @classmethod
    def refused(cls, refusal: OutboundRefused, unreachable: str = "unreachable") -> "ServiceError":
        """The service error for a request ``outbound.fetch`` refused or could not finish;
        ``unreachable`` names the service when the platform could not be reached."""
        code = unreachable if refusal.code == "unreachable" else refusal.code
        return cls(code, retryable=refusal.retryable, **refusal.params)

    def __str__(self) -> str:
        return describe(self.code, self.params)

    def stored(self) -> str:
        return json.dumps({"code": self.code, "params": self.params}, ensure_ascii=False)


def assertion_audience(token_url: str, audience: str | None) -> str:
    """Where the client assertion is valid: the stored token URL, or a stored audience on the
    same origin. Never another site: an assertion valid there could be replayed there to buy a
    token for this tool's client id."""
    own = outbound.origin(token_url)
    if audience and "@" not in audience and own and outbound.origin(audience) == own:
        return audience
    return token_url


@dataclass(frozen=True)
class Token:
    value: str
    granted: frozenset
    expires_at: datetime  # naive UTC


class TokenService:
    def __init__(self, keystore, http: requests.Session | None = None):
        self.keystore = keystore
        self.http = http or outbound.session()  # shared by the service calls (connection reuse)
        self.requests_made = 0  # token requests this process sent (benchmarks report it)
        self._memory: dict[tuple, Token] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(platform: Platform, scopes) -> tuple:
        return (platform.issuer, platform.client_id, " ".join(sorted(set(scopes))))

    def token(self, platform: Platform, scopes, stale: str | None = None) -> Token:
        """A valid token for ``scopes``. ``stale``: a token the platform refused (401); any
        other cached token is used if there is one, else a new one is requested."""
        # The one place every service call gets its token: a pending platform gets none.
        if platform.approved_at is None:
            raise ServiceError("platform_pending")
        key = self._key(platform, scopes)
        now = utcnow()
        cached = self._memory.get(key)
        if cached and cached.value != stale and cached.expires_at - EXPIRY_MARGIN > now:
            return cached
        row = db.session.scalar(db.select(AccessToken).filter_by(issuer=key[0], client_id=key[1], scopes=key[2]))
        if row is not None and row.token != stale and row.expires_at - EXPIRY_MARGIN > now:
            cached = Token(row.token, frozenset(row.granted_scopes.split()), row.expires_at)
        else:
            cached = self._request(platform, key)
        with self._lock:
            self._memory[key] = cached
        return cached

    def _assertion(self, platform: Platform) -> str:
        key = self.keystore.current()
        now = int(time.time())
        claims = {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": assertion_audience(platform.auth_token_url, platform.auth_audience),
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, key.signing_key, algorithm="RS256", headers={"kid": key.kid})

    def _request(self, platform: Platform, key: tuple) -> Token:
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self._assertion(platform),
            "scope": key[2],
        }
        self.requests_made += 1
        try:
            response = fetch(
                "POST", platform.auth_token_url, origins=platform_origins(platform), data=data, session=self.http
            )
        except OutboundRefused as refusal:
            error = ServiceError.refused(refusal, "token_unreachable")
            error.retryable = True  # as for a refused token below: the platform's problem, not the score's
            raise error from refusal
        if response.status_code != 200:
            log.warning(
                "token request refused (%s) by %s: %s", response.status_code, platform.issuer, excerpt(response)
            )
            # A refused token is a registration problem for the whole platform, not for one
            # score: keep the scores and try again later rather than give them up.
            raise ServiceError("token_refused", status=response.status_code, retryable=True)
        try:
            body = response.json()
            value = body["access_token"]
            lifetime = int(body.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError) as exc:
            raise ServiceError("token_malformed") from exc
        # Moodle drops scopes the tool was not granted without an error; the answer says which.
        granted = frozenset(str(body.get("scope") or key[2]).split())
        expires_at = utcnow() + timedelta(seconds=lifetime)
        values = {"token": value, "granted_scopes": " ".join(sorted(granted)), "expires_at": expires_at}
        db.session.execute(
            insert(AccessToken)
            .values(issuer=key[0], client_id=key[1], scopes=key[2], **values)
            .on_conflict_do_update(index_elements=["issuer", "client_id", "scopes"], set_=values)
        )
        db.session.commit()
        return Token(value, granted, expires_at)


def require_scope(token: Token, scope: str) -> None:
    if scope not in token.granted:
        raise ServiceError("scope_not_granted", scope=scope)
