"""A scripted user agent for the development platform's launches, for tests and benchmarks.

It does what a browser does without JavaScript: submits the auto-posting forms of the platform
and of the tool, follows redirects, and keeps cookies per host, including ``Secure`` ones on
http://localhost as browsers do (``requests`` would drop those).
"""
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests


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
class LaunchResult:
    response: requests.Response
    steps: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.response.status_code == 200


class UserAgent:
    def __init__(self, platform_url: str, http: requests.Session | None = None):
        self.platform_url = platform_url.rstrip("/")
        self.http = http or requests.Session()
        self.cookies: dict[str, dict[str, str]] = {}

    def _store_cookies(self, response: requests.Response) -> None:
        host = urlsplit(response.url).hostname
        for header in response.raw.headers.getlist("Set-Cookie") if response.raw else []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            jar = self.cookies.setdefault(host, {})
            if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
                jar.pop(name.strip(), None)
            else:
                jar[name.strip()] = value

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        host = urlsplit(url).hostname
        response = self.http.request(
            method, url, cookies=self.cookies.get(host, {}), allow_redirects=False, timeout=30, **kwargs
        )
        self._store_cookies(response)
        return response

    def follow(self, response: requests.Response, steps: list, limit: int = 10) -> requests.Response:
        """Follow redirects and auto-posting forms until a page that is neither."""
        for _ in range(limit):
            steps.append((response.request.method, response.url.split("?")[0], response.status_code))
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
