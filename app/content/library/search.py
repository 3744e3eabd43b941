"""Searching modules: case- and accent-insensitive, every word must match, with snippets."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .modules import Module


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
