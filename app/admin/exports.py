"""The completion report as files for HR: CSV (UTF-8 with a byte-order mark so Excel reads the
letters ä and ö right; ``;`` for Finnish Excel) and XLSX with one sheet per organisation.

Only the report's columns go out: never journal text, agreement text or anything about what
was discussed in a meeting.
"""

import csv
import io
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.core.spreadsheet import safe_cell

from . import rules
from .report import ParticipantRow

ROLE_LABELS = {"mentor": _l("mentor"), "aktori": _l("aktori"), "peer": _l("peer"), "any": _l("role open")}
FORM_LABELS = {
    "traditional": _l("traditional"),
    "reverse": _l("reverse"),
    "group": _l("group"),
    "peer": _l("peer mentoring"),
}
# Whether a person was matched, in words: sounding out is a state of its own, not yet a yes.
MATCH_LABELS = {"matched": _l("yes"), "sounding_out": _l("sounding out"), "unmatched": _l("no")}
SEPARATORS = {"comma": ",", "semicolon": ";"}


def match_state(row: ParticipantRow) -> str:
    """The key of ``MATCH_LABELS`` for the row."""
    if row.sounding_out:
        return "sounding_out"
    return "matched" if row.matched else "unmatched"


def headers() -> list[str]:
    return [
        _("Organisation code"),
        _("Organisation"),
        _("Name"),
        _("E-mail"),
        _("Role"),
        _("Form of mentoring"),
        _("Matched"),
        _("Agreement accepted"),
        _("Counted meetings"),
        _("Required meetings"),
        _("Completed"),
        _("Events attended"),
    ]


class _Words:
    """The export's words in the current language, looked up once rather than per row
    (a gettext call per cell would dominate a 10,000-row export)."""

    def __init__(self, organisations: dict, locale: str):
        self.yes, self.no = _("yes"), _("no")
        # Keyed by the row's value, which may be None (the row's own value is then shown).
        self.roles: dict[str | None, str] = {k: str(v) for k, v in ROLE_LABELS.items()}
        self.forms: dict[str | None, str] = {k: str(v) for k, v in FORM_LABELS.items()}
        self.organisations = {org_id: (o.code, o.name(locale)) for org_id, o in organisations.items()}
        self.no_organisation = ("", _("(no organisation)"))
        self.match = {k: str(v) for k, v in MATCH_LABELS.items()}

    def row(self, row: ParticipantRow, required: int) -> list:
        code, name = self.organisations.get(row.organisation_id, self.no_organisation)
        return [
            code,
            name,
            row.name,
            row.email,
            self.roles.get(row.role, row.role),
            self.forms.get(row.form, row.form or ""),
            self.match[match_state(row)],
            self.yes if row.agreement_accepted else self.no,
            row.counted,
            required,
            self.yes if row.completed else self.no,
            row.events_attended,
        ]


def to_csv(rows: list[ParticipantRow], organisations: dict, required: int, locale: str, separator: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(headers())
    words = _Words(organisations, locale)
    safe = safe_cell
    writer.writerows([safe(v) for v in words.row(row, required)] for row in rows)
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def _sheet_title(organisation, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = organisation.code if organisation else _("No organisation")
    base = "".join(c for c in base if c not in "[]:*?/\\")[:31] or "-"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def to_xlsx(rows: list[ParticipantRow], organisations: dict, summaries: dict, required: int, locale: str) -> bytes:
    """A summary sheet, then one sheet per organisation with its participants."""
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    used = {summary.title.lower()}
    summary.append(
        [
            _("Organisation code"),
            _("Organisation"),
            _("Registered"),
            _("Matched"),
            _("Agreements accepted"),
            _("Median of counted meetings"),
            _("Completed"),
            _("Events attended"),
        ]
    )
    for org_id, s in summaries.items():
        organisation = organisations.get(org_id)
        summary.append(
            [
                safe_cell(v)
                for v in (
                    organisation.code if organisation else "",
                    organisation.name(locale) if organisation else _("(no organisation)"),
                    s.registered,
                    s.matched,
                    s.agreements_accepted,
                    s.median,
                    s.completed,
                    s.events_attended,
                )
            ]
        )
    sheets: dict[int | None, Any] = {}  # organisation id → worksheet
    words = _Words(organisations, locale)
    for row in rows:
        sheet = sheets.get(row.organisation_id)
        if sheet is None:
            sheet = book.create_sheet(_sheet_title(organisations.get(row.organisation_id), used))
            sheet.append(headers())
            sheets[row.organisation_id] = sheet
        sheet.append([safe_cell(v) for v in words.row(row, required)])
    for sheet in book.worksheets:
        sheet.freeze_panes = "A2"
        for column in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# An agency contact person's export: their own agency's people, never agreements or anything
# discussed, and the cost-sharing summary for HR.


def agency_headers() -> list[str]:
    return [
        _("Name"),
        _("E-mail"),
        _("Role"),
        _("Form of mentoring"),
        _("Matched"),
        _("Counted meetings"),
        _("Required meetings"),
        _("Completed"),
        _("Events attended"),
    ]


def _agency_row(words: _Words, row: ParticipantRow, required: int) -> list:
    return [
        row.name,
        row.email,
        words.roles.get(row.role, row.role),
        words.forms.get(row.form, row.form or ""),
        words.match[match_state(row)],
        row.counted,
        required,
        words.yes if row.completed else words.no,
        row.events_attended,
    ]


def agency_csv(rows: list[ParticipantRow], organisations: dict, required: int, locale: str, separator: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(agency_headers())
    words = _Words(organisations, locale)
    writer.writerows([safe_cell(v) for v in _agency_row(words, row, required)] for row in rows)
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def agency_xlsx(
    rows: list[ParticipantRow], organisations: dict, sharing: rules.CostSharing, required: int, locale: str
) -> bytes:
    """A cost-sharing summary sheet, then the agency's participants."""
    book = Workbook()
    summary = book.active
    summary.title = _("Cost sharing")[:31]
    summary.append([_("Participants"), _("Matched"), _("Sounding out"), _("Completed"), _("Events attended")])
    summary.append(
        [sharing.participants, sharing.matched, sharing.sounding_out, sharing.completed, sharing.events_attended]
    )
    sheet = book.create_sheet(_("Participants")[:31])
    sheet.append(agency_headers())
    words = _Words(organisations, locale)
    for row in rows:
        sheet.append([safe_cell(v) for v in _agency_row(words, row, required)])
    for each in book.worksheets:
        each.freeze_panes = "A2"
        for column in range(1, each.max_column + 1):
            each.column_dimensions[get_column_letter(column)].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
