"""Vocabulary (languages, sections, audiences) and the data types of the content library."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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

MODULE_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ContentError(Exception):
    """A file that cannot be loaded. ``problems`` says exactly why."""

    def __init__(self, problems: list[Problem]):
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


def relative_name(path: Path, root: Path | None) -> str:
    """``path`` as problems name it: relative to the content root when under it."""
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.as_posix()
