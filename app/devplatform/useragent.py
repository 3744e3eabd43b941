"""A scripted user agent for the development platform's launches, for tests and benchmarks.

It does what a browser does without JavaScript: submits the auto-posting forms of the platform
and of the tool, follows redirects, and keeps cookies per host, including ``Secure`` ones on
http://localhost as browsers do. It speaks HTTP through ``http.client`` directly: a load
generator that spends little CPU leaves the machine's cores to the servers it measures.
"""

import http.client
import ssl
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action", "")
            self.method = (attrs.get("method") or "get").lower()
            self._in_form = True
        elif tag == "input" and self._in_form and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def first_form(html: str) -> tuple[str | None, str, dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.action, parser.method, parser.fields


@dataclass
class Response:
    method: str
    url: str
    status_code: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def is_redirect(self) -> bool:
        return self.status_code in (301, 302, 303, 307, 308) and "Location" in self.headers


@dataclass
class LaunchResult:
    response: Response
    steps: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.response.status_code == 200


class UserAgent:
    def __init__(self, platform_url: str, timeout: float = 30, tls: ssl.SSLContext | None = None):
        """``tls`` verifies https servers (e.g. a tool behind nginx with a test certificate)."""
        self.platform_url = platform_url.rstrip("/")
        self.timeout = timeout
        self.tls = tls
        self.cookies: dict[str, dict[str, str]] = {}

    def _store_cookies(self, host: str, headers: http.client.HTTPMessage) -> None:
        jar = self.cookies.setdefault(host, {})
        for header in headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            lowered = header.lower()
            if "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
                jar.pop(name.strip(), None)
            else:
                jar[name.strip()] = rest.split(";", 1)[0]

    def request(self, method: str, url: str, data: dict | None = None, params: dict | None = None) -> Response:
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        parts = urlsplit(url)
        assert parts.hostname is not None  # the agent is given absolute URLs
        headers = {"Accept": "text/html", "Accept-Language": "fi"}
        jar = self.cookies.get(parts.hostname)
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        body = None
        if data is not None:
            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection: http.client.HTTPConnection = (
            http.client.HTTPSConnection(parts.hostname, parts.port, timeout=self.timeout, context=self.tls)
            if parts.scheme == "https"
            else http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
        )
        try:
            path = parts.path + ("?" + parts.query if parts.query else "")
            connection.request(method, path or "/", body=body, headers=headers)
            raw = connection.getresponse()
            text = raw.read().decode("utf-8", "replace")
        finally:
            connection.close()
        self._store_cookies(parts.hostname, raw.headers)
        return Response(method, url, raw.status, raw.headers, text)

    def follow(self, response: Response, steps: list, limit: int = 10) -> Response:
        """Follow redirects and auto-posting forms until a page that is neither."""
        for _ in range(limit):
            steps.append((response.method, response.url.split("?")[0], response.status_code))
            if response.is_redirect:
                response = self.request("GET", urljoin(response.url, response.headers["Location"]))
                continue
            if response.status_code == 200 and 'method="post"' in response.text and "submit()" in response.text:
                action, method, fields = first_form(response.text)
                response = self.request(method.upper(), urljoin(response.url, action), data=fields)
                continue
            return response
        raise RuntimeError(f"too many steps: {steps}")

    def launch(self, user: str, locale: str | None = None, **params) -> LaunchResult:
        """A full launch as ``user``: platform → tool login → platform auth → tool launch → page."""
        query = {"user": user, **params}
        if locale:
            query["locale"] = locale
        steps: list = []
        first = self.request("GET", self.platform_url + "/launch/init", params=query)
        return LaunchResult(self.follow(first, steps), steps)
