"""A person's own data (/my-data) in words: every column a label in the reader's language, codes
as words, references to other rows as the names they stand for, times in Helsinki time.

The export walks the schema (``privacy.export_person``), so a table added later shows up here
too; ``tests/admin/test_my_data_words.py`` fails until its columns have labels here.
"""

from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.db import db
from app.core.labels import FORM_LABELS, LANGUAGE_LABELS
from app.core.web import ROLE_NAMES

from ..lti import models as score_states
from ..mentoring.labels import ANSWER_NAMES, MODE_NAMES
from ..mentoring.models import AgreementVersion, Meeting
from ..notifications.labels import KIND_LABELS, STATUS_LABELS
from ..people.models import Course
from ..programme.models import Theme
from . import audit_words, exports

# Not shown on the page (the JSON download keeps them): the rows' own keys, the person's own id,
# protocol identifiers and the mail queue's bookkeeping.
HIDDEN = frozenset(
    {
        "id",
        "user_id",
        "author_id",
        "subject",
        "lti_roles",
        "link_id",
        "registration_id",
        "resource",
        "key",
        "params",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "sending_at",
        "last_status",
        "last_error",
        "last_timestamp",
        "role_since",
        "score_maximum",
        "activity_progress",
    }
)
# Column names in words, the same in every table unless ``TABLE_LABELS`` says otherwise.
LABELS = {
    "accepted_at": _l("Accepted"),
    "active": _l("Active in the course"),
    "added_at": _l("Added"),
    "all_off": _l("All mail turned off"),
    "answered_at": _l("Answered"),
    "answered_by_id": _l("Answered by"),
    "attended": _l("Events attended"),
    "body": _l("Text"),
    "capacity": _l("How many I can mentor"),
    "comment": _l("Comment"),
    "completed_at": _l("Completed"),
    "contact": _l("Contact"),
    "counted": _l("Counted meetings"),
    "counterpart_contact": _l("Their contact"),
    "counterpart_name": _l("Person I would like to be paired with"),
    "counterpart_user_id": _l("Person I would like to be paired with"),
    "course_id": _l("Course"),
    "created_at": _l("Created"),
    "deleted_at": _l("Removed"),
    "deleted_by_id": _l("Removed by"),
    "digest": _l("One daily summary"),
    "edited_at": _l("Edited"),
    "email": _l("E-mail"),
    "event_id": _l("Event"),
    "family_name": _l("Family name"),
    "finished_at": _l("Sent or given up"),
    "forms": _l("Forms of mentoring"),
    "given_name": _l("Given name"),
    "goals": _l("Goals"),
    "group_id": _l("Group"),
    "held": _l("Events held"),
    "issuer": _l("Learning platform"),
    "joined_user_id": _l("Joined as"),
    "kind": _l("Kind"),
    "language": _l("Language chosen in the tool"),
    "languages": _l("Languages"),
    "last_fetched_at": _l("Last read by a calendar"),
    "last_given_at": _l("Last score given"),
    "last_launch_at": _l("Last opened"),
    "locale": _l("Language of the learning platform"),
    "meeting_id": _l("Meeting"),
    "meeting_preferences": _l("Meeting preferences"),
    "mentor_tip": _l("Tip for a mentor"),
    "message": _l("Message"),
    "module_id": _l("Material"),
    "must_not_pair": _l("Not to be paired with"),
    "name": _l("Name"),
    "named_by_id": _l("Named by"),
    "off": _l("Mail turned off"),
    "organisation_id": _l("Organisation"),
    "page": _l("Page"),
    "picture": _l("Picture"),
    "programme_id": _l("Programme"),
    "pulse": _l("How the meeting went (1–5)"),
    "read_at": _l("Read"),
    "reason": _l("Reason"),
    "recorded_at": _l("Recorded"),
    "recorded_by_id": _l("Recorded by"),
    "required": _l("Meetings required"),
    "revoked_at": _l("Revoked"),
    "role": _l("Role"),
    "role_wish": _l("Role I wished for"),
    "score_given": _l("Score"),
    "sounding_answer": _l("My answer while sounding out"),
    "sounding_reason": _l("My reason for another match"),
    "source": _l("Recorded from"),
    "status": _l("State"),
    "status_changed_at": _l("State changed"),
    "status_changed_by_id": _l("State changed by"),
    "survey_id": _l("Survey"),
    "themes_offered": _l("Themes I offer"),
    "themes_wanted": _l("Themes I want"),
    "thread_id": _l("Discussion"),
    "title": _l("Title"),
    "unit": _l("Unit"),
    "updated_at": _l("Updated"),
    "version_id": _l("Agreement version"),
    "why": _l("Why"),
    "withdrawn_at": _l("Withdrawn"),
}
TABLE_LABELS = {
    ("colleague_tip", "name"): _l("Colleague's name"),
    ("colleague_tip", "email"): _l("Colleague's e-mail"),
    ("colleague_tip", "role"): _l("Suggested role"),
    ("group_member", "group_id"): _l("Pair or group"),
    ("sparring_member", "group_id"): _l("Sparring group"),
    ("sparring_thread", "group_id"): _l("Sparring group"),
    ("event_attendance_score", "updated_at"): _l("Counted"),
}
# Codes in words, by column; ``STATUS_WORDS`` by table, since a state means something else in each.
PAIR_ROLES = exports.ROLE_LABELS
SURVEY_NAMES = {"midpoint": _l("Midpoint survey"), "closing": _l("Closing survey")}
CODE_WORDS: dict[str, dict[str, Any]] = {
    "role_wish": PAIR_ROLES,
    "forms": FORM_LABELS,
    "languages": LANGUAGE_LABELS,
    "language": LANGUAGE_LABELS,
    "off": KIND_LABELS,
    "kind": KIND_LABELS,
    "sounding_answer": {"go_on": _l("go on"), "rematch": _l("another match")},
    "source": {"list": _l("the attendance list"), "csv": _l("an imported report")},
}
STATUS_WORDS: dict[str, dict[str, Any]] = {
    "mentoring_meeting_attestation": ANSWER_NAMES,
    "mail_outbox": STATUS_LABELS,
    "colleague_tip": {
        "to_contact": _l("to contact"),
        "contacted": _l("contacted"),
        "joined": _l("joined"),
        "declined": _l("declined"),
    },
    "gradebook_scores": {
        score_states.PENDING: _l("Waiting to be sent"),
        score_states.DELIVERED: _l("Sent"),
        score_states.SUPERSEDED: _l("replaced by a newer score"),
        score_states.FAILED: _l("Failed"),
    },
}
ROLE_WORDS = {"enrolment": ROLE_NAMES}  # a course role; elsewhere a role in a pair or group
# Referenced rows by the names they stand for; a reference to any other table is not shown.
REFERENCE_KINDS = {
    "user_account": "user",
    "programme": "programme",
    "organisation": "organisation",
    "programme_event": "programme_event",
    "mentoring_group": "mentoring_group",
    "sparring_group": "sparring_group",
    "sparring_thread": "sparring_thread",
    "course": "course",
    "mentoring_meeting": "mentoring_meeting",
    "evaluation_survey": "evaluation_survey",
    "mentoring_agreement_version": "mentoring_agreement_version",
}


@dataclass
class Section:
    id: str
    heading: Any
    records: list[list[tuple[str, str]]]


def label(table: str, column: str) -> str | None:
    text = TABLE_LABELS.get((table, column)) or LABELS.get(column)
    return str(text) if text is not None else None


def _reference(table: str, column: str) -> str | None:
    """The kind of name a column's value stands for, if it refers to another row."""
    source = db.metadata.tables.get(table)
    if source is None or column not in source.c:
        return None
    for fk in source.c[column].foreign_keys:
        return REFERENCE_KINDS.get(fk.column.table.name, "")
    return None


def shown_columns(table: str, columns) -> list[str]:
    """The columns of ``table`` a person reads: not hidden, not a reference to a nameless row."""
    return [c for c in columns if c not in HIDDEN and _reference(table, c) != ""]


def _names(kind: str, ids: set[int]) -> dict[int, str]:
    """Names of the rows a person's data refers to (the audit log's, and a few of its own)."""
    if kind == "course":
        courses = db.session.scalars(select(Course).where(Course.id.in_(ids)))
        return {c.id: c.title or c.label or "–" for c in courses}
    if kind == "mentoring_meeting":
        meetings = db.session.scalars(select(Meeting).where(Meeting.id.in_(ids)))
        return {m.id: audit_words.value_text(m.starts_at.isoformat()) for m in meetings}
    if kind == "evaluation_survey":  # by its table: the evaluation room is no layer below this one
        surveys = db.metadata.tables["evaluation_survey"]
        found = db.session.execute(select(surveys.c.id, surveys.c.kind).where(surveys.c.id.in_(ids)))
        return {i: str(SURVEY_NAMES.get(k, k)) for i, k in found}
    if kind == "mentoring_agreement_version":
        versions = db.session.scalars(select(AgreementVersion).where(AgreementVersion.id.in_(ids)))
        return {v.id: str(_l("version %(n)s", n=v.number)) for v in versions}
    return audit_words.names_of(kind, ids)


class Words:
    """Values in words for one person's data, names looked up once per kind."""

    def __init__(self, tables: dict[str, list[dict]]):
        wanted: dict[str, set[int]] = {}
        theme_codes: set[str] = set()
        for table, rows in tables.items():
            for row in rows:
                for column, value in row.items():
                    kind = _reference(table, column)
                    if kind and isinstance(value, int):
                        wanted.setdefault(kind, set()).add(value)
                if "must_not_pair" in row:
                    wanted.setdefault("user", set()).update(v for v in row["must_not_pair"] if isinstance(v, int))
                for key in ("themes_offered", "themes_wanted"):
                    theme_codes.update(row.get(key) or ())
        self.names = {kind: _names(kind, ids) for kind, ids in wanted.items()}
        locale = str(get_locale())
        themes = db.session.scalars(select(Theme).where(Theme.code.in_(theme_codes))).all() if theme_codes else []
        self.themes = {t.code: t.name(locale) for t in themes}

    def text(self, table: str, column: str, value: Any) -> str:
        kind = _reference(table, column)
        if kind and value is not None:
            return self.names.get(kind, {}).get(value, "–")
        if column == "must_not_pair":
            return ", ".join(self.names.get("user", {}).get(v, "–") for v in value) or "–"
        if column in ("themes_offered", "themes_wanted"):
            return ", ".join(self.themes.get(code, code) for code in value) or "–"
        words = (
            STATUS_WORDS.get(table)
            if column == "status"
            else ROLE_WORDS.get(table, PAIR_ROLES)
            if column == "role"
            else CODE_WORDS.get(column)
        )
        if words is not None and value is not None:
            codes = value if isinstance(value, list) else [value]
            return ", ".join(str(words.get(code, code)) for code in codes) or "–"
        if column == "locale" and isinstance(value, str):  # "fi-FI", "en_US"
            return str(LANGUAGE_LABELS.get(value.split("-")[0].split("_")[0], value))
        return audit_words.value_text(value)

    def fields(self, table: str, row: dict) -> list[tuple[str, str]]:
        return [
            (label(table, column) or column, self.text(table, column, row[column]))
            for column in shown_columns(table, row)
        ]


SECTION_HEADINGS = {
    "enrolment": _l("Courses"),
    "registration": _l("Registrations"),
    "group_member": _l("Mentoring pairs and groups"),
    "mentoring_meeting_attestation": _l("Your answers to logged meetings"),
    "mentoring_agreement_acceptance": _l("Agreement acceptances"),
    "mentoring_meeting_count": _l("Counted meetings"),
    "event_attendance": _l("Event attendance"),
    "event_attendance_score": _l("Events attended, as counted"),
    "sparring_member": _l("Sparring groups"),
    "sparring_thread": _l("Discussion threads you started"),
    "sparring_post": _l("Your posts"),
    "content_read_mark": _l("Material read"),
    "calendar_feed": _l("Calendar feeds"),
    "lti_score_key": _l("Gradebook entries"),
    "accessibility_feedback": _l("Accessibility feedback you sent"),
    "mail_preference": _l("Your mail settings"),
    "mail_outbox": _l("Mail to you"),
    "agency_contact": _l("Agency contact person"),
    "colleague_tip": _l("Colleagues you suggested"),
    "evaluation_participation": _l("Surveys you answered"),
    "evaluation_checkin": _l("Your check-ins after meetings"),
}


def sections(data: dict) -> list[Section]:
    """The export as the page shows it: the account, the gradebook scores, then every table."""
    tables = {"user_account": [data["account"]], "gradebook_scores": data["gradebook_scores"], **data["tables"]}
    words = Words(tables)
    found = [
        Section("account", _l("Your account, as Moodle describes you"), [words.fields("user_account", data["account"])])
    ]
    found.append(
        Section(
            "scores",
            _l("Scores sent to the Moodle gradebook"),
            [words.fields("gradebook_scores", row) for row in data["gradebook_scores"]],
        )
    )
    for table, rows in data["tables"].items():
        heading = SECTION_HEADINGS.get(table, table)
        found.append(Section(f"t-{table}", heading, [words.fields(table, row) for row in rows]))
    return found


def meeting_rows(meetings: list[dict]) -> list[dict]:
    """The meetings a person attended, in words."""
    return [
        {
            "start": audit_words.value_text(m["starts_at"]),
            "minutes": m["duration_minutes"],
            "mode": str(MODE_NAMES.get(m["mode"], m["mode"])),
            "answer": str(ANSWER_NAMES.get(m["status"], m["status"])),
        }
        for m in meetings
    ]
