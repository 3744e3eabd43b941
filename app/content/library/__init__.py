"""The programme's reading material: Markdown modules in ``content/<lang>/<module-id>.md``.

Everything in this package is pure (no Flask, no request): load and validate modules, render them to safe
HTML, resolve and check the links between them, search them, and load the question bank and the
checklists. The web layer passes in what only it knows (how a module id becomes a URL).

``modules`` (vocabulary and data types), ``front_matter`` (reading a module file), ``rendering``,
``search``, ``tools`` (question bank and checklists) and ``check`` (``content check``); the
:class:`Library` here ties them to one content root.

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

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .front_matter import load_module
from .modules import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    MODULE_ID_RE,
    SECTIONS,
    ContentError,
    Module,
    Rendered,
    section_index,
)
from .rendering import render
from .search import SearchHit, search_modules
from .tools import (
    CHECKLISTS_FILE,
    QUESTION_BANK_FILE,
    Checklist,
    QuestionBank,
    load_checklists,
    load_question_bank,
)


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

    def modules(
        self, lang: str = DEFAULT_LANGUAGE, *, section: str | None = None, audience: str | None = None
    ) -> list[Module]:
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

    def sections(
        self, lang: str = DEFAULT_LANGUAGE, audience: str | None = None
    ) -> list[tuple[str, str, list[Module]]]:
        """``[(section_id, section_title, modules)]`` for an index page, empty sections left out."""
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        modules = self.modules(lang, audience=audience)
        return [
            (sid, titles[lang], [m for m in modules if m.section == sid])
            for sid, titles in SECTIONS.items()
            if any(m.section == sid for m in modules)
        ]

    def render(
        self,
        module: Module | str,
        lang: str = DEFAULT_LANGUAGE,
        link_for: Callable[[str, str | None], str] | None = None,
    ) -> Rendered:
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

    def question_bank(self) -> QuestionBank:
        return load_question_bank(self.root / QUESTION_BANK_FILE, self.root)

    def checklists(self) -> dict[str, Checklist]:
        return load_checklists(self.root / CHECKLISTS_FILE, self.root)


def default_root() -> Path:
    """``<repo>/content`` next to the ``app`` package."""
    return Path(__file__).resolve().parents[3] / "content"
