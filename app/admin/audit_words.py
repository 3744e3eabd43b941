"""The audit log in words for the people who read it: actions, targets and details as text in the
reader's language, times in Helsinki time, a setting's change as "before → after"."""

import re
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.clock import local_moment
from app.core.db import db

from ..events.models import ProgrammeEvent
from ..events.services import event_title
from ..groups.models import GroupMember
from ..people.models import User
from ..programme.models import Organisation, Programme, Theme
from ..sparring.models import SparringGroup, SparringThread

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
    "journal.rekeyed": _l("Private journals re-encrypted with the new key"),
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
    "tips.added": _l("Colleague suggested"),
    "tips.status": _l("Colleague tip's status changed"),
    "tips.deleted": _l("Colleague tip removed"),
    "tips.purged": _l("Colleague tips purged"),
    "evaluation.questions_saved": _l("Survey questions saved"),
    "evaluation.exported": _l("Survey answers exported"),
    "evaluation.agency_viewed": _l("Agency's survey results viewed"),
    "evaluation.agency_exported": _l("Agency's survey results exported"),
}
# Each action as a sentence: who did what to whom or what, when (%(person)s: the person the
# details name, e.g. the contact person named). A test finds every action code in app/ and
# fails on one without a sentence here.
ACTION_SENTENCES = {
    "agency.contact_named": _l("%(who)s named %(person)s the contact person of %(what)s on %(when)s."),
    "agency.contact_removed": _l("%(who)s removed %(person)s as the contact person of %(what)s on %(when)s."),
    "agency.viewed": _l("%(who)s viewed the participation of %(what)s on %(when)s."),
    "agency.exported": _l("%(who)s exported the participation of %(what)s on %(when)s."),
    "groups.sounding.go_on": _l("%(who)s said go on with the match of %(what)s on %(when)s."),
    "groups.sounding.rematch": _l("%(who)s asked for another match instead of the match of %(what)s on %(when)s."),
    "events.attendance_imported": _l(
        "%(who)s imported the attendance of the event %(what)s from a report on %(when)s."
    ),
    "events.attendance_recorded": _l("%(who)s recorded the attendance of the event %(what)s on %(when)s."),
    "events.created": _l("%(who)s added the event %(what)s on %(when)s."),
    "events.updated": _l("%(who)s changed the event %(what)s on %(when)s."),
    "evaluation.questions_saved": _l("%(who)s saved the survey questions of %(what)s on %(when)s."),
    "evaluation.exported": _l("%(who)s exported the survey answers of %(what)s on %(when)s."),
    "evaluation.agency_viewed": _l("%(who)s viewed the survey results of %(what)s on %(when)s."),
    "evaluation.agency_exported": _l("%(who)s exported the survey results of %(what)s on %(when)s."),
    "feedback.answered": _l("%(who)s answered accessibility feedback no. %(what)s on %(when)s."),
    "gradebook.resent": _l("%(who)s sent scores to the gradebook again on %(when)s."),
    "gradebook.placement_switched": _l("%(who)s switched an activity's mentoring score on or off on %(when)s."),
    "journal.rekeyed": _l("%(who)s re-encrypted the private journals with the new key on %(when)s."),
    "lti.keys_rotated": _l("%(who)s rotated the signing key on %(when)s."),
    "lti.platform_approved": _l("%(who)s approved a learning platform's registration on %(when)s."),
    "lti.registration_url_issued": _l("%(who)s issued a registration URL for a learning platform on %(when)s."),
    "matching.compute": _l("%(who)s computed match suggestions for %(what)s on %(when)s."),
    "matching.delete": _l("%(who)s removed the draft match of %(what)s on %(when)s."),
    "matching.edit": _l("%(who)s edited the match of %(what)s on %(when)s."),
    "matching.lock": _l("%(who)s locked the match of %(what)s on %(when)s."),
    "matching.unlock": _l("%(who)s unlocked the match of %(what)s on %(when)s."),
    "matching.publish": _l("%(who)s published the match of %(what)s on %(when)s."),
    "matching.withdraw": _l("%(who)s withdrew the published match of %(what)s on %(when)s."),
    "matching.split": _l("%(who)s removed a member from the draft match of %(what)s on %(when)s."),
    "matching.swap": _l("%(who)s swapped members between the matches of %(what)s on %(when)s."),
    "mentoring.end": _l("%(who)s ended the pair or group of %(what)s on %(when)s."),
    "mentoring.change_proposed": _l("%(who)s proposed a change to a counted meeting of %(what)s on %(when)s."),
    "mentoring.change_confirmed": _l("%(who)s confirmed a change to a counted meeting of %(what)s on %(when)s."),
    "mentoring.change_declined": _l("%(who)s declined a change to a counted meeting of %(what)s on %(when)s."),
    "mentoring.change_withdrawn": _l(
        "%(who)s withdrew a proposed change to a counted meeting of %(what)s on %(when)s."
    ),
    "mentoring.meeting_changed_by_facilitator": _l("%(who)s corrected or removed a meeting of %(what)s on %(when)s."),
    "person.erased": _l("%(who)s erased the data of %(what)s on %(when)s."),
    "privacy.purged": _l("%(who)s purged the personal data of %(what)s on %(when)s."),
    "programme.create": _l("%(who)s created the programme %(what)s on %(when)s."),
    "programme.update": _l("%(who)s changed the settings of %(what)s on %(when)s."),
    "programme.retention_changed": _l("%(who)s changed the retention period of %(what)s on %(when)s."),
    "programme.organisation_add": _l("%(who)s added an organisation to %(what)s on %(when)s."),
    "programme.organisation_rename": _l("%(who)s renamed the organisation %(what)s on %(when)s."),
    "programme.theme_add": _l("%(who)s added a theme to %(what)s on %(when)s."),
    "programme.theme_rename": _l("%(who)s renamed the theme %(what)s on %(when)s."),
    "programme.theme_remove": _l("%(who)s removed a theme from %(what)s on %(when)s."),
    "report.exported": _l("%(who)s exported the completion report of %(what)s on %(when)s."),
    "sparring.group_created": _l("%(who)s created the sparring group %(what)s on %(when)s."),
    "sparring.group_archived": _l("%(who)s archived the sparring group %(what)s on %(when)s."),
    "sparring.group_reopened": _l("%(who)s reopened the sparring group %(what)s on %(when)s."),
    "sparring.facilitator_set": _l(
        "%(who)s made %(person)s the facilitator of the sparring group %(what)s on %(when)s."
    ),
    "sparring.members_assigned": _l("%(who)s placed participants in the sparring groups of %(what)s on %(when)s."),
    "sparring.members_added": _l("%(who)s added %(person)s to the sparring group %(what)s on %(when)s."),
    "sparring.member_moved": _l("%(who)s moved %(what)s to another sparring group on %(when)s."),
    "sparring.member_removed": _l("%(who)s removed %(what)s from a sparring group on %(when)s."),
    "sparring.session_deleted": _l("%(who)s removed a session of the sparring group %(what)s on %(when)s."),
    "sparring.material_deleted": _l("%(who)s removed material of the sparring group %(what)s on %(when)s."),
    "sparring.post_deleted": _l("%(who)s removed a message in the discussion %(what)s on %(when)s."),
    "sparring.thread_deleted": _l("%(who)s removed the discussion thread %(what)s on %(when)s."),
    "tips.added": _l("%(who)s suggested a colleague for the programme on %(when)s."),
    "tips.status": _l("%(who)s changed the status of a colleague tip on %(when)s."),
    "tips.deleted": _l("%(who)s removed a colleague tip on %(when)s."),
    "tips.purged": _l("%(who)s purged the colleague tips of %(what)s on %(when)s."),
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
    if isinstance(value, float) and value.is_integer():  # a score of 6.0 reads 6
        return str(int(value))
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
        if key.endswith(("_id", "_ids")):  # row ids: the sentence names what they stand for
            continue
        label = str(DETAIL_LABELS.get(key, key))
        if key in SETTING_KEYS and isinstance(value, list) and len(value) == 2:
            lines.append((label, f"{value_text(value[0])} → {value_text(value[1])}"))
        else:
            lines.append((label, value_text(value)))
    return lines


# Where an action's subject is in its details rather than in its target: (kind, detail key).
SUBJECT_IN_DETAILS = {
    "matching.publish": ("mentoring_group", "group_ids"),
    "mentoring.change_proposed": ("mentoring_group", "group_id"),
    "mentoring.change_confirmed": ("mentoring_group", "group_id"),
    "mentoring.change_declined": ("mentoring_group", "group_id"),
    "mentoring.change_withdrawn": ("mentoring_group", "group_id"),
    "mentoring.meeting_changed_by_facilitator": ("mentoring_group", "group_id"),
    "sparring.post_deleted": ("sparring_thread", "thread_id"),
}
# Details that name the person an action concerns besides its subject (a contact person named).
PERSON_KEYS = ("user_id", "user_ids", "facilitator_id")


def _as_ids(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v is not None]


def subjects(entry: AuditEntry) -> list[tuple[str, str]]:
    """What the entry is about, as (kind, id) pairs."""
    if entry.action in SUBJECT_IN_DETAILS:
        kind, key = SUBJECT_IN_DETAILS[entry.action]
        return [(kind, i) for i in _as_ids((entry.details or {}).get(key))]
    pairs = (part.partition(":") for part in (entry.target or "").split(",") if part)
    return [(kind, ident) for kind, _sep, ident in pairs]


def people(entry: AuditEntry) -> list[str]:
    details = entry.details or {}
    return [i for key in PERSON_KEYS for i in _as_ids(details.get(key))]


def names_of(kind: str, ids: set[int]) -> dict[int, str]:
    """Names for one kind of subject, in one query; a kind without names here shows its id."""
    locale = str(get_locale())
    if kind == "user":
        return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    if kind == "mentoring_group":
        members: dict[int, list[str]] = {}
        for member in db.session.scalars(
            select(GroupMember).where(GroupMember.group_id.in_(ids)).order_by(GroupMember.id)
        ):
            members.setdefault(member.group_id, []).append(member.user.display_name)
        return {gid: format_list(names, locale=locale) for gid, names in members.items()}
    named: dict[str, tuple[Any, Any]] = {
        "programme": (Programme, lambda p: p.name),
        "organisation": (Organisation, lambda o: o.name(locale)),
        "theme": (Theme, lambda t: t.name(locale)),
        "programme_event": (ProgrammeEvent, event_title),
        "sparring_group": (SparringGroup, lambda sg: sg.name),
        "sparring_thread": (SparringThread, lambda t: t.title),
    }
    if kind not in named:
        return {}
    model, name = named[kind]
    return {row.id: name(row) for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


class Names:
    """The names of everything a page of entries is about, looked up once per kind."""

    def __init__(self, entries: list[AuditEntry]):
        wanted: dict[str, set[int]] = {}
        for entry in entries:
            for kind, ident in [*subjects(entry), *(("user", i) for i in people(entry))]:
                if ident.isdigit():
                    wanted.setdefault(kind, set()).add(int(ident))
        self.found = {kind: names_of(kind, ids) for kind, ids in wanted.items()}

    def of(self, kind: str, ident: str) -> str:
        name = self.found.get(kind, {}).get(int(ident)) if ident.isdigit() else None
        return name if name is not None else ident

    def join(self, pairs: list[tuple[str, str]]) -> str:
        return format_list([self.of(kind, ident) for kind, ident in pairs], locale=str(get_locale())) or "–"


def sentence(entry: AuditEntry, actor: User | None, names: Names) -> str:
    """The entry as one sentence in the reader's language: who did what to whom or what, when."""
    template = ACTION_SENTENCES.get(entry.action)
    who = actor.display_name if actor else gettext("The system (command line)")
    words = {
        "who": who,
        "what": names.join(subjects(entry)),
        "person": names.join([("user", i) for i in people(entry)]),
        "when": local_moment(entry.created_at),
    }
    if template is None:  # an action added without words yet: still who, what and when
        return gettext("%(who)s: %(action)s, %(what)s, %(when)s.", action=entry.action, **words)
    return str(template) % words


def readable(entry: AuditEntry, actor: User | None, names: Names | None = None) -> dict:
    """One row of the audit page: the entry as a sentence, the actor's role, the details in words."""
    names = names or Names([entry])
    return {
        "action": entry.action,
        "sentence": sentence(entry, actor, names),
        "role": entry.actor_role,
        "details": detail_lines(entry.details),
    }


def readable_page(rows: list[tuple[AuditEntry, User | None]]) -> list[dict]:
    names = Names([entry for entry, _actor in rows])
    return [readable(entry, actor, names) for entry, actor in rows]
