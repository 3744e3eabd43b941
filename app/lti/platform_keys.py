"""Platform public keys (JWKS), fetched over HTTP and cached.

The cache honours Cache-Control (max-age, no-store) and refetches once when a launch names a
kid it does not hold (the platform rotated its keys). It is a per-process cache only: any
worker can rebuild it, so no worker depends on another's memory. Fetches go through
``outbound.fetch`` (no redirects, a total deadline, a size cap).
"""

import logging
import re
import threading
import time

import jwt
import requests

from . import outbound
from .errors import LaunchError
from .outbound import OutboundRefused, fetch

log = logging.getLogger(__name__)

_MAX_AGE = re.compile(r"max-age=(\d+)")
MIN_REFETCH_SECONDS = 5  # an unknown kid cannot make us hammer the platform


class PlatformKeyCache:
    def __init__(self, default_max_age: int = 300, http: requests.Session | None = None):
        self.default_max_age = default_max_age
        # Also handed to pylti1p3, which wants a session; the tool's own fetches use it too.
        self.http = http or outbound.session()
        self._entries: dict[str, tuple[float, float, dict]] = {}
        # Each fetched key parsed once: (url, kid) -> (the JWK as fetched, its public key object).
        self._parsed: dict[tuple[str, str], tuple[dict, object]] = {}
        self._lock = threading.Lock()

    def _fetch(self, url: str, origins) -> dict:
        try:
            response = fetch("GET", url, origins=origins, headers={"Accept": "application/json"}, session=self.http)
        except OutboundRefused as refusal:
            raise LaunchError("jwks_unavailable") from refusal
        try:
            response.raise_for_status()
            keys = {k["kid"]: k for k in response.json()["keys"] if "kid" in k}
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            log.warning(
                "platform keys unusable (%s) at %s: %s",
                response.status_code,
                outbound.origin(url),
                outbound.excerpt(response),
            )
            raise LaunchError("jwks_unavailable") from exc
        cache_control = response.headers.get("Cache-Control", "")
        if "no-store" in cache_control or "no-cache" in cache_control:
            max_age = 0
        else:
            match = _MAX_AGE.search(cache_control)
            max_age = int(match.group(1)) if match else self.default_max_age
        now = time.monotonic()
        with self._lock:
            self._entries[url] = (now + max_age, now, keys)
        return keys

    def key(self, url: str, kid: str, origins=None) -> dict:
        """The key ``kid`` from the JWKS at ``url``. ``origins``: where the platform's keys may
        be fetched from (``outbound.platform_origins``); by default the URL's own origin, since
        the platform's stored key set URL is one of its registered origins."""
        origins = origins if origins is not None else {outbound.origin(url)}
        now = time.monotonic()
        entry = self._entries.get(url)
        if entry is None or entry[0] <= now:
            keys = self._fetch(url, origins)
        else:
            keys = entry[2]
            if kid not in keys and now - entry[1] >= MIN_REFETCH_SECONDS:
                keys = self._fetch(url, origins)
        if kid not in keys:
            raise LaunchError("unknown_kid", kid=kid)
        return keys[kid]

    def public_key(self, url: str, kid: str) -> object:
        """``key``'s RS256 public key object, parsed once per fetched JWK (a refetch that brings a
        new JWK for the kid parses it again). Raises ``jwt.PyJWKError`` for an unusable key."""
        jwk = self.key(url, kid)
        parsed = self._parsed.get((url, kid))
        if parsed is None or parsed[0] is not jwk:
            parsed = (jwk, jwt.PyJWK(jwk, algorithm="RS256").key)
            self._parsed[url, kid] = parsed
        return parsed[1]
