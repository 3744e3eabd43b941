"""Walk every page a launched viewer can reach by following links, and read each page's forms
the way a browser submits them."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from tests.support.web import Viewer

# Not pages: files, feeds and the static folder.
SKIP_PREFIXES = ("/static/", "/calendar/feed/")
SKIP_SUFFIXES = (".csv", ".xlsx", ".json", ".ics")


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def submission(self) -> tuple[str, list[tuple[str, str]]]:
        """The path and query a browser sends for a GET form: the action's own query string
        is dropped and replaced by the form's fields."""
        return urlsplit(self.action).path, self.fields


class PageParser(HTMLParser):
    """Links and forms, with the values a browser submits for an untouched form (checked boxes,
    each select's selected or first option, text fields and hidden fields)."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: str | None = None
        self.title = ""
        self.title_tags: list[str] = []  # markup inside <title>, which a browser shows as text
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._in_title:
            self.title_tags.append(tag)
        if tag == "title":
            self._in_title = True
        form = self.forms[-1] if self.forms else None
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self.forms.append(Form(attrs.get("action") or "", (attrs.get("method") or "get").lower()))
        elif form is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            form.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and attrs.get("name"):
            self._select = (attrs["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select[1].append(value)
            if "selected" in attrs:
                self._select[2].append(value)
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            form.fields.append((attrs["name"], ""))

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._textarea is not None and self.forms:
            name, value = self.forms[-1].fields[-1]
            self.forms[-1].fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag == "select" and self._select is not None:
            name, options, selected = self._select
            chosen = selected[:1] or options[:1]
            self.forms[-1].fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def _key(href: str) -> str | None:
    """The page a link names, without its session token and fragment; None if not a page."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
        return None
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "s")
    return parts.path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")


def walk(viewer: Viewer, start: str = "/home", limit: int = 500) -> dict[str, PageParser]:
    """Every HTML page reachable from ``start`` by links, by its path and query."""
    pages: dict[str, PageParser] = {}
    queue = [start]
    while queue and len(pages) < limit:
        key = queue.pop(0)
        if key in pages:
            continue
        parts = urlsplit(key)
        response = viewer.client.get(parts.path, query_string=[*parse_qsl(parts.query), ("s", viewer.token)])
        assert response.status_code < 500, (key, response.status_code)
        if not response.mimetype == "text/html" or response.status_code != 200:
            continue
        page = parse(response.get_data(as_text=True))
        pages[key] = page
        queue.extend(k for k in map(_key, page.links) if k and k not in pages)
    assert len(pages) < limit, "the walk did not end: a link keeps making new pages"
    return pages
