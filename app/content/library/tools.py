"""The question bank and the checklists (TOML: stdlib tomllib, every text in fi, sv and en)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .modules import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    MODULE_ID_RE,
    ContentError,
    Problem,
    relative_name,
)

QUESTION_BANK_FILE = "question-bank.toml"
CHECKLISTS_FILE = "checklists.toml"
QUESTION_PHASES = ("start", "middle", "closing")

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
            q for q in self.questions if (phase is None or q.phase == phase) and (theme is None or theme in q.themes)
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
    file = relative_name(path, root)
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
        item_phase = item.get("phase")
        if item_phase not in phases:
            r.problem(f"{where}: unknown phase {item_phase!r}; expected one of: {', '.join(phases)}", near)
        item_themes = item.get("themes")
        if not isinstance(item_themes, list) or not item_themes:
            r.problem(f"{where}: 'themes' must be a non-empty list", near)
            item_themes = []
        for theme in item_themes:
            if theme not in themes:
                r.problem(f"{where}: unknown theme {theme!r}; expected one of: {', '.join(themes)}", near)
        text = r.localised({k: item.get(k) for k in LANGUAGES}, where, near)
        questions.append(Question(qid, str(item_phase), tuple(str(t) for t in item_themes), text))
    return QuestionBank(phases, themes, tuple(questions)), r.problems


def load_question_bank(path: Path, root: Path | None = None) -> QuestionBank:
    bank, problems = question_bank_problems(path, root)
    if problems:
        raise ContentError(problems)
    return bank


def checklist_problems(
    path: Path, root: Path | None = None, module_ids: Iterable[str] | None = None
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
            items.append(
                ChecklistItem(iid, r.localised(item.get("text"), f"{item_where} text", item_near), hint, minutes)
            )
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
