"""Outbound HTTP under the tool's control: where a request may go, how long it may take and how
much of the answer is read.

Every request the tool sends to a platform (JWKS, token, roster, gradebook, registration) goes
through ``fetch``:

- the URL is parsed with ``urlsplit``; it carries no userinfo, is https in production (plain
  http only to a loopback host in development) and is on one of the origins the platform
  registered (``platform_origins``);
- in production a host that resolves to a loopback, private, link-local or reserved address is
  refused, and the address actually connected to is checked again (a name that changes its
  answer between the check and the connection gains nothing);
- a redirect is refused, never followed;
- one deadline covers connecting, the headers and the whole body: a watchdog shuts the socket
  down when it passes, so a server that trickles bytes cannot hold a worker;
- the body is read in chunks and refused past a size cap.

Every refusal or failure raises ``OutboundRefused`` with a reason code (``REASONS``, shown to
users in their language). Remote bodies are never shown to users; ``excerpt`` makes a short,
single-line one for logs.
"""

import ipaddress
import logging
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import requests
from flask import current_app, has_app_context, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..config import PRODUCTION
from .rules import platform_url_problem

log = logging.getLogger(__name__)

DEFAULT_DEADLINE = 10.0  # seconds, for the whole exchange
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
CHUNK = 64 * 1024

REASONS = {
    "bad_url": _l("The platform's service address is not a valid web address."),
    "userinfo": _l("The platform's service address contains a user name or password, which the tool refuses."),
    "not_https": _l("The platform's service address is not an https:// address."),
    "foreign_origin": _l("The service address is not on the platform's own site, so the tool does not call it."),
    "private_address": _l(
        "The platform's service address leads to a local or private network address, which the tool does not call."
    ),
    "redirect": _l("The platform answered with a redirect (%(status)s), which the tool does not follow."),
    "too_slow": _l("The platform did not answer within %(seconds)s seconds."),
    "too_large": _l("The platform's answer is larger than the tool accepts (%(limit)s bytes)."),
    "unreachable": _l("The platform could not be reached (%(error)s)."),
}
# Refusals of the address itself: asking again later gives the same answer.
FINAL = frozenset({"bad_url", "userinfo", "not_https", "foreign_origin", "private_address"})


class OutboundRefused(Exception):
    """An outbound request the tool refused to send or to finish. ``code`` picks the reason
    (``REASONS``), ``params`` fill it in; ``retryable`` says whether trying later may help."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params
        self.retryable = code not in FINAL

    def __str__(self) -> str:
        return describe(self.code, self.params)


def describe(code: str, params: dict | None = None) -> str:
    """A reason in the reader's language; in English outside a request (logs, commands)."""
    message = REASONS.get(code)
    if message is None:
        return code
    if not has_request_context():
        with force_locale("en"):
            return str(message) % params if params else str(message)
    return str(message) % params if params else str(message)


def excerpt(body, limit: int = 200) -> str:
    """The start of a remote answer (a response, bytes or text) on one line, for logs only."""
    if isinstance(body, requests.Response):
        body = body.content
    if isinstance(body, bytes):
        body = body[: limit * 4].decode("utf-8", "replace")
    text = " ".join("".join(c if c.isprintable() else " " for c in str(body or "")).split())
    return text[:limit] + ("…" if len(text) > limit else "")


# --- where a request may go ---


def origin(url) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL (lower-case, default port left out), or None."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except (TypeError, ValueError, AttributeError):
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def platform_origins(platform) -> frozenset[str]:
    """The origins of a platform's issuer, login, token and JWKS URLs as stored at registration
    (a ``Platform`` row or anything with those attributes)."""
    urls = (platform.issuer, platform.auth_login_url, platform.auth_token_url, platform.key_set_url)
    return frozenset(o for o in map(origin, urls) if o)


def production() -> bool:
    """Whether the current app runs with APP_ENV=production (outside an app: assume it does)."""
    return not has_app_context() or current_app.config["APP_ENV"] == PRODUCTION


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is not part of the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global is False for loopback, private, link-local, reserved and unspecified addresses.
    return ip.is_global and not ip.is_multicast


def check_url(url, origins, *, production: bool, resolve: bool = True, deadline: float = DEFAULT_DEADLINE) -> str:
    """The URL to send to, as parsed, or ``OutboundRefused``: malformed, userinfo, not https
    (plain http to loopback only in development), not on one of ``origins``, or in production
    a host resolving to a non-public address (``resolve=False`` leaves that to ``fetch``, for a
    URL that is only stored now); the lookup ends at ``deadline`` seconds."""
    # Whitespace, control characters and backslashes are where URL parsers disagree (browsers
    # read "\\" as "/"): a URL with any of them is not one a platform needs to give.
    if not isinstance(url, str) or any(ord(c) <= 32 or ord(c) == 127 or c == "\\" for c in url):
        raise OutboundRefused("bad_url")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise OutboundRefused("bad_url") from None
    if parts.scheme not in ("http", "https") or not host:
        raise OutboundRefused("bad_url")
    if "@" in parts.netloc:
        raise OutboundRefused("userinfo")
    if platform_url_problem(url, PRODUCTION if production else "development"):
        raise OutboundRefused("not_https")
    if origin(url) not in origins:
        raise OutboundRefused("foreign_origin")
    if production and resolve:
        if not all(_public(a) for a in _resolve(host, port or 443, deadline)):
            raise OutboundRefused("private_address")
    return urlunsplit(parts)


def _resolve(host: str, port: int, seconds: float) -> set[str]:
    """The host's addresses, or ``OutboundRefused`` after ``seconds``: the resolver has no
    timeout of its own, and a platform's slow DNS must not hold a worker or a launch."""
    found: list = []

    def lookup() -> None:
        try:
            found.append({str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)})
        except (OSError, UnicodeError) as error:
            found.append(error)

    thread = threading.Thread(target=lookup, daemon=True, name="outbound-dns")
    thread.start()
    thread.join(seconds)
    if not found:
        raise OutboundRefused("unreachable", error="DNS timeout")
    if isinstance(found[0], Exception):
        raise OutboundRefused("unreachable", error="DNS")
    return found[0]


# --- the deadline and the connected address, enforced on the socket ---

_current = threading.local()


class _Guard:
    """One request's watchdog: shuts its socket down at the deadline, wherever the request is
    (connecting, TLS, headers, body), and in production refuses a non-public peer address."""

    def __init__(self, seconds: float, production: bool):
        self.production = production
        self.expired = False
        self._socket = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def attach(self, sock) -> None:
        if self.production:
            try:
                public = _public(sock.getpeername()[0])
            except (OSError, ValueError):
                public = False
            if not public:
                sock.close()
                raise OutboundRefused("private_address")
        with self._lock:
            self._socket = sock
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._socket is not None:
                _shutdown(self._socket)

    def __enter__(self):
        _current.guard = self
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        _current.guard = None


def _shutdown(sock) -> None:
    try:
        # The plain socket's shutdown, also for TLS: it wakes a blocked read in any thread.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _attach(sock) -> None:
    guard = getattr(_current, "guard", None)
    if guard is not None and sock is not None:
        guard.attach(sock)


class _Guarded:
    def _new_conn(self):
        sock = super()._new_conn()
        _attach(sock)
        return sock

    def getresponse(self, *args, **kwargs):
        _attach(self.sock)  # a kept-alive connection is reused without a new socket
        return super().getresponse(*args, **kwargs)


class _HTTPConnection(_Guarded, HTTPConnection):
    pass


class _HTTPSConnection(_Guarded, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def session() -> requests.Session:
    """A session whose connections ``fetch`` can guard. It ignores the environment: no proxy
    (which would hide the address connected to) and no ``.netrc`` credentials."""
    http = requests.Session()
    http.trust_env = False
    http.mount("http://", _Adapter())
    http.mount("https://", _Adapter())
    return http


_shared = None
_shared_lock = threading.Lock()


def _session(http: requests.Session | None) -> requests.Session:
    global _shared
    if http is None:
        with _shared_lock:
            if _shared is None:
                _shared = session()
        return _shared
    if not isinstance(http.get_adapter("https://"), _Adapter):
        raise TypeError("fetch needs a session made by outbound.session()")
    return http


def _config(name: str, default):
    return current_app.config.get(name, default) if has_app_context() else default


def fetch(
    method: str,
    url: str,
    *,
    origins,
    headers: dict | None = None,
    data=None,
    json=None,
    deadline: float | None = None,
    max_bytes: int | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    """Send one request under the rules above and return the response with its body read
    (``.content``, ``.text`` and ``.json()`` work). Any status but a redirect is returned for
    the caller to judge. Raises ``OutboundRefused``."""
    deadline = float(deadline or _config("OUTBOUND_DEADLINE_SECONDS", DEFAULT_DEADLINE))
    max_bytes = int(max_bytes or _config("OUTBOUND_MAX_BYTES", DEFAULT_MAX_BYTES))
    strict = production()
    started = time.monotonic()
    try:
        url = check_url(url, origins, production=strict, deadline=deadline)
    except OutboundRefused as refusal:
        _log_refusal(method, url, refusal)
        raise
    headers = {"Accept-Encoding": "identity", **(headers or {})}  # the cap counts what is sent
    try:
        # One deadline for all of it: what the DNS lookup took is not given again.
        with _Guard(max(deadline - (time.monotonic() - started), 0.001), strict) as guard:
            try:
                response = _session(session).request(
                    method,
                    url,
                    headers=headers,
                    data=data,
                    json=json,
                    stream=True,
                    allow_redirects=False,
                    timeout=(deadline, deadline),
                )
                try:
                    _read(response, max_bytes)
                finally:
                    response.close()
            except requests.RequestException as exc:
                if guard.expired or time.monotonic() - started >= deadline:
                    raise OutboundRefused("too_slow", seconds=_seconds(deadline)) from exc
                raise OutboundRefused("unreachable", error=exc.__class__.__name__) from exc
    except OutboundRefused as refusal:
        _log_refusal(method, url, refusal)
        raise
    return response


def _read(response: requests.Response, max_bytes: int) -> None:
    if response.is_redirect or 300 <= response.status_code < 400:
        raise OutboundRefused("redirect", status=response.status_code)
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise OutboundRefused("too_large", limit=max_bytes)
    body = bytearray()
    for chunk in response.iter_content(CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise OutboundRefused("too_large", limit=max_bytes)
    response._content = bytes(body)  # what requests itself sets when it reads a body


def _seconds(value: float) -> str:
    return f"{value:g}"


def _log_refusal(method: str, url, refusal: OutboundRefused) -> None:
    # The URL without its query: service URLs are not secret, but their queries may one day be.
    try:
        parts = urlsplit(str(url))
        shown = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    except ValueError:
        shown = "(malformed)"
    log.warning("outbound request refused (%s %s): %s %s", refusal.code, refusal.params, method, shown[:300])
