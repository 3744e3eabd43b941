"""A survey's results as CSV or XLSX for coordinators: exactly what the results page shows under
the k ≥ 5 rule (never single answers, never a slice under 5)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook

from app.core.spreadsheet import safe_cell

from . import rules


def table(
    results: rules.Results,
    questions: Sequence[Mapping[str, Any]],
    locale: str,
    slice_name: Callable[[str, Any], str],
) -> list[list[Any]]:
    """The results as rows: slice, question, answers, average, how many chose 1…5; then free text."""
    rows: list[list[Any]] = [
        [_("Slice"), _("Question"), _("Answers"), _("Average"), "1", "2", "3", "4", "5"],
    ]
    if not results.shown:
        return rows
    texts = {q["id"]: rules.question_text(q, locale) for q in questions}
    slices = [(_("All answers"), results.overall)]
    slices += [(slice_name("role", s.key), s) for s in results.by_role]
    slices += [(slice_name("organisation", s.key), s) for s in results.by_organisation]
    for name, part in slices:
        if part is None:
            continue
        for qid, summary in part.scales.items():
            if summary is not None:
                rows.append([name, texts[qid], summary.count, summary.average, *summary.distribution])
    for qid, values in results.texts.items():
        rows.extend([_("Free text"), texts[qid], value] for value in values)
    return rows


def to_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([safe_cell(v) for v in row] for row in rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")  # the byte-order mark lets Excel read ä and ö


def to_xlsx(rows: list[list[Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "-"
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
