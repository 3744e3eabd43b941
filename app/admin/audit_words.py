"""The audit log in words for the people who read it: actions, targets and details as text in the
reader's language, times in Helsinki time, a setting's change as "before → after"."""

import re
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from app.core.audit import AuditEntry
from app.core.clock import local_moment

from ..people.models import User

# Audit actions in words; an action without a label here shows as its code.
ACTION_LABELS = {
    "agency.contact_named": _l("Agency contact person named"),
    "agency.contact_removed": _l("Agency contact person removed"),
    "agency.viewed": _l("Agency contact person viewed their agency's participation"),
    "agency.exported": _l("Agency contact person exported their agency's participation"),
    "groups.sounding.go_on": _l("Member said go on while sounding out"),
    "groups.sounding.rematch": _l("Member asked for another match while sounding out"),
    "events.attendance_imported": _l("Attendance imported from a report"),
    "events.attendance_recorded": _l("Attendance recorded"),
    "events.created": _l("Event added"),
    "events.updated": _l("Event changed"),
    "feedback.answered": _l("Accessibility feedback answered"),
    "gradebook.resent": _l("Gradebook scores resent"),
    "gradebook.placement_switched": _l("An activity's mentoring score switched on or off"),
    "lti.keys_rotated": _l("Signing key rotated"),
    "lti.platform_approved": _l("Learning platform's registration approved"),
    "lti.registration_url_issued": _l("Registration URL for a learning platform issued"),
    "matching.compute": _l("Match suggestions computed"),
    "matching.delete": _l("Draft match removed"),
    "matching.edit": _l("Match edited"),
    "matching.lock": _l("Match locked"),
    "matching.unlock": _l("Match unlocked"),
    "matching.publish": _l("Matches published"),
    "matching.split": _l("Member removed from a draft match"),
    "matching.swap": _l("Members swapped between matches"),
    "matching.withdraw": _l("Published match withdrawn before its members met"),
    "mentoring.end": _l("Pair or group ended"),
    "mentoring.change_proposed": _l("Change of a counted meeting proposed"),
    "mentoring.change_confirmed": _l("Change of a counted meeting confirmed"),
    "mentoring.change_declined": _l("Change of a counted meeting declined"),
    "mentoring.change_withdrawn": _l("Change of a counted meeting withdrawn"),
    "mentoring.meeting_changed_by_facilitator": _l("Meeting corrected or removed by a facilitator"),
    "person.erased": _l("Person's data erased"),
    "privacy.purged": _l("Programme's personal data purged"),
    "programme.create": _l("Programme created"),
    "programme.update": _l("Programme settings changed"),
    "programme.retention_changed": _l("Retention period changed"),
    "programme.organisation_add": _l("Organisation added"),
    "programme.organisation_rename": _l("Organisation renamed"),
    "programme.theme_add": _l("Theme added"),
    "programme.theme_rename": _l("Theme renamed"),
    "programme.theme_remove": _l("Theme removed"),
    "report.exported": _l("Completion report exported"),
    "sparring.group_created": _l("Sparring group created"),
    "sparring.group_archived": _l("Sparring group archived"),
    "sparring.group_reopened": _l("Sparring group reopened"),
    "sparring.facilitator_set": _l("Sparring group's facilitator set"),
    "sparring.members_assigned": _l("Participants placed in sparring groups"),
    "sparring.members_added": _l("Members added to a sparring group"),
    "sparring.member_moved": _l("Member moved to another sparring group"),
    "sparring.member_removed": _l("Member removed from a sparring group"),
    "sparring.session_deleted": _l("Sparring session removed"),
    "sparring.material_deleted": _l("Sparring material removed"),
    "sparring.post_deleted": _l("Message removed"),
    "sparring.thread_deleted": _l("Discussion thread removed"),
}
# What an entry is about, by the kind in its target ("programme:3").
TARGET_LABELS = {
    "accessibility_feedback": _l("Accessibility feedback %(id)s"),
    "key": _l("Signing key %(id)s"),
    "mentoring_group": _l("Pair or group %(id)s"),
    "organisation": _l("Organisation %(id)s"),
    "platform": _l("Learning platform %(id)s"),
    "programme": _l("Programme %(id)s"),
    "programme_event": _l("Event %(id)s"),
    "sparring_group": _l("Sparring group %(id)s"),
    "theme": _l("Theme %(id)s"),
    "user": _l("Person %(id)s"),
}
# Detail keys in words; a key without a label shows as itself.
DETAIL_LABELS = {
    "closing": _l("Closing event"),
    "format": _l("Format"),
    "kickoff": _l("Kickoff"),
    "languages": _l("Languages offered"),
    "max_meeting_minutes": _l("Longest meeting (minutes)"),
    "midpoint": _l("Midpoint event"),
    "min_meeting_minutes": _l("Shortest meeting (minutes)"),
    "name": _l("Name"),
    "prefer_cross_organisation": _l("Prefer pairs across organisations"),
    "registration_closes": _l("Registration closes"),
    "registration_opens": _l("Registration opens"),
    "required_meetings": _l("Meetings required for completion"),
    "rows": _l("Rows"),
    "scores": _l("Scores"),
    "scores_queued": _l("Scores queued for the gradebook"),
}
# Programme settings are recorded as [before, after] (programme.update).
SETTING_KEYS = frozenset(DETAIL_LABELS) - {"format", "rows", "scores", "scores_queued"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")  # naive UTC, as exports hold it


def value_text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        return local_moment(datetime.fromisoformat(value))
    if isinstance(value, str) and _ISO_DAY.match(value):
        return format_date(date.fromisoformat(value), "medium", locale=get_locale())
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{DETAIL_LABELS.get(k, k)}: {value_text(v)}" for k, v in value.items())
    return str(value)


def detail_lines(details: dict | None) -> list[tuple[str, str]]:
    """Each detail as (label, text); a [before, after] pair or {"from", "to"} reads "before → after"."""
    if not details:
        return []
    if set(details) == {"from", "to"}:
        return [(gettext("Change"), f"{value_text(details['from'])} → {value_text(details['to'])}")]
    lines = []
    for key, value in details.items():
        label = str(DETAIL_LABELS.get(key, key))
        if key in SETTING_KEYS and isinstance(value, list) and len(value) == 2:
            lines.append((label, f"{value_text(value[0])} → {value_text(value[1])}"))
        else:
            lines.append((label, value_text(value)))
    return lines


def target_text(target: str | None) -> str:
    if not target:
        return ""
    kind, _sep, ident = target.partition(":")
    label = TARGET_LABELS.get(kind)
    return str(label) % {"id": ident} if label else target


def readable(entry: AuditEntry, actor: User | None) -> dict:
    """One row of the audit page: who did what, to what, when, with the details in words."""
    return {
        "action": entry.action,
        "when": local_moment(entry.created_at),
        "who": actor.display_name if actor else gettext("system (command line)"),
        "role": entry.actor_role,
        "what": str(ACTION_LABELS.get(entry.action, entry.action)),
        "target": target_text(entry.target),
        "details": detail_lines(entry.details),
    }
