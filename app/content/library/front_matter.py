"""Reading a module file: its small, strict front matter, then the body (cached by path and mtime)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from .modules import (
    AUDIENCES,
    MODULE_ID_RE,
    SECTIONS,
    ContentError,
    Module,
    Problem,
    relative_name,
)

REQUIRED_KEYS = ("id", "title", "section", "order", "audience", "reading_minutes")
OPTIONAL_KEYS = ("summary",)
ALLOWED_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS

_KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:(?:\s+(.*))?$")


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
            problems.append(
                Problem(file, lineno, f"duplicate front matter key '{key}' (first on line {fields[key][1]})")
            )
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
            problems.append(
                Problem(file, line, f"unknown front matter key '{key}'; allowed keys: {', '.join(ALLOWED_KEYS)}")
            )
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
        problems.append(
            Problem(
                file,
                fields["id"][1],
                f"id {values['id']!r} is not a valid module id (lowercase a-z, digits and single hyphens)",
            )
        )
    if values.get("section") and values["section"] not in SECTIONS:
        problems.append(
            Problem(
                file,
                fields["section"][1],
                f"unknown section {values['section']!r}; expected one of: {', '.join(SECTIONS)}",
            )
        )
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
                problems.append(
                    Problem(file, line, f"unknown audience {item!r}; expected one of: {', '.join(AUDIENCES)}")
                )
        if "all" in audience and len(audience) > 1:
            problems.append(Problem(file, line, "audience 'all' cannot be combined with other audiences"))
        if len(set(audience)) != len(audience):
            problems.append(Problem(file, line, "an audience is listed twice"))
        values["audience"] = tuple(a for a in audience if a)
    return values, problems


_lock = threading.Lock()
_module_cache: dict[Path, tuple[tuple[int, int], Module | ContentError]] = {}


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return (st.st_mtime_ns, st.st_size)


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


def _load_module_uncached(path: Path, lang: str, root: Path | None, stamp) -> Module | ContentError:
    file = relative_name(path, root)
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


def clear_module_cache() -> None:
    with _lock:
        _module_cache.clear()
