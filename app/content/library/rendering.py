"""Markdown to safe HTML: table of contents, anchors, links between modules, plain text for search."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

from app.core.text import slugify

from .front_matter import clear_module_cache
from .modules import Link, Module, Rendered, TocEntry

_INTERNAL_HREF_RE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)(?:#([A-Za-z0-9_-]+))?$")

# Sentinel prefix that marks an internal link between rendering (cached) and link resolution
# (per call, because link_for comes from the web layer). A relative URL, so the sanitiser keeps it.
_MODULE_HREF_PREFIX = "__module__/"
_MODULE_HREF_RE = re.compile(r'href="__module__/([a-z0-9-]+)(?:#([A-Za-z0-9_-]+))?"')


ALLOWED_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "div",
}
ALLOWED_ATTRIBUTES = {
    **{f"h{n}": {"id"} for n in range(1, 7)},
    "a": {"href"},
    "th": {"scope"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {
    "div": {"admonition", "note", "tip", "hint", "important", "warning", "caution", "danger"},
    "p": {"admonition-title"},
}
URL_SCHEMES = {"http", "https"}


def default_link_for(module_id: str, anchor: str | None) -> str:
    """Relative link to a sibling module page (``<base>/<module-id>#anchor``)."""
    return module_id + (f"#{anchor}" if anchor else "")


def classify_href(href: str) -> Link:
    href = href.strip()
    if href.startswith("#"):
        return Link(href, "anchor", anchor=href[1:])
    match = _INTERNAL_HREF_RE.match(href)
    if match:
        return Link(href, "module", module_id=match.group(1), anchor=match.group(2))
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", href)
    if scheme:
        kind = "external" if scheme.group(1).lower() in URL_SCHEMES else "disallowed"
        return Link(href, kind)
    if href.startswith("//"):
        return Link(href, "disallowed")
    return Link(href, "relative")


class _LinkTreeprocessor(Treeprocessor):
    """Collect links; mark internal ones for resolution; drop hrefs with a bad scheme."""

    def __init__(self, md, sink: list[Link]):
        super().__init__(md)
        self.sink = sink

    def run(self, root):
        for element in root.iter("a"):
            href = element.get("href", "")
            link = classify_href(href)
            self.sink.append(link)
            if link.kind == "module":
                element.set("href", _MODULE_HREF_PREFIX + href.strip())
            elif link.kind == "disallowed":
                del element.attrib["href"]
        for element in root.iter("th"):
            if element.get("scope") is None:
                element.set("scope", "col")


def _markdown(links: list[Link]) -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=["tables", "toc", "admonition"],
        extension_configs={"toc": {"slugify": slugify, "separator": "-"}},
        output_format="html",
    )
    # Raw HTML in content is shown as text, never passed through (the sanitiser is a second wall).
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_LinkTreeprocessor(md, links), "content_links", 1)
    return md


def sanitise(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
    )


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "div", "pre", "blockquote", "br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())


@dataclass(frozen=True)
class _Base:
    html: str  # sanitised, internal links still as sentinels
    toc: tuple[TocEntry, ...]
    anchors: frozenset[str]
    links: tuple[Link, ...]
    text: str


def _flatten_toc(tokens) -> Iterable[TocEntry]:
    for token in tokens:
        yield TocEntry(token["level"], token["id"], html.unescape(token["name"]))
        yield from _flatten_toc(token.get("children", []))


def render_markdown(source: str) -> _Base:
    links: list[Link] = []
    md = _markdown(links)
    raw = md.convert(source)
    clean = sanitise(raw)
    toc = tuple(_flatten_toc(md.toc_tokens))  # type: ignore[attr-defined]  # set by the toc extension; the stubs omit it
    return _Base(
        html=clean,
        toc=toc,
        anchors=frozenset(entry.id for entry in toc),
        links=tuple(links),
        text=html_to_text(clean),
    )


_lock = threading.Lock()
_render_cache: dict[Path, tuple[tuple[int, int], _Base]] = {}


def _render_base(module: Module) -> _Base:
    key = (module.mtime_ns, len(module.body))
    with _lock:
        cached = _render_cache.get(module.path)
    if cached and cached[0] == key:
        return cached[1]
    base = render_markdown(module.body)
    with _lock:
        _render_cache[module.path] = (key, base)
    return base


def render(module: Module, link_for: Callable[[str, str | None], str] | None = None) -> Rendered:
    """Render ``module`` to sanitised HTML. Cached by (path, mtime); ``link_for(module_id,
    anchor)`` turns an internal link into a URL (default: a relative ``module-id#anchor``)."""
    base = _render_base(module)
    resolve = link_for or default_link_for

    def substitute(match: re.Match) -> str:
        return 'href="' + html.escape(resolve(match.group(1), match.group(2)), quote=True) + '"'

    return Rendered(
        html=_MODULE_HREF_RE.sub(substitute, base.html),
        toc=base.toc,
        anchors=base.anchors,
        links=base.links,
        text=base.text,
    )


def clear_caches() -> None:
    clear_module_cache()
    with _lock:
        _render_cache.clear()
