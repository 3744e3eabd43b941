"""``content check``: every problem in the content, as named checks over the whole content root."""

from __future__ import annotations

import re
from pathlib import Path

from .front_matter import load_module
from .modules import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    MODULE_ID_RE,
    ContentError,
    Module,
    Problem,
    Rendered,
    relative_name,
)
from .rendering import render
from .tools import (
    CHECKLISTS_FILE,
    QUESTION_BANK_FILE,
    checklist_problems,
    question_bank_problems,
)

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
            problems.append(
                Problem(
                    file,
                    lineno,
                    'admonition without a title shows the English word "Note"; write e.g. !!! note "Muista"',
                )
            )
        heading = re.match(r"^(#{1,6})\s+\S", line)
        if heading:
            level = len(heading.group(1))
            if level == 1:
                problems.append(
                    Problem(
                        file, lineno, "level-1 heading in the body: the title comes from the front matter, start at ##"
                    )
                )
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
    if not root.is_dir():
        return [Problem(str(root), None, "content root does not exist")]
    problems = check_language_folders(root)
    modules, files, module_problems = load_modules(root)
    problems += module_problems
    problems += check_translations(root, modules, files)
    problems += check_links(root, modules, files)
    problems += check_tools(root, set(files[DEFAULT_LANGUAGE]))
    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.message))


Modules = dict[str, dict[str, Module]]  # lang -> file stem -> module (the files that load)
Files = dict[str, dict[str, Path]]  # lang -> file stem -> path (every module file)


def check_language_folders(root: Path) -> list[Problem]:
    """No folders other than the languages' (hidden ones aside)."""
    return [
        Problem(entry.name, None, f"unknown language folder; expected one of: {', '.join(LANGUAGES)}")
        for entry in sorted(root.iterdir())
        if entry.is_dir() and entry.name not in LANGUAGES and not entry.name.startswith(".")
    ]


def load_modules(root: Path) -> tuple[Modules, Files, list[Problem]]:
    """Every module file of every language, loaded and checked on its own (name, id, source)."""
    problems: list[Problem] = []
    modules: Modules = {lang: {} for lang in LANGUAGES}
    files: Files = {lang: {} for lang in LANGUAGES}
    for lang in LANGUAGES:
        folder = root / lang
        if not folder.is_dir():
            problems.append(Problem(lang, None, "language folder is missing"))
            continue
        ids_seen: dict[str, str] = {}
        for path in sorted(folder.iterdir()):
            file = relative_name(path, root)
            if path.name.startswith("."):
                continue
            if not path.is_file() or path.suffix != ".md":
                problems.append(
                    Problem(file, None, "unexpected file: a language folder holds only <module-id>.md files")
                )
                continue
            files[lang][path.stem] = path
            if not MODULE_ID_RE.match(path.stem):
                problems.append(
                    Problem(
                        file,
                        None,
                        "file name is not a valid module id (lowercase a-z, digits and single hyphens, then .md)",
                    )
                )
            try:
                module = load_module(path, lang, root)
            except ContentError as exc:
                problems.extend(exc.problems)
                continue
            id_line = _front_matter_line(path, "id")
            if module.id != path.stem:
                problems.append(
                    Problem(
                        file,
                        id_line,
                        f"id '{module.id}' does not match the file name '{path.name}' (expected id '{path.stem}')",
                    )
                )
            if module.id in ids_seen:
                problems.append(
                    Problem(file, id_line, f"duplicate id '{module.id}': also used by {ids_seen[module.id]}")
                )
            else:
                ids_seen[module.id] = file
            if not module.body.strip():
                problems.append(Problem(file, module.body_line, "the body is empty"))
                continue
            problems.extend(_source_checks(module, file))
            modules[lang][path.stem] = module
    return modules, files, problems


def check_translations(root: Path, modules: Modules, files: Files) -> list[Problem]:
    """Every translation present, with a Finnish original, and placed like it."""
    problems: list[Problem] = []
    fi_files = files[DEFAULT_LANGUAGE]
    for lang in LANGUAGES:
        if lang == DEFAULT_LANGUAGE:
            continue
        for stem in sorted(fi_files):
            if stem not in files[lang]:
                problems.append(
                    Problem(f"{lang}/{stem}.md", None, f"missing translation of {DEFAULT_LANGUAGE}/{stem}.md")
                )
        for stem in sorted(files[lang]):
            if stem not in fi_files:
                problems.append(
                    Problem(
                        f"{lang}/{stem}.md",
                        None,
                        f"no Finnish original {DEFAULT_LANGUAGE}/{stem}.md for this translation",
                    )
                )
        for stem, module in modules[lang].items():
            original = modules[DEFAULT_LANGUAGE].get(stem)
            if original is None:
                continue
            for key in ("section", "audience", "order"):
                mine, theirs = getattr(module, key), getattr(original, key)
                if mine != theirs:
                    problems.append(
                        Problem(
                            relative_name(module.path, root),
                            _front_matter_line(module.path, key),
                            f"{key} {_shown(mine)} differs from {DEFAULT_LANGUAGE}/{stem}.md ({_shown(theirs)})",
                        )
                    )
    return problems


def check_links(root: Path, modules: Modules, files: Files) -> list[Problem]:
    """Every internal link resolves to a module, and its anchor to a heading there."""
    problems: list[Problem] = []
    rendered = {lang: {stem: render(m) for stem, m in modules[lang].items()} for lang in LANGUAGES}
    for lang in LANGUAGES:
        for stem, module in modules[lang].items():
            file = relative_name(module.path, root)
            for link in rendered[lang][stem].links:
                line = _line_of_href(module, link.href)
                if link.kind == "disallowed":
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"link {link.href!r} is not allowed: only http, https and internal links "
                            "(module-id or module-id#anchor)",
                        )
                    )
                elif link.kind == "relative":
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"link {link.href!r} is not a module id; write internal links as module-id or "
                            "module-id#anchor",
                        )
                    )
                elif link.kind == "anchor":
                    if link.anchor not in rendered[lang][stem].anchors:
                        problems.append(
                            Problem(
                                file,
                                line,
                                f"anchor '#{link.anchor}' is not a heading on this page; headings here: "
                                f"{_anchor_list(rendered[lang][stem])}",
                            )
                        )
                elif link.kind == "module":
                    target_lang = lang if link.module_id in files[lang] else DEFAULT_LANGUAGE
                    if link.module_id not in files[target_lang]:
                        problems.append(Problem(file, line, f"link to unknown module '{link.module_id}'"))
                        continue
                    target = rendered[target_lang].get(link.module_id)
                    if target is None:
                        continue  # that file is broken and reported on its own
                    if link.anchor and link.anchor not in target.anchors:
                        problems.append(
                            Problem(
                                file,
                                line,
                                f"anchor '#{link.anchor}' not found in {target_lang}/{link.module_id}.md; headings "
                                f"there: {_anchor_list(target)}",
                            )
                        )
    return problems


def check_tools(root: Path, module_ids: set[str]) -> list[Problem]:
    """The question bank and the checklists (whose modules must exist)."""
    _, bank_problems = question_bank_problems(root / QUESTION_BANK_FILE, root)
    _, checklist_probs = checklist_problems(root / CHECKLISTS_FILE, root, module_ids)
    return bank_problems + checklist_probs


def _anchor_list(rendered: Rendered) -> str:
    return ", ".join(sorted(rendered.anchors)) or "(none)"


def _shown(value: object) -> str:
    """A front-matter value as the problem text shows it (lists in brackets)."""
    return "[" + ", ".join(value) + "]" if isinstance(value, tuple) else str(value)


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
