"""My mentoring: the pair's page, agreement, meetings, checklist ticks, ending early, the
private journal; and the facilitators' progress view.

Who sees what:

* a participant sees only the published (or ended) groups they belong to; any other group id,
  meeting id or journal entry id is 404, whatever it belongs to;
* facilitators and administrators see their own course's pairs: members, meeting dates,
  durations and states, counts and at-risk flags; never the agreement text, dispute reasons or
  anything of the journal; they may correct or remove a meeting at once, with a reason that the
  members see;
* a meeting that counts changes only when the other attendees confirm the change
  (``rules.meeting_actions`` decides who may do what; the page shows exactly that);
* the journal is its author's alone.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_time
from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from app.core import clock, refusals
from app.core.audit import record
from app.core.auth import MEMBERS, STAFF, login_required
from app.core.db import db
from app.core.refusals import Refused
from app.groups import rules as group_rules
from app.groups.models import PUBLISHED, SOUNDING_OUT, VISIBLE, MentoringGroup
from app.programme import timeline as programme_timeline
from app.programme.kinds import FORM_LABELS, ROLE_LABELS, Form, Role
from app.programme.models import Programme
from app.programme.services import current_programme_or_404 as _programme

from ..content import get_library
from ..ids import db_int
from ..people.models import PARTICIPANT
from . import changes, extras, progress, rules, services
from .labels import ANSWER_NAMES, MODE_NAMES, STATE_NAMES
from .models import AGREEMENT_SECTIONS, Meeting, MeetingChange, MeetingCount

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring", template_folder="templates")


def form_name(form: str) -> str:
    """A form of mentoring in words (the programme's labels)."""
    return gettext(FORM_LABELS[Form(form)]) if form in Form.__members__.values() else form


def member_role_name(role: str) -> str:
    return gettext(ROLE_LABELS[Role(role)]) if role in Role.__members__.values() else role


SECTION_NAMES = {
    "confidentiality": _l("Confidentiality"),
    "contact": _l("Contact and availability"),
    "time_use": _l("Time use: meeting rhythm and length"),
    "goals": _l("Goals"),
    "language": _l("Language"),
}
SECTION_HINTS = {
    "confidentiality": _l("How you keep what is said in your meetings between you."),
    "contact": _l("How and when you reach each other, and how quickly you answer."),
    "time_use": _l("How often and how long you meet, and how you log meetings."),
    "goals": _l("The aktori's goals first; in peer mentoring, each one's goals."),
    "language": _l("The language or languages of your meetings."),
}
PROBLEMS = {
    "date_missing": _l("Enter the date of the meeting."),
    "time_missing": _l("Enter the start time of the meeting."),
    "time_nonexistent": _l(
        "This time does not exist in Finland: the clocks were moved forward at that hour. Check the time."
    ),
    "in_future": _l("The meeting is in the future. Log a meeting after it has taken place."),
    "outside_programme": _l("The date is outside the programme (%(start)s – %(end)s)."),
    "duplicate": _l("A meeting of your pair or group starting at this time is already logged."),
    "overlap": _l(
        "This meeting overlaps another meeting of your pair or group (%(start)s). Check the date, "
        "the start time and the length."
    ),
    "duration_missing": _l("Enter the length of the meeting in minutes."),
    "duration_not_positive": _l("The length must be more than zero minutes."),
    "duration_absurd": _l("The length cannot be more than %(max)s minutes. Check the number."),
    "duration_outside_bounds": _l(
        "The programme's meetings last %(min)s–%(max)s minutes. This meeting is saved, with a note of its length."
    ),
    "mode_unknown": _l("Choose how the meeting was held."),
    "attendee_not_member": _l("Choose attendees from the members of your pair or group."),
    "logger_absent": _l("You can log only meetings you attended yourself: tick yourself as an attendee."),
    "too_few_attendees": _l("A meeting needs at least two attendees."),
}
REFUSALS = {
    services.MEETING_HAS_PROBLEMS: _l("The meeting could not be saved as it is: see the fields marked."),
    "group_ended": _l("This pair or group has ended: its meetings and agreement can no longer be changed."),
    "not_logger": _l("Only the member who logged the meeting can correct or remove it."),
    "not_attendee": _l("You were not marked as an attendee of this meeting."),
    "reason_missing": _l("Write a short reason."),
    "reason_too_long": _l("The reason can be at most %(max)s characters."),
    "logger_cannot_dispute": _l("You logged this meeting: correct or remove it instead."),
    "meeting_counted": _l(
        "This meeting already counts. To correct or remove it, propose the change: it takes effect "
        "once the other attendees confirm it."
    ),
    "change_pending": _l("A proposed change of this meeting already waits for answers."),
    "change_decided": _l("This proposal has already been decided or withdrawn."),
    "not_at_risk": _l("This pair is not flagged at risk: there is nothing to nudge about."),
    "not_confirmer": _l("This proposal does not wait for your answer."),
    "change_conflict": _l(
        "The meeting could not be changed: another meeting of your pair or group starts at that time."
    ),
    "agreement_conflict": _l(
        "Another member saved a newer version (version %(number)s) while you were working. Nothing was lost: your "
        "text is kept below. Read the newer version, then save again or accept it."
    ),
    "agreement_missing": _l("There is no agreement to accept yet."),
    "agreement_empty": _l("Write at least one section of the agreement."),
    "section_too_long": _l("A section can be at most %(max)s characters."),
    "journal_empty": _l("Write something before saving."),
    "journal_too_long": _l("An entry can be at most %(max)s characters."),
}
REMINDERS = {
    "confirm_meetings": lambda p: ngettext(
        "%(num)s meeting waits for your confirmation.", "%(num)s meetings wait for your confirmation.", p["count"]
    ),
    "answer_changes": lambda p: ngettext(
        "A proposed change of a counted meeting waits for your answer.",
        "%(num)s proposed changes of counted meetings wait for your answer.",
        p["count"],
    ),
    "correct_disputed": lambda p: ngettext(
        "A meeting you logged was disputed: correct it or remove it.",
        "%(num)s meetings you logged were disputed: correct or remove them.",
        p["count"],
    ),
    "write_agreement": lambda p: gettext(
        "Draft your mentoring agreement together; accept it before your third meeting."
    ),
    "accept_agreement": lambda p: gettext(
        "Read and accept the mentoring agreement; it should be accepted before your third meeting."
    ),
    "no_meeting_weeks": lambda p: gettext(
        "No meeting in %(weeks)s weeks: agree on your next meeting.", weeks=p["weeks"]
    ),
    "log_first_meeting": lambda p: gettext("Agree on your first meeting and log it here afterwards."),
}
FLAGS = {
    "quiet": _l("no confirmed meeting in six weeks"),
    "agreement_unaccepted": _l("agreement not accepted three weeks after publication"),
}


# How a refusal answers when not 403 (app.core.refusals): the state no longer allows it (409) or
# input to fix (422).
REFUSAL_STATUS = {
    "group_ended": 409,
    "meeting_counted": 409,
    "change_pending": 409,
    "change_decided": 409,
    "not_at_risk": 409,
    "change_conflict": 409,
    "reason_missing": 422,
    "reason_too_long": 422,
    services.MEETING_HAS_PROBLEMS: 422,
}


refusals.register(REFUSALS, REFUSAL_STATUS)


def _param(value):
    if isinstance(value, datetime):  # naive UTC: a meeting's start
        local = clock.utc_to_helsinki(value)
        return f"{_date(local.date())} {format_time(local.time(), 'short', locale=str(get_locale()))}"
    return _date(value) if isinstance(value, date) else value


def problem_text(problem) -> str:
    params = {k: _param(v) for k, v in problem.params.items()}
    return PROBLEMS[problem.code] % params if params else str(PROBLEMS[problem.code])


def _date(value: date) -> str:
    return format_date(value, "long", locale=str(get_locale()))


def _when(meeting: Meeting) -> str:
    local = meeting.local_start
    locale = str(get_locale())
    return f"{format_date(local.date(), 'full', locale=locale)} {format_time(local.time(), 'short', locale=locale)}"


def _new_values(change: MeetingChange) -> str:
    local = change.local_start
    return gettext(
        "%(date)s %(time)s, %(minutes)s min, %(mode)s",
        date=_date(local.date()),
        time=format_time(local.time(), "short", locale=str(get_locale())),
        minutes=change.duration_minutes,
        mode=MODE_NAMES.get(change.mode, change.mode),
    )


def _person(user) -> str:
    return user.display_name if user is not None else gettext("A member")


def change_text(change: MeetingChange) -> str:
    """One sentence for the members (and facilitators) about a change of a counted meeting."""
    day = _date(change.local_meeting_start.date())
    delete = change.kind == rules.DELETE
    if change.status == rules.CHANGE_OVERRIDE:
        if delete:
            return gettext(
                "A facilitator removed the meeting of %(date)s. Reason: %(reason)s", date=day, reason=change.reason
            )
        return gettext(
            "A facilitator corrected the meeting of %(date)s to %(new)s. Reason: %(reason)s",
            date=day,
            new=_new_values(change),
            reason=change.reason,
        )
    proposer = _person(change.proposed_by)
    decider = _person(change.decided_by)
    if change.status == rules.CHANGE_PENDING:
        if delete:
            return gettext(
                "%(name)s proposed to remove the meeting of %(date)s. It counts as before until "
                "everyone else confirms the removal.",
                name=proposer,
                date=day,
            )
        return gettext(
            "%(name)s proposed to correct the meeting of %(date)s to %(new)s. It counts as before until "
            "everyone the correction concerns confirms it.",
            name=proposer,
            date=day,
            new=_new_values(change),
        )
    if change.status == rules.CHANGE_APPLIED:
        if delete:
            return gettext("Everyone confirmed: the meeting of %(date)s was removed.", date=day)
        return gettext(
            "Everyone confirmed: the meeting of %(date)s was corrected to %(new)s.", date=day, new=_new_values(change)
        )
    if change.status == rules.CHANGE_DECLINED:
        if delete:
            return gettext(
                "%(name)s declined the proposal of %(proposer)s to remove the meeting of %(date)s. "
                "The meeting stays as it was.",
                name=decider,
                proposer=proposer,
                date=day,
            )
        return gettext(
            "%(name)s declined the proposal of %(proposer)s to correct the meeting of %(date)s. "
            "The meeting stays as it was.",
            name=decider,
            proposer=proposer,
            date=day,
        )
    if change.status == rules.CHANGE_WITHDRAWN:
        return gettext("%(name)s withdrew the proposal to change the meeting of %(date)s.", name=proposer, date=day)
    return gettext(
        "The proposal to change the meeting of %(date)s was set aside: a facilitator changed the meeting.", date=day
    )


@bp.context_processor
def _labels():
    return {
        "form_name": form_name,
        "member_role_name": member_role_name,
        "mode_names": MODE_NAMES,
        "state_names": STATE_NAMES,
        "answer_names": ANSWER_NAMES,
        "section_names": SECTION_NAMES,
        "section_hints": SECTION_HINTS,
        "sections": AGREEMENT_SECTIONS,
        "when": _when,
        "long_date": _date,
        "flag_names": FLAGS,
        "rules": rules,
        "change_text": change_text,
    }


# --------------------------------------------------------------------------------------------
# Scoping helpers
# --------------------------------------------------------------------------------------------


def group_or_404(group_id: int) -> MentoringGroup:
    """The group if the viewer may see it: a member (published or ended), or staff of its course."""
    group = db.session.get(MentoringGroup, group_id)
    if group is None or g.course is None or group.programme.course_id != g.course.id:
        abort(404)
    if g.role in STAFF:
        return group
    # Members open their group while sounding out too, to log their first meetings.
    if group.status not in (SOUNDING_OUT, *VISIBLE) or g.user.id not in services.member_ids(group):
        abort(404)
    return group


def member_group_or_404(group_id: int) -> MentoringGroup:
    if g.role != PARTICIPANT:
        abort(403)
    return group_or_404(group_id)


def agreed_group_or_404(group_id: int) -> MentoringGroup:
    """The member's group for its agreement, which opens only once every member said go on."""
    group = member_group_or_404(group_id)
    if group.status == SOUNDING_OUT:
        abort(404)
    return group


def meeting_or_404(group: MentoringGroup, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.group_id != group.id:
        abort(404)
    return meeting


def back_to_group(group: MentoringGroup, anchor: str | None = None, **args):
    return redirect(url_for("mentoring.group", group_id=group.id, _anchor=anchor, **args), 303)


# --------------------------------------------------------------------------------------------
# Home-page block
# --------------------------------------------------------------------------------------------


def home_card(programme: Programme | None) -> tuple[str, dict | None] | None:
    """The home page's card (``app.home.cards``): a participant's pair, their count and what
    waits for them; for staff, the way to the pairs' progress. None: nothing to show."""
    if programme is None or g.get("user") is None:
        return None
    template = "mentoring/_home_card.html"
    if g.role in STAFF:
        return template, None
    if g.role != PARTICIPANT:
        return None
    groups = services.member_groups(g.user.id, programme.id)
    if not groups:
        return None
    group = groups[0]
    facts = progress.pair_facts(group, g.user.id)
    return template, {
        "group": group,
        "ended": group.status != PUBLISHED,
        "reminders": [(r, REMINDERS[r.code](r.params)) for r in rules.reminders(facts, clock.helsinki_today())],
        "counted": facts.counted_for_me,
        "required": facts.required,
    }


# --------------------------------------------------------------------------------------------
# My mentoring, and the facilitators' overview
# --------------------------------------------------------------------------------------------


@bp.get("")
@login_required(*MEMBERS)
def index():
    programme = _programme()
    if g.role in STAFF:
        return _overview(programme)
    groups = services.member_groups(g.user.id, programme.id)
    if not groups:
        return render_template("mentoring/unmatched.html", programme=programme)
    return group_page(groups[0], others=groups[1:])


@bp.get("/groups/<int:group_id>")
@login_required(*MEMBERS)
def group(group_id: int):
    group = group_or_404(group_id)
    if g.role in STAFF:
        return _staff_group_page(group, nudged=request.args.get("nudged", type=int))
    others = [x for x in services.member_groups(g.user.id, group.programme_id) if x.id != group.id]
    return group_page(group, others=others)


def group_page(group: MentoringGroup, others=(), status: int = 200, **extra):
    programme = group.programme
    meetings = progress.group_meetings(group.id)
    facts = progress.pair_facts(group, g.user.id, meetings)
    meeting_changes = changes.group_changes(group.id)
    pending = {c.meeting_id: c for c in meeting_changes if c.pending}
    # What this member may do with each meeting and each pending change (rules.meeting_actions).
    actions = {m.id: services.actions_for(m, g.user.id, pending.get(m.id)) for m in meetings}
    change_actions = {c.id: actions[c.meeting_id] for c in pending.values() if c.meeting_id in actions}
    agreement = services.agreement_of(group)
    library = get_library()
    ticks = services.ticked_items(group.id)
    checklists = [
        (c, sum(1 for item in c.items if item.id in ticks), len(c.items)) for c in library.checklists().values()
    ]
    today = clock.helsinki_today()
    # The programme's events (the events area provides them, see app.programme.timeline).
    timeline = programme_timeline.timeline(programme)
    return render_template(
        "mentoring/group.html",
        group=group,
        # Whether meetings may be logged (the services refuse otherwise); sounding out, the pair
        # cannot be ended nor its agreement opened yet.
        active=group.status in group_rules.MEETINGS_OPEN,
        sounding=group.status == SOUNDING_OUT,
        programme=programme,
        meetings=meetings,
        facts=facts,
        changes=meeting_changes,
        pending=pending,
        actions=actions,
        change_actions=change_actions,
        agreement=agreement,
        reminders=[REMINDERS[r.code](r.params) for r in rules.reminders(facts, today)],
        checklists=checklists,
        timeline=timeline,
        today=today,
        others=others,
        lang=str(get_locale()),
        prompts=extras.meeting_prompts(meetings, g.user.id),
        **extra,
    ), status


PROGRESS_PAGE_SIZE = 100  # a programme of 10,000 has 5,000 pairs and 60,000 meetings


def _progress_filters() -> tuple[progress.ProgressFilters, dict[str, str]]:
    """The progress view's filters from the query string, with an error for each unknown value."""
    errors = {}
    status = request.args.get("status") or None
    if status and status not in progress.PROGRESS_STATUSES:
        errors["status"] = gettext("Choose a status from the list.")
        status = None
    form = request.args.get("form") or None
    if form and form not in Form.__members__.values():
        errors["form"] = gettext("Choose a form of mentoring from the list.")
        form = None
    name = request.args.get("q", "").strip()[:100]
    return progress.ProgressFilters(status=status, form=form, name=name), errors


def _overview(programme):
    page = max(request.args.get("page", 1, type=db_int) or 1, 1)
    filters, errors = _progress_filters()
    pairs = progress.progress_page(programme, filters, PROGRESS_PAGE_SIZE + 1, (page - 1) * PROGRESS_PAGE_SIZE)
    more, pairs = len(pairs) > PROGRESS_PAGE_SIZE, pairs[:PROGRESS_PAGE_SIZE]
    members = [m.user_id for group, _facts in pairs for m in group.members]
    counts = {
        row.user_id: row.counted
        for row in db.session.scalars(
            db.select(MeetingCount).where(MeetingCount.programme_id == programme.id, MeetingCount.user_id.in_(members))
        )
    }
    today = clock.helsinki_today()
    rows = [(group, facts, rules.at_risk(facts, today)) for group, facts in pairs]
    signals = extras.pair_signals([group.id for group, _facts, _flags in rows])
    filter_args = {k: v for k, v in {"status": filters.status, "form": filters.form, "q": filters.name}.items() if v}
    return render_template(
        "mentoring/overview.html",
        programme=programme,
        rows=rows,
        counts=counts,
        signals=signals,
        page=page,
        more=more,
        filters=filters,
        filter_args=filter_args,
        errors=errors,
        forms=list(Form),
    ), (400 if errors else 200)


def _staff_group_page(group: MentoringGroup, status: int = 200, error: str | None = None, **extra):
    meetings = progress.group_meetings(group.id)
    counts = services.counted_for(group.programme_id, services.member_ids(group))
    facts = progress.pair_facts(group, None, meetings)
    return render_template(
        "mentoring/staff_group.html",
        group=group,
        programme=group.programme,
        meetings=meetings,
        counts=counts,
        facts=facts,
        flags=rules.at_risk(facts, clock.helsinki_today()),
        signals=extras.pair_signals([group.id]).get(group.id, []),
        changes=changes.group_changes(group.id),
        error=error,
        **extra,
    ), status


@bp.post("/groups/<int:group_id>/nudge")
@login_required(*STAFF)
def nudge(group_id: int):
    """The facilitator's nudge by mail to a pair the progress view flags at risk."""
    group = group_or_404(group_id)
    today = clock.helsinki_today()
    facts = progress.pair_facts(group, None, progress.group_meetings(group.id))
    if not rules.at_risk(facts, today):
        refused = Refused("not_at_risk")
        return _staff_group_page(group, refused.status, error=refused.text())
    queued = changes.nudge_pair(group, today)
    db.session.commit()
    return redirect(url_for("mentoring.group", group_id=group.id, nudged=queued) + "#nudge", code=303)


@bp.post("/groups/<int:group_id>/end")
@login_required(*MEMBERS)
def end(group_id: int):
    group = group_or_404(group_id)
    try:
        services.end_group(group, g.user.id, request.form.get("reason", ""))
    except Refused as refused:
        db.session.rollback()
        if g.role in STAFF:
            return _staff_group_page(group, 422, error=refused.text())
        return group_page(group, status=422, end_error=refused.text())
    if g.role in STAFF:
        # The reason is kept on the group for facilitators; the audit log names only the act.
        record("mentoring.end", target=f"mentoring_group:{group.id}")
    db.session.commit()
    return back_to_group(group, "status")


# The meetings', agreement's and journal's views register on ``bp`` (imported last: they use the
# access helpers above).
from . import agreement_pages, journal_pages, meeting_pages  # noqa: E402, F401
