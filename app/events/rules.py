"""Pure rules for programme events: the attendance score, and reading a meeting platform's
attendance report.

``attendance_score(attended, held)``: the "Programme events" gradebook column counts the events a
participant attended of those held so far; complete once they have attended every one.

Teams, Zoom and the like export attendance as CSV (or tab-separated, sometimes UTF-16, with a
summary block above the participant list). We look for the e-mail addresses only:

* the delimiter (tab, semicolon or comma) is the one found on most lines;
* a header row naming an e-mail column ("Email", "E-mail", "Sähköposti", "E-post", …) picks that
  column; without one, the first cell of each row that looks like an address is used;
* a row without a valid address is *malformed* and reported with its line number (blank lines and
  the report's own headers or summary lines before the header are skipped);
* an address seen twice is applied once (reported as a duplicate, not an error);
* matching against participants is case-insensitive and ignores surrounding spaces.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
EMAIL_HEADERS = (
    "email",
    "e-mail",
    "e-mail address",
    "email address",
    "sähköposti",
    "sähköpostiosoite",
    "e-post",
    "e-postadress",
    "mail",
    "user email",
)
MAX_ROWS = 5000


def attendance_score(attended: int, held: int) -> tuple[int, int, str]:
    """(score given, score maximum, activity progress) for the gradebook."""
    attended = max(0, min(attended, held))
    return attended, held, "Completed" if attended >= held else "InProgress"


class ReportError(ValueError):
    """A file that cannot be read as an attendance report at all."""


@dataclass(frozen=True)
class Row:
    line: int
    text: str


@dataclass
class ParsedReport:
    emails: dict[str, int] = field(default_factory=dict)  # normalised address → first line
    malformed: list[Row] = field(default_factory=list)
    duplicates: list[Row] = field(default_factory=list)


@dataclass
class MatchedReport:
    matched: dict[int, str]  # user id → address
    unknown: list[Row]
    malformed: list[Row]
    duplicates: list[Row]


def decode(data: bytes) -> str:
    """Bytes of an uploaded report → text (UTF-8 with or without BOM, UTF-16 as Teams writes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as error:  # pragma: no cover - cp1252 decodes almost anything
            raise ReportError("not text") from error


def normalise_email(value: str) -> str:
    return value.strip().strip("<>").strip().lower()


def _delimiter(text: str) -> str:
    """The candidate found on the most lines (Python's csv.Sniffer gives up on reports whose
    summary lines have a different shape from the participant rows)."""
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    return max(("\t", ";", ","), key=lambda d: sum(1 for line in lines if d in line))


def parse_report(text: str) -> ParsedReport:
    if "\x00" in text:
        raise ReportError("binary")
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    except csv.Error as error:  # e.g. a cell over the csv module's field limit (128 KiB)
        raise ReportError("unreadable") from error
    if len(rows) > MAX_ROWS:
        raise ReportError("too many rows")
    report = ParsedReport()
    column: int | None = None
    header_seen = False
    for number, cells in enumerate(rows, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        lowered = [c.lower() for c in cells]
        if not header_seen:
            found = next((i for i, c in enumerate(lowered) if c in EMAIL_HEADERS), None)
            if found is not None:
                column, header_seen = found, True
                report.malformed.clear()  # lines above the header were the report's summary
                continue
        if column is not None:
            candidate = cells[column] if column < len(cells) else ""
        else:
            candidate = next((c for c in cells if "@" in c), "")
        address = normalise_email(candidate)
        row = Row(number, ", ".join(c for c in cells if c)[:200])
        if not EMAIL_RE.match(address):
            report.malformed.append(row)
        elif address in report.emails:
            report.duplicates.append(row)
        else:
            report.emails[address] = number
    return report


def match_report(report: ParsedReport, people: dict[str, int]) -> MatchedReport:
    """``people``: normalised e-mail → user id of the programme's participants."""
    matched: dict[int, str] = {}
    unknown: list[Row] = []
    for address, line in report.emails.items():
        user_id = people.get(address)
        if user_id is None:
            unknown.append(Row(line, address))
        else:
            matched[user_id] = address
    return MatchedReport(matched, unknown, list(report.malformed), list(report.duplicates))
