"""The programme's reading material: Markdown modules in ``content/<lang>/<module-id>.md``.

Everything here is pure (no Flask, no request): load and validate modules, render them to safe
HTML, resolve and check the links between them, search them, and load the question bank and the
checklists. The web layer passes in what only it knows (how a module id becomes a URL).

A module file::

    ---
    id: ensimmainen-tapaaminen
    title: Ensimmäinen tapaaminen
    section: onboarding
    order: 60
    # audience is one of all, mentors, aktoris, peers, facilitators, or a list: [mentors, peers]
    audience: all
    reading_minutes: 5
    summary: One sentence for the index (optional).
    ---
    Body in Markdown. Internal links: [text](module-id) or [text](module-id#anchor).

The front matter is a deliberately small, strict ``key: value`` format (no YAML dependency):
one key per line, full-line ``#`` comments, optional matching quotes around a value, and
``[a, b]`` for a list.
"""
from __future__ import annotations

import html
import re
import threading
import tomllib
import unicodedata
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterable

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"  # authoritative and complete; the fallback for a missing translation

#: Sections in display order, with their titles.
SECTIONS: dict[str, dict[str, str]] = {
    "onboarding": {"fi": "Perehdytys", "sv": "Introduktion", "en": "Onboarding"},
    "tips": {
        "fi": "Vinkit ja työkalut vuorovaikutukseen",
        "sv": "Tips och verktyg för växelverkan",
        "en": "Tips and tools for interaction",
    },
    "facilitators": {
        "fi": "Fasilitaattoreille",
        "sv": "För facilitatorer",
        "en": "For facilitators",
    },
}

AUDIENCES: dict[str, dict[str, str]] = {
    "all": {"fi": "Kaikki", "sv": "Alla", "en": "Everyone"},
    "mentors": {"fi": "Mentorit", "sv": "Mentorer", "en": "Mentors"},
    "aktoris": {"fi": "Aktorit", "sv": "Adepter", "en": "Aktoris"},
    "peers": {"fi": "Vertaiset", "sv": "Kamrater", "en": "Peers"},
    "facilitators": {"fi": "Fasilitaattorit", "sv": "Facilitatorer", "en": "Facilitators"},
}

REQUIRED_KEYS = ("id", "title", "section", "order", "audience", "reading_minutes")
OPTIONAL_KEYS = ("summary",)
ALLOWED_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS

MODULE_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_INTERNAL_HREF_RE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)(?:#([A-Za-z0-9_-]+))?$")
_KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:(?:\s+(.*))?$")

QUESTION_BANK_FILE = "question-bank.toml"
CHECKLISTS_FILE = "checklists.toml"
QUESTION_PHASES = ("start", "middle", "closing")

# Sentinel prefix that marks an internal link between rendering (cached) and link resolution
# (per call, because link_for comes from the web layer). A relative URL, so the sanitiser keeps it.
_MODULE_HREF_PREFIX = "__module__/"
_MODULE_HREF_RE = re.compile(r'href="__module__/([a-z0-9-]+)(?:#([A-Za-z0-9_-]+))?"')


class ContentError(Exception):
    """A file that cannot be loaded. ``problems`` says exactly why."""

    def __init__(self, problems: list["Problem"]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content. ``file`` is relative to the content root."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Module:
    id: str
    lang: str  # the language the text is in
    title: str
    section: str
    order: int
    audience: tuple[str, ...]
    reading_minutes: int
    summary: str
    body: str
    path: Path
    body_line: int  # 1-based line number of the body's first line in the file
    mtime_ns: int
    requested_lang: str = ""  # the language asked for; differs from lang for a fallback

    @property
    def fallback(self) -> bool:
        """True when the asked-for translation is missing and this is the Finnish text."""
        return bool(self.requested_lang) and self.requested_lang != self.lang

    def is_for(self, audience: str) -> bool:
        """Meant for ``audience``: written for everyone or for that group specifically."""
        return "all" in self.audience or audience in self.audience

    def sort_key(self) -> tuple[int, int, str]:
        return (section_index(self.section), self.order, self.id)


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    title: str  # plain text


@dataclass(frozen=True)
class Link:
    href: str  # as written in the source
    kind: str  # "module", "anchor" (same page), "external", "relative", "disallowed"
    module_id: str | None = None
    anchor: str | None = None


@dataclass(frozen=True)
class Rendered:
    html: str  # sanitised; internal links resolved with link_for
    toc: tuple[TocEntry, ...]
    anchors: frozenset[str]
    links: tuple[Link, ...]
    text: str  # plain text of the body, whitespace collapsed (for search and snippets)


def section_index(section: str) -> int:
    try:
        return list(SECTIONS).index(section)
    except ValueError:
        return len(SECTIONS)


# --------------------------------------------------------------------------------------------
# Slugs
# --------------------------------------------------------------------------------------------


def slugify(value: str, separator: str = "-") -> str:
    """A stable heading anchor: ``"Äänen käyttö: 1. osa"`` → ``"aanen-kaytto-1-osa"``.

    Letters are folded to their base letter (ä→a, ö→o, å→a, é→e), everything else that is not
    a-z or 0-9 becomes one separator. The same text always gives the same slug, whatever the
    Markdown version; the ``toc`` extension adds ``_1``, ``_2`` to repeated headings.
    """
    folded = unicodedata.normalize("NFKD", value)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    folded = folded.replace("ß", "ss").replace("æ", "ae").replace("ø", "o")
    slug = re.sub(r"[^a-z0-9]+", separator, folded).strip(separator)
    return slug or "section"


# --------------------------------------------------------------------------------------------
# Front matter
# --------------------------------------------------------------------------------------------


def _parse_scalar(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def parse_front_matter(text: str, file: str = "") -> tuple[dict[str, tuple[object, int]], int, list[Problem]]:
    """Split ``text`` into front matter and body.

    Returns ``(fields, body_start, problems)``: ``fields`` maps key → (value, line), a value is
    a ``str`` or, for ``[a, b]``, a ``list[str]``; ``body_start`` is the 0-based index of the
    body's first line. Syntax only; :func:`validate_fields` checks the values.
    """
    lines = text.splitlines()
    problems: list[Problem] = []
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(file, 1, "the file must start with a front matter block: '---' on the first line"))
        return {}, 0, problems
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        problems.append(Problem(file, 1, "the front matter block is not closed: no '---' line after line 1"))
        return {}, len(lines), problems
    fields: dict[str, tuple[object, int]] = {}
    for index in range(1, end):
        lineno = index + 1
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _KEY_RE.match(line)
        if not match:
            problems.append(Problem(file, lineno, f"expected 'key: value' in the front matter, got {line.strip()!r}"))
            continue
        key, raw = match.group(1), (match.group(2) or "").strip()
        if key in fields:
            problems.append(Problem(file, lineno, f"duplicate front matter key '{key}' (first on line {fields[key][1]})"))
            continue
        value: object
        if raw.startswith("["):
            if not raw.endswith("]"):
                problems.append(Problem(file, lineno, f"'{key}': a list must be written [a, b] on one line"))
                continue
            inner = raw[1:-1].strip()
            value = [_parse_scalar(part) for part in inner.split(",")] if inner else []
        else:
            value = _parse_scalar(raw)
        fields[key] = (value, lineno)
    return fields, end + 1, problems


def _int_field(fields, key, file, problems, minimum: int) -> int:
    value, line = fields[key]
    if isinstance(value, list) or not re.fullmatch(r"-?[0-9]+", str(value)):
        problems.append(Problem(file, line, f"'{key}' must be a whole number, got {value!r}"))
        return 0
    number = int(value)
    if number < minimum:
        problems.append(Problem(file, line, f"'{key}' must be at least {minimum}, got {number}"))
    return number


def validate_fields(fields: dict[str, tuple[object, int]], file: str) -> tuple[dict, list[Problem]]:
    """Check keys and values; return the typed values and the problems."""
    problems: list[Problem] = []
    for key, (_, line) in fields.items():
        if key not in ALLOWED_KEYS:
            problems.append(Problem(file, line, f"unknown front matter key '{key}'; allowed keys: {', '.join(ALLOWED_KEYS)}"))
    missing = [key for key in REQUIRED_KEYS if key not in fields]
    for key in missing:
        problems.append(Problem(file, 1, f"missing front matter key '{key}'"))
    values: dict = {}
    for key in ("id", "title", "section", "summary"):
        if key in fields:
            value, line = fields[key]
            if isinstance(value, list):
                problems.append(Problem(file, line, f"'{key}' must be a single value, not a list"))
                value = ""
            values[key] = str(value)
            if key != "summary" and not values[key].strip():
                problems.append(Problem(file, line, f"'{key}' is empty"))
    if values.get("id") and not MODULE_ID_RE.match(values["id"]):
        problems.append(Problem(file, fields["id"][1], f"id {values['id']!r} is not a valid module id (lowercase a-z, digits and single hyphens)"))
    if values.get("section") and values["section"] not in SECTIONS:
        problems.append(Problem(file, fields["section"][1], f"unknown section {values['section']!r}; expected one of: {', '.join(SECTIONS)}"))
    for key, minimum in (("order", 0), ("reading_minutes", 1)):
        if key in fields:
            values[key] = _int_field(fields, key, file, problems, minimum)
    if "audience" in fields:
        value, line = fields["audience"]
        audience = value if isinstance(value, list) else [value]
        audience = [str(a).strip() for a in audience]
        if not audience or not all(audience):
            problems.append(Problem(file, line, "'audience' is empty; use 'all' or a list such as [mentors, aktoris]"))
        for item in audience:
            if item and item not in AUDIENCES:
                problems.append(Problem(file, line, f"unknown audience {item!r}; expected one of: {', '.join(AUDIENCES)}"))
        if "all" in audience and len(audience) > 1:
            problems.append(Problem(file, line, "audience 'all' cannot be combined with other audiences"))
        if len(set(audience)) != len(audience):
            problems.append(Problem(file, line, "an audience is listed twice"))
        values["audience"] = tuple(a for a in audience if a)
    return values, problems


# --------------------------------------------------------------------------------------------
# Loading (cached by path and modification time)
# --------------------------------------------------------------------------------------------

_lock = threading.Lock()
_module_cache: dict[Path, tuple[tuple[int, int], "Module | ContentError"]] = {}
_render_cache: dict[Path, tuple[tuple[int, int], "_Base"]] = {}


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return (st.st_mtime_ns, st.st_size)


def _rel(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def load_module(path: Path, lang: str, root: Path | None = None) -> Module:
    """Load one module file; raise :class:`ContentError` listing every problem in it."""
    path = Path(path)
    stamp = _stamp(path)
    with _lock:
        cached = _module_cache.get(path)
    if cached and cached[0] == stamp:
        result = cached[1]
    else:
        result = _load_module_uncached(path, lang, root, stamp)
        with _lock:
            _module_cache[path] = (stamp, result)
    if isinstance(result, ContentError):
        raise result
    return result


def _load_module_uncached(path: Path, lang: str, root: Path | None, stamp) -> "Module | ContentError":
    file = _rel(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return ContentError([Problem(file, None, f"the file is not valid UTF-8 ({exc.reason} at byte {exc.start})")])
    fields, body_start, problems = parse_front_matter(text, file)
    if problems:
        return ContentError(problems)
    values, problems = validate_fields(fields, file)
    if problems:
        return ContentError(problems)
    body = "\n".join(text.splitlines()[body_start:])
    return Module(
        id=values["id"],
        lang=lang,
        title=values["title"].strip(),
        section=values["section"],
        order=values["order"],
        audience=values["audience"],
        reading_minutes=values["reading_minutes"],
        summary=values.get("summary", "").strip(),
        body=body,
        path=path,
        body_line=body_start + 1,
        mtime_ns=stamp[0],
        requested_lang=lang,
    )


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "a", "em", "strong", "code", "pre", "blockquote", "div",
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
    toc = tuple(_flatten_toc(md.toc_tokens))
    return _Base(
        html=clean,
        toc=toc,
        anchors=frozenset(entry.id for entry in toc),
        links=tuple(links),
        text=html_to_text(clean),
    )


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
    with _lock:
        _module_cache.clear()
        _render_cache.clear()


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Case- and accent-insensitive form for matching, **the same length as ``text``** so that
    positions map back to the original: ``"Äiti ÖLJY"`` → ``"aiti oljy"``."""
    out = []
    for char in text:
        low = char.lower()
        if len(low) != 1:
            low = char
        base = unicodedata.normalize("NFD", low)[0]
        out.append(base if base.isascii() and base.isalnum() else low)
    return "".join(out)


def _term_variants(term: str) -> list[str]:
    """The term, then up to two shorter prefixes for inflected Finnish words
    (``palaute`` → ``palaut`` finds ``palautteen``; ``kysymys`` → ``kysym`` finds ``kysymyksiä``)."""
    variants = [term]
    for cut in (1, 2):
        if len(term) - cut >= 5:
            variants.append(term[:-cut])
    return variants


@dataclass(frozen=True)
class SearchHit:
    module_id: str
    title: str
    lang: str
    fallback: bool
    snippet: str
    highlight: tuple[int, int] | None  # span of the matched word within ``snippet``
    score: int


def _snippet(text: str, start: int, end: int, width: int = 160) -> tuple[str, tuple[int, int] | None]:
    if start < 0:
        cut = text[:width]
        if len(text) > width:
            cut = cut.rsplit(" ", 1)[0] + " …"
        return cut, None
    left = max(0, start - width // 3)
    right = min(len(text), end + width - width // 3)
    if left > 0:
        space = text.find(" ", left)
        left = space + 1 if 0 <= space < start else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space > end else right
    prefix = "… " if left > 0 else ""
    suffix = " …" if right < len(text) else ""
    snippet = prefix + text[left:right] + suffix
    offset = len(prefix) - left
    return snippet, (start + offset, end + offset)


def search_modules(modules: Iterable[tuple[Module, str]], query: str, limit: int = 20) -> list[SearchHit]:
    """Search ``(module, plain_text)`` pairs. Every query word must occur in the title or text
    (case-, accent- and roughly inflection-insensitive); title hits weigh more."""
    modules = list(modules)
    terms = [t for t in re.split(r"[^0-9a-z]+", normalize(query)) if len(t) >= 2]
    if not terms:
        return []
    hits = []
    for module, text in modules:
        norm_title, norm_text = normalize(module.title), normalize(text)
        score = 0
        first: tuple[int, int] | None = None
        for term in terms:
            best, best_position = 0, -1
            for variant in _term_variants(term):  # the best of the word and its shorter stems
                in_title = variant in norm_title
                position = norm_text.find(variant)
                value = (10 if in_title else 0) + min(norm_text.count(variant), 5)
                if value > best:
                    best = value
                    best_position = position
                    best_end = position + len(variant)
            if not best:
                score = 0
                break
            score += best
            if first is None and best_position >= 0:
                first = (best_position, best_end)
        if score:
            start, end = first if first else (-1, -1)
            if start >= 0:  # widen the highlight to the whole word
                while end < len(text) and text[end].isalnum():
                    end += 1
            snippet, span = _snippet(text, start, end)
            hits.append(SearchHit(module.id, module.title, module.lang, module.fallback, snippet, span, score))
    order = {m.id: position for position, (m, _) in enumerate(modules)}
    hits.sort(key=lambda h: (-h.score, order[h.module_id]))
    return hits[:limit]


# --------------------------------------------------------------------------------------------
# The library: one content root
# --------------------------------------------------------------------------------------------


class Library:
    """All modules under ``root`` (``root/<lang>/<module-id>.md``), the question bank and the
    checklists. Cheap to keep for the life of the app: every call sees the files as they are
    now (parsing and rendering are cached by modification time)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    # -- modules ------------------------------------------------------------------------------

    def _paths(self, lang: str) -> dict[str, Path]:
        folder = self.root / lang
        if not folder.is_dir():
            return {}
        return {p.stem: p for p in sorted(folder.glob("*.md")) if p.is_file()}

    def module_ids(self) -> list[str]:
        """Ids of the Finnish (authoritative) modules in display order."""
        return [m.id for m in self.modules(DEFAULT_LANGUAGE)]

    def get(self, module_id: str, lang: str = DEFAULT_LANGUAGE) -> Module | None:
        """The module in ``lang``, or the Finnish one flagged ``fallback`` if that translation
        is missing, or ``None``. Raises :class:`ContentError` for a broken file."""
        if not MODULE_ID_RE.match(module_id or ""):
            return None
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        for candidate in (lang, DEFAULT_LANGUAGE):
            path = self.root / candidate / f"{module_id}.md"
            if path.is_file():
                module = load_module(path, candidate, self.root)
                return replace(module, requested_lang=lang)
        return None

    def modules(self, lang: str = DEFAULT_LANGUAGE, *, section: str | None = None,
                audience: str | None = None) -> list[Module]:
        """Every module in ``lang`` (Finnish fallbacks flagged) in display order: by section,
        then — if ``audience`` is given — that audience's own modules before the general ones,
        then by ``order``. ``audience`` keeps only modules meant for it ("all" or that group).
        Broken files are skipped (``content check`` reports them)."""
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        ids = set(self._paths(DEFAULT_LANGUAGE)) | set(self._paths(lang))
        result = []
        for module_id in ids:
            try:
                module = self.get(module_id, lang)
            except ContentError:
                continue
            if module is None:
                continue
            if section and module.section != section:
                continue
            if audience and not module.is_for(audience):
                continue
            result.append(module)

        def key(m: Module):
            specific = 0 if audience and audience in m.audience else 1
            return (section_index(m.section), specific, m.order, m.id)

        return sorted(result, key=key)

    def sections(self, lang: str = DEFAULT_LANGUAGE, audience: str | None = None) -> list[tuple[str, str, list[Module]]]:
        """``[(section_id, section_title, modules)]`` for an index page, empty sections left out."""
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        modules = self.modules(lang, audience=audience)
        return [
            (sid, titles[lang], [m for m in modules if m.section == sid])
            for sid, titles in SECTIONS.items()
            if any(m.section == sid for m in modules)
        ]

    def render(self, module: Module | str, lang: str = DEFAULT_LANGUAGE,
               link_for: Callable[[str, str | None], str] | None = None) -> Rendered:
        if isinstance(module, str):
            found = self.get(module, lang)
            if found is None:
                raise KeyError(module)
            module = found
        return render(module, link_for)

    # -- search -------------------------------------------------------------------------------

    def search(self, query: str, lang: str = DEFAULT_LANGUAGE, limit: int = 20) -> list[SearchHit]:
        """Modules in ``lang`` whose title or text contains every word of ``query``."""
        pairs = [(m, render(m).text) for m in self.modules(lang)]
        return search_modules(pairs, query, limit)

    # -- tools --------------------------------------------------------------------------------

    def question_bank(self) -> "QuestionBank":
        return load_question_bank(self.root / QUESTION_BANK_FILE, self.root)

    def checklists(self) -> dict[str, "Checklist"]:
        return load_checklists(self.root / CHECKLISTS_FILE, self.root)


# --------------------------------------------------------------------------------------------
# Question bank and checklists (TOML: stdlib tomllib, every text in fi, sv and en)
# --------------------------------------------------------------------------------------------

ITEM_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)?$")


@dataclass(frozen=True)
class Localised:
    fi: str
    sv: str
    en: str

    def get(self, lang: str) -> str:
        return getattr(self, lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class Question:
    id: str
    phase: str
    themes: tuple[str, ...]
    text: Localised


@dataclass(frozen=True)
class QuestionBank:
    phases: dict[str, Localised]  # phase id → label, in display order
    themes: dict[str, Localised]  # theme id → label, in display order
    questions: tuple[Question, ...]

    def filter(self, phase: str | None = None, theme: str | None = None) -> list[Question]:
        return [
            q for q in self.questions
            if (phase is None or q.phase == phase) and (theme is None or theme in q.themes)
        ]

    def get(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class ChecklistItem:
    id: str  # globally unique and stable: "<checklist-id>.<item>"; per-pair ticks use it
    text: Localised
    hint: Localised | None
    minutes: int | None  # suggested time, for agenda items


@dataclass(frozen=True)
class Checklist:
    id: str
    kind: str  # "agenda" or "checklist"
    title: Localised
    intro: Localised
    module: str  # the module that explains it
    items: tuple[ChecklistItem, ...]

    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]


class _Toml:
    """Reads a TOML table strictly, collecting precise problems."""

    def __init__(self, file: str, source: str):
        self.file = file
        self.source = source
        self.problems: list[Problem] = []

    def line_of(self, needle: str) -> int | None:
        for number, line in enumerate(self.source.splitlines(), 1):
            if needle in line:
                return number
        return None

    def problem(self, message: str, near: str | None = None) -> None:
        self.problems.append(Problem(self.file, self.line_of(near) if near else None, message))

    def keys(self, table: dict, where: str, required: Iterable[str], optional: Iterable[str] = (), near=None) -> None:
        required, optional = tuple(required), tuple(optional)
        for key in required:
            if key not in table:
                self.problem(f"{where}: missing key '{key}'", near)
        for key in table:
            if key not in required and key not in optional:
                self.problem(f"{where}: unknown key '{key}'; allowed: {', '.join(required + optional)}", near)

    def localised(self, value, where: str, near=None) -> Localised:
        if not isinstance(value, dict):
            self.problem(f"{where}: expected a table with fi, sv and en texts", near)
            return Localised("", "", "")
        texts = {}
        for lang in LANGUAGES:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.problem(f"{where}: missing or empty {lang} text", near)
                text = ""
            texts[lang] = " ".join(text.split())
        for key in value:
            if key not in LANGUAGES:
                self.problem(f"{where}: unknown language '{key}'; expected {', '.join(LANGUAGES)}", near)
        return Localised(**texts)


def _read_toml(path: Path, root: Path | None) -> tuple[dict, _Toml]:
    file = _rel(path, root)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        reader = _Toml(file, "")
        reader.problem("file is missing")
        return {}, reader
    reader = _Toml(file, source)
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has the position only in its text: "... (at line 3, column 7)".
        position = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = getattr(exc, "lineno", None) or (int(position.group(1)) if position else None)
        reader.problems.append(Problem(file, line, f"not valid TOML: {exc}"))
        return {}, reader
    return data, reader


def _labels(reader: _Toml, data: dict, key: str) -> dict[str, Localised]:
    table = data.get(key)
    if not isinstance(table, dict) or not table:
        reader.problem(f"missing or empty table [{key}]")
        return {}
    return {name: reader.localised(value, f"{key}.{name}", f"[{key}.{name}]") for name, value in table.items()}


def question_bank_problems(path: Path, root: Path | None = None) -> tuple[QuestionBank, list[Problem]]:
    data, r = _read_toml(path, root)
    if r.problems:
        return QuestionBank({}, {}, ()), r.problems
    r.keys(data, "top level", ("phases", "themes", "questions"))
    phases = _labels(r, data, "phases")
    themes = _labels(r, data, "themes")
    for phase in phases:
        if phase not in QUESTION_PHASES:
            r.problem(f"unknown phase '{phase}'; expected one of: {', '.join(QUESTION_PHASES)}", f"[phases.{phase}]")
    questions: list[Question] = []
    seen: dict[str, int] = {}
    raw = data.get("questions", [])
    if not isinstance(raw, list) or not raw:
        r.problem("no questions: add [[questions]] tables")
        raw = []
    for index, item in enumerate(raw, 1):
        qid = item.get("id") if isinstance(item, dict) else None
        where = f"question {qid!r}" if isinstance(qid, str) else f"question #{index}"
        near = f'"{qid}"' if isinstance(qid, str) else None
        if not isinstance(item, dict):
            r.problem(f"{where}: expected a table")
            continue
        r.keys(item, where, ("id", "phase", "themes", "fi", "sv", "en"), near=near)
        if not isinstance(qid, str) or not ITEM_ID_RE.match(qid):
            r.problem(f"{where}: id must be lowercase a-z, digits and hyphens", near)
            qid = qid if isinstance(qid, str) else f"#{index}"
        if qid in seen:
            r.problem(f"duplicate question id '{qid}' (also question #{seen[qid]})", near)
        seen.setdefault(qid, index)
        phase = item.get("phase")
        if phase not in phases:
            r.problem(f"{where}: unknown phase {phase!r}; expected one of: {', '.join(phases)}", near)
        item_themes = item.get("themes")
        if not isinstance(item_themes, list) or not item_themes:
            r.problem(f"{where}: 'themes' must be a non-empty list", near)
            item_themes = []
        for theme in item_themes:
            if theme not in themes:
                r.problem(f"{where}: unknown theme {theme!r}; expected one of: {', '.join(themes)}", near)
        text = r.localised({k: item.get(k) for k in LANGUAGES}, where, near)
        questions.append(Question(qid, str(phase), tuple(str(t) for t in item_themes), text))
    return QuestionBank(phases, themes, tuple(questions)), r.problems


def load_question_bank(path: Path, root: Path | None = None) -> QuestionBank:
    bank, problems = question_bank_problems(path, root)
    if problems:
        raise ContentError(problems)
    return bank


def checklist_problems(path: Path, root: Path | None = None, module_ids: Iterable[str] | None = None
                       ) -> tuple[dict[str, Checklist], list[Problem]]:
    data, r = _read_toml(path, root)
    if r.problems:
        return {}, r.problems
    r.keys(data, "top level", ("checklists",))
    tables = data.get("checklists")
    if not isinstance(tables, dict) or not tables:
        r.problem("missing or empty table [checklists]")
        return {}, r.problems
    known_modules = set(module_ids) if module_ids is not None else None
    result: dict[str, Checklist] = {}
    seen_items: dict[str, str] = {}
    for cid, table in tables.items():
        near = f"[checklists.{cid}]"
        where = f"checklist '{cid}'"
        if not MODULE_ID_RE.match(cid):
            r.problem(f"{where}: id must be lowercase a-z, digits and hyphens", near)
        if not isinstance(table, dict):
            r.problem(f"{where}: expected a table", near)
            continue
        r.keys(table, where, ("kind", "title", "intro", "module", "items"), near=near)
        kind = table.get("kind")
        if kind not in ("agenda", "checklist"):
            r.problem(f"{where}: kind must be 'agenda' or 'checklist', got {kind!r}", near)
        module = table.get("module", "")
        if known_modules is not None and module not in known_modules:
            r.problem(f"{where}: module {module!r} does not exist", near)
        items = []
        raw_items = table.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            r.problem(f"{where}: no items", near)
            raw_items = []
        for index, item in enumerate(raw_items, 1):
            iid = item.get("id") if isinstance(item, dict) else None
            item_where = f"{where} item {iid!r}" if isinstance(iid, str) else f"{where} item #{index}"
            item_near = f'"{iid}"' if isinstance(iid, str) else near
            if not isinstance(item, dict):
                r.problem(f"{item_where}: expected a table", near)
                continue
            r.keys(item, item_where, ("id", "text"), ("hint", "minutes"), near=item_near)
            if not isinstance(iid, str) or not ITEM_ID_RE.match(iid) or not iid.startswith(cid + "."):
                r.problem(f"{item_where}: id must look like '{cid}.<item>' (lowercase a-z, digits, hyphens)", item_near)
                iid = iid if isinstance(iid, str) else f"{cid}.#{index}"
            if iid in seen_items:
                r.problem(f"duplicate checklist item id '{iid}' (also in checklist '{seen_items[iid]}')", item_near)
            seen_items.setdefault(iid, cid)
            minutes = item.get("minutes")
            if minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1):
                r.problem(f"{item_where}: minutes must be a positive whole number", item_near)
                minutes = None
            if kind == "agenda" and minutes is None:
                r.problem(f"{item_where}: an agenda item needs 'minutes'", item_near)
            hint = r.localised(item["hint"], f"{item_where} hint", item_near) if "hint" in item else None
            items.append(ChecklistItem(iid, r.localised(item.get("text"), f"{item_where} text", item_near), hint, minutes))
        result[cid] = Checklist(
            id=cid,
            kind=str(kind),
            title=r.localised(table.get("title"), f"{where} title", near),
            intro=r.localised(table.get("intro"), f"{where} intro", near),
            module=str(module),
            items=tuple(items),
        )
    return result, r.problems


def load_checklists(path: Path, root: Path | None = None) -> dict[str, Checklist]:
    checklists, problems = checklist_problems(path, root)
    if problems:
        raise ContentError(problems)
    return checklists


# --------------------------------------------------------------------------------------------
# check_content
# --------------------------------------------------------------------------------------------

_RAW_HTML_RE = re.compile(r"<(/?[A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^>]*>")
_UNTITLED_ADMONITION_RE = re.compile(r"^!!!\s+[\w-]+\s*$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def _source_checks(module: Module, file: str) -> list[Problem]:
    """Checks on the Markdown source itself, with line numbers."""
    problems = []
    in_fence = False
    previous_level = 1  # the page title (from front matter) is the h1
    for offset, line in enumerate(module.body.splitlines()):
        lineno = module.body_line + offset
        if _FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        outside_code = re.sub(r"`[^`]*`", "", line)
        tag = _RAW_HTML_RE.search(outside_code)
        if tag:
            problems.append(Problem(file, lineno, f"raw HTML is not allowed and is shown as text: {tag.group(0)!r}"))
        if _UNTITLED_ADMONITION_RE.match(line.strip()):
            problems.append(Problem(file, lineno, 'admonition without a title shows the English word "Note"; write e.g. !!! note "Muista"'))
        heading = re.match(r"^(#{1,6})\s+\S", line)
        if heading:
            level = len(heading.group(1))
            if level == 1:
                problems.append(Problem(file, lineno, "level-1 heading in the body: the title comes from the front matter, start at ##"))
            elif level > previous_level + 1:
                problems.append(Problem(file, lineno, f"heading level jumps from h{previous_level} to h{level}"))
            previous_level = level
    return problems


def _line_of_href(module: Module, href: str) -> int | None:
    for offset, line in enumerate(module.body.splitlines()):
        if f"]({href}" in line or f"]( {href}" in line:
            return module.body_line + offset
    return None


def check_content(root: Path | str) -> list[Problem]:
    """Every problem in the content under ``root``, sorted by file and line. Empty means good."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        return [Problem(str(root), None, "content root does not exist")]

    for entry in sorted(root.iterdir()):
        if entry.is_dir() and entry.name not in LANGUAGES and not entry.name.startswith("."):
            problems.append(Problem(entry.name, None, f"unknown language folder; expected one of: {', '.join(LANGUAGES)}"))

    modules: dict[str, dict[str, Module]] = {lang: {} for lang in LANGUAGES}
    files: dict[str, dict[str, Path]] = {lang: {} for lang in LANGUAGES}
    for lang in LANGUAGES:
        folder = root / lang
        if not folder.is_dir():
            problems.append(Problem(lang, None, "language folder is missing"))
            continue
        ids_seen: dict[str, str] = {}
        for path in sorted(folder.iterdir()):
            file = _rel(path, root)
            if path.name.startswith("."):
                continue
            if not path.is_file() or path.suffix != ".md":
                problems.append(Problem(file, None, "unexpected file: a language folder holds only <module-id>.md files"))
                continue
            files[lang][path.stem] = path
            if not MODULE_ID_RE.match(path.stem):
                problems.append(Problem(file, None, "file name is not a valid module id (lowercase a-z, digits and single hyphens, then .md)"))
            try:
                module = load_module(path, lang, root)
            except ContentError as exc:
                problems.extend(exc.problems)
                continue
            id_line = _front_matter_line(path, "id")
            if module.id != path.stem:
                problems.append(Problem(file, id_line, f"id '{module.id}' does not match the file name '{path.name}' (expected id '{path.stem}')"))
            if module.id in ids_seen:
                problems.append(Problem(file, id_line, f"duplicate id '{module.id}': also used by {ids_seen[module.id]}"))
            else:
                ids_seen[module.id] = file
            if not module.body.strip():
                problems.append(Problem(file, module.body_line, "the body is empty"))
                continue
            problems.extend(_source_checks(module, file))
            modules[lang][path.stem] = module

    # Translations: present, and placed like the Finnish original.
    fi_files = files[DEFAULT_LANGUAGE]
    for lang in LANGUAGES:
        if lang == DEFAULT_LANGUAGE:
            continue
        for stem in sorted(fi_files):
            if stem not in files[lang]:
                problems.append(Problem(f"{lang}/{stem}.md", None, f"missing translation of {DEFAULT_LANGUAGE}/{stem}.md"))
        for stem in sorted(files[lang]):
            if stem not in fi_files:
                problems.append(Problem(f"{lang}/{stem}.md", None, f"no Finnish original {DEFAULT_LANGUAGE}/{stem}.md for this translation"))
        for stem, module in modules[lang].items():
            original = modules[DEFAULT_LANGUAGE].get(stem)
            if original is None:
                continue
            for key in ("section", "audience", "order"):
                mine, theirs = getattr(module, key), getattr(original, key)
                if mine != theirs:
                    show = (lambda v: "[" + ", ".join(v) + "]" if isinstance(v, tuple) else str(v))
                    problems.append(Problem(
                        _rel(module.path, root), _front_matter_line(module.path, key),
                        f"{key} {show(mine)} differs from {DEFAULT_LANGUAGE}/{stem}.md ({show(theirs)})",
                    ))

    # Links: every internal link resolves to a module, and its anchor to a heading there.
    rendered = {lang: {stem: render(m) for stem, m in modules[lang].items()} for lang in LANGUAGES}
    for lang in LANGUAGES:
        for stem, module in modules[lang].items():
            file = _rel(module.path, root)
            for link in rendered[lang][stem].links:
                line = _line_of_href(module, link.href)
                if link.kind == "disallowed":
                    problems.append(Problem(file, line, f"link {link.href!r} is not allowed: only http, https and internal links (module-id or module-id#anchor)"))
                elif link.kind == "relative":
                    problems.append(Problem(file, line, f"link {link.href!r} is not a module id; write internal links as module-id or module-id#anchor"))
                elif link.kind == "anchor":
                    if link.anchor not in rendered[lang][stem].anchors:
                        problems.append(Problem(file, line, f"anchor '#{link.anchor}' is not a heading on this page; headings here: {_anchor_list(rendered[lang][stem])}"))
                elif link.kind == "module":
                    target_lang = lang if link.module_id in files[lang] else DEFAULT_LANGUAGE
                    if link.module_id not in files[target_lang]:
                        problems.append(Problem(file, line, f"link to unknown module '{link.module_id}'"))
                        continue
                    target = rendered[target_lang].get(link.module_id)
                    if target is None:
                        continue  # that file is broken and reported on its own
                    if link.anchor and link.anchor not in target.anchors:
                        problems.append(Problem(
                            file, line,
                            f"anchor '#{link.anchor}' not found in {target_lang}/{link.module_id}.md; headings there: {_anchor_list(target)}",
                        ))

    # Tools.
    known = set(fi_files)
    _, bank_problems = question_bank_problems(root / QUESTION_BANK_FILE, root)
    problems.extend(bank_problems)
    _, checklist_probs = checklist_problems(root / CHECKLISTS_FILE, root, known)
    problems.extend(checklist_probs)

    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.message))


def _anchor_list(rendered: Rendered) -> str:
    return ", ".join(sorted(rendered.anchors)) or "(none)"


def _front_matter_line(path: Path, key: str) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(lines[1:], 2):
        if line.strip() == "---":
            break
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return None


def summary_counts(root: Path | str) -> dict[str, int]:
    """Module count per language (for ``content check``'s success line)."""
    root = Path(root)
    return {lang: len(list((root / lang).glob("*.md"))) if (root / lang).is_dir() else 0 for lang in LANGUAGES}


def default_root() -> Path:
    """``<repo>/content`` next to the ``app`` package."""
    return Path(__file__).resolve().parents[2] / "content"


__all__ = [
    "AUDIENCES", "DEFAULT_LANGUAGE", "LANGUAGES", "QUESTION_PHASES", "SECTIONS",
    "Checklist", "ChecklistItem", "ContentError", "Library", "Link", "Localised", "Module",
    "Problem", "Question", "QuestionBank", "Rendered", "SearchHit", "TocEntry",
    "check_content", "classify_href", "clear_caches", "default_link_for", "default_root",
    "load_checklists", "load_module", "load_question_bank", "normalize", "parse_front_matter",
    "render", "render_markdown", "sanitise", "search_modules", "slugify", "summary_counts",
    "validate_fields",
]
