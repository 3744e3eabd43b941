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

from datetime import date, datetime, time

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
from app.programme.services import current_programme
from app.programme.services import current_programme_or_404 as _programme

from ..content import get_library
from ..ids import db_int
from ..people.models import PARTICIPANT
from . import extras, journal, rules, services
from .labels import ANSWER_NAMES, MODE_NAMES, STATE_NAMES
from .models import AGREEMENT_SECTIONS, JournalEntry, Meeting, MeetingChange, MeetingCount
from .services import MeetingInput

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


def _group(group_id: int) -> MentoringGroup:
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


def _member_group(group_id: int) -> MentoringGroup:
    if g.role != PARTICIPANT:
        abort(403)
    return _group(group_id)


def _agreed_group(group_id: int) -> MentoringGroup:
    """The member's group for its agreement, which opens only once every member said go on."""
    group = _member_group(group_id)
    if group.status == SOUNDING_OUT:
        abort(404)
    return group


def _meeting(group: MentoringGroup, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.group_id != group.id:
        abort(404)
    return meeting


def _back(group: MentoringGroup, anchor: str | None = None, **args):
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
    facts = services.pair_facts(group, g.user.id)
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
    return _group_page(groups[0], others=groups[1:])


@bp.get("/groups/<int:group_id>")
@login_required(*MEMBERS)
def group(group_id: int):
    group = _group(group_id)
    if g.role in STAFF:
        return _staff_group_page(group, nudged=request.args.get("nudged", type=int))
    others = [x for x in services.member_groups(g.user.id, group.programme_id) if x.id != group.id]
    return _group_page(group, others=others)


def _group_page(group: MentoringGroup, others=(), status: int = 200, **extra):
    programme = group.programme
    meetings = services.group_meetings(group.id)
    facts = services.pair_facts(group, g.user.id, meetings)
    changes = services.group_changes(group.id)
    pending = {c.meeting_id: c for c in changes if c.pending}
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
        changes=changes,
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


def _progress_filters() -> tuple[services.ProgressFilters, dict[str, str]]:
    """The progress view's filters from the query string, with an error for each unknown value."""
    errors = {}
    status = request.args.get("status") or None
    if status and status not in services.PROGRESS_STATUSES:
        errors["status"] = gettext("Choose a status from the list.")
        status = None
    form = request.args.get("form") or None
    if form and form not in Form.__members__.values():
        errors["form"] = gettext("Choose a form of mentoring from the list.")
        form = None
    name = request.args.get("q", "").strip()[:100]
    return services.ProgressFilters(status=status, form=form, name=name), errors


def _overview(programme):
    page = max(request.args.get("page", 1, type=db_int) or 1, 1)
    filters, errors = _progress_filters()
    pairs = services.progress_page(programme, filters, PROGRESS_PAGE_SIZE + 1, (page - 1) * PROGRESS_PAGE_SIZE)
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
    meetings = services.group_meetings(group.id)
    counts = services.counted_for(group.programme_id, services.member_ids(group))
    facts = services.pair_facts(group, None, meetings)
    return render_template(
        "mentoring/staff_group.html",
        group=group,
        programme=group.programme,
        meetings=meetings,
        counts=counts,
        facts=facts,
        flags=rules.at_risk(facts, clock.helsinki_today()),
        signals=extras.pair_signals([group.id]).get(group.id, []),
        changes=services.group_changes(group.id),
        error=error,
        **extra,
    ), status


@bp.post("/groups/<int:group_id>/nudge")
@login_required(*STAFF)
def nudge(group_id: int):
    """The facilitator's nudge by mail to a pair the progress view flags at risk."""
    group = _group(group_id)
    today = clock.helsinki_today()
    facts = services.pair_facts(group, None, services.group_meetings(group.id))
    if not rules.at_risk(facts, today):
        refused = Refused("not_at_risk")
        return _staff_group_page(group, refused.status, error=refused.text())
    queued = services.nudge_pair(group, today)
    db.session.commit()
    return redirect(url_for("mentoring.group", group_id=group.id, nudged=queued) + "#nudge", code=303)


@bp.post("/groups/<int:group_id>/end")
@login_required(*MEMBERS)
def end(group_id: int):
    group = _group(group_id)
    try:
        services.end_group(group, g.user.id, request.form.get("reason", ""))
    except Refused as refused:
        db.session.rollback()
        if g.role in STAFF:
            return _staff_group_page(group, 422, error=refused.text())
        return _group_page(group, status=422, end_error=refused.text())
    if g.role in STAFF:
        # The reason is kept on the group for facilitators; the audit log names only the act.
        record("mentoring.end", target=f"mentoring_group:{group.id}")
    db.session.commit()
    return _back(group, "status")


# --------------------------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------------------------


def _parse_meeting_form(group: MentoringGroup) -> tuple[MeetingInput, dict]:
    form = request.form
    errors: dict[str, list[str]] = {}

    def parse(name, convert, code):
        raw = (form.get(name) or "").strip()
        if not raw:
            return None
        try:
            return convert(raw)
        except ValueError:
            errors.setdefault(name, []).append(str(code))
            return None

    day = parse("date", date.fromisoformat, _l("Enter the date as day, month and year."))
    at = parse(
        "time",
        lambda v: time.fromisoformat(v.replace(".", ":")),
        _l("Enter the time as hours and minutes, e.g. 14:30."),
    )
    duration = parse("duration", int, _l("Enter the length as a whole number of minutes."))
    members = services.member_ids(group)
    if len(members) == 2:
        attendees = members  # in a pair, both were there
    else:
        attendees = []
        for value in form.getlist("attendees"):
            try:
                attendees.append(int(value))
            except ValueError:
                attendees.append(-1)
    return MeetingInput(day, at, duration, form.get("mode") or None, attendees), errors


def _meeting_form(group, meeting=None, values=None, errors=None, status=200, purpose=None):
    """The meeting form; ``purpose``: ``log``, ``edit`` (the logger, not yet counted),
    ``propose`` (a counted meeting: the others confirm) or ``override`` (a facilitator)."""
    purpose = purpose or ("log" if meeting is None else "edit")
    if values is None:
        if meeting is not None:
            values = _meeting_form_values(meeting)
        else:
            values = {
                "date": clock.helsinki_today().isoformat(),
                "time": "",
                "duration": "60",
                "mode": "video",
                "attendees": [str(m) for m in services.member_ids(group)],
            }
    return render_template(
        "mentoring/meeting_form.html",
        group=group,
        programme=group.programme,
        meeting=meeting,
        values=values,
        errors=errors or {},
        purpose=purpose,
    ), status


def _meeting_form_values(meeting: Meeting) -> dict:
    local = meeting.local_start
    return {
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "duration": str(meeting.duration_minutes),
        "mode": meeting.mode,
        "attendees": [str(a) for a in meeting.attendee_ids()],
    }


def _form_values():
    return {
        "date": request.form.get("date", ""),
        "time": request.form.get("time", ""),
        "duration": request.form.get("duration", ""),
        "mode": request.form.get("mode", ""),
        "attendees": request.form.getlist("attendees"),
        "reason": request.form.get("reason", ""),
    }


def _save_meeting(group, meeting=None, purpose="log"):
    data, errors = _parse_meeting_form(group)
    try:
        if purpose == "log":
            saved, check = services.log_meeting(group, g.user.id, data)
        elif purpose == "edit":
            saved, check = services.correct_meeting(meeting, g.user.id, data)
        elif purpose == "propose":
            saved, check = services.propose_correction(meeting, g.user.id, data)
        else:
            saved, check = services.facilitator_correct(meeting, g.user.id, data, request.form.get("reason", ""))
    except Refused as refused:
        db.session.rollback()
        if refused.status == 403:
            abort(403)
        if refused.code == services.MEETING_HAS_PROBLEMS:
            for problem in refused.params["problems"]:
                if problem.field not in errors:  # a parse error already explains that field
                    errors.setdefault(problem.field, []).append(problem_text(problem))
        else:
            field = "reason" if refused.code.startswith("reason") else "form"
            errors = {field: [refused.text()]}
        return _meeting_form(group, meeting, _form_values(), errors, refused.status, purpose)
    if errors:
        db.session.rollback()
        return _meeting_form(group, meeting, _form_values(), errors, 422, purpose)
    db.session.commit()
    if purpose == "override":
        return _back(group, "changes")
    if purpose == "propose":
        return _back(group, f"change-{saved.id}")
    noted = "duration" if check.notes else None
    return _back(group, f"meeting-{saved.id}", noted=noted)


@bp.route("/groups/<int:group_id>/meetings/new", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def new_meeting(group_id: int):
    group = _member_group(group_id)
    if group.status not in group_rules.MEETINGS_OPEN:
        abort(409)
    if request.method == "POST":
        return _save_meeting(group)
    return _meeting_form(group)


@bp.route("/groups/<int:group_id>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def edit_meeting(group_id: int, meeting_id: int):
    group = _member_group(group_id)
    meeting = _meeting(group, meeting_id)
    if group.status not in group_rules.MEETINGS_OPEN:
        abort(409)
    change = services.pending_change(meeting)
    actions = services.actions_for(meeting, g.user.id, change)
    if actions.edit:
        purpose = "edit"
    elif actions.propose:
        purpose = "propose"
    elif change is not None and g.user.id in meeting.attendee_ids():
        abort(409)  # one proposal at a time
    else:
        abort(403)
    if request.method == "POST":
        return _save_meeting(group, meeting, purpose)
    return _meeting_form(group, meeting, purpose=purpose)


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/confirm")
@login_required(PARTICIPANT)
def confirm_meeting(group_id: int, meeting_id: int):
    group = _member_group(group_id)
    meeting = _meeting(group, meeting_id)
    try:
        services.confirm_meeting(meeting, g.user.id)
    except Refused as refused:
        db.session.rollback()
        return _group_page(group, status=refused.status, meeting_error=(meeting.id, refused.text()))
    db.session.commit()
    return _back(group, f"meeting-{meeting.id}")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/dispute")
@login_required(PARTICIPANT)
def dispute_meeting(group_id: int, meeting_id: int):
    group = _member_group(group_id)
    meeting = _meeting(group, meeting_id)
    try:
        services.dispute_meeting(meeting, g.user.id, request.form.get("reason", ""))
    except Refused as refused:
        db.session.rollback()
        return _group_page(
            group,
            status=refused.status,
            meeting_error=(meeting.id, refused.text()),
            reason=request.form.get("reason", ""),
        )
    db.session.commit()
    return _back(group, f"meeting-{meeting.id}")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/delete")
@login_required(PARTICIPANT)
def delete_meeting(group_id: int, meeting_id: int):
    group = _member_group(group_id)
    meeting = _meeting(group, meeting_id)
    counted = meeting.state == rules.COUNTED
    try:
        if counted:
            change = services.propose_deletion(meeting, g.user.id)
        else:
            services.delete_meeting(meeting, g.user.id)
    except Refused as refused:
        db.session.rollback()
        return _group_page(group, status=refused.status, meeting_error=(meeting.id, refused.text()))
    db.session.commit()
    return _back(group, f"change-{change.id}" if counted else "meetings")


# --------------------------------------------------------------------------------------------
# Proposed changes of counted meetings: confirm, decline, withdraw
# --------------------------------------------------------------------------------------------


def _change(group: MentoringGroup, change_id: int) -> MeetingChange:
    change = db.session.get(MeetingChange, change_id)
    if change is None or change.group_id != group.id:
        abort(404)
    return change


def _answer_change(group_id: int, change_id: int, answer):
    group = _member_group(group_id)
    change = _change(group, change_id)
    try:
        answer(change, g.user.id)
    except Refused as refused:
        db.session.rollback()
        return _group_page(group, status=refused.status, change_error=(change.id, refused.text()))
    db.session.commit()
    return _back(group, "changes")


@bp.post("/groups/<int:group_id>/changes/<int:change_id>/confirm")
@login_required(PARTICIPANT)
def confirm_change(group_id: int, change_id: int):
    return _answer_change(group_id, change_id, services.confirm_change)


@bp.post("/groups/<int:group_id>/changes/<int:change_id>/decline")
@login_required(PARTICIPANT)
def decline_change(group_id: int, change_id: int):
    return _answer_change(group_id, change_id, services.decline_change)


@bp.post("/groups/<int:group_id>/changes/<int:change_id>/withdraw")
@login_required(PARTICIPANT)
def withdraw_change(group_id: int, change_id: int):
    return _answer_change(group_id, change_id, services.withdraw_change)


# --------------------------------------------------------------------------------------------
# A facilitator's change of a meeting: at once, with a reason the members see
# --------------------------------------------------------------------------------------------


@bp.route("/groups/<int:group_id>/meetings/<int:meeting_id>/override", methods=["GET", "POST"])
@login_required(*STAFF)
def override_meeting(group_id: int, meeting_id: int):
    group = _group(group_id)
    meeting = _meeting(group, meeting_id)
    if request.method == "POST":
        return _save_meeting(group, meeting, "override")
    return _meeting_form(group, meeting, purpose="override")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/override/delete")
@login_required(*STAFF)
def override_delete(group_id: int, meeting_id: int):
    group = _group(group_id)
    meeting = _meeting(group, meeting_id)
    try:
        services.facilitator_delete(meeting, g.user.id, request.form.get("reason", ""))
    except Refused as refused:
        db.session.rollback()
        values = _meeting_form_values(meeting) | {"delete_reason": request.form.get("reason", "")}
        return _meeting_form(group, meeting, values, {"delete_reason": [refused.text()]}, refused.status, "override")
    db.session.commit()
    return _back(group, "changes")


# --------------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------------


def _agreement_page(group, version=None, status=200, **extra):
    agreement = services.agreement_of(group)
    current = agreement.current if agreement else None
    shown = version or current
    return render_template(
        "mentoring/agreement.html",
        group=group,
        agreement=agreement,
        current=current,
        shown=shown,
        members=group.members,
        in_force=current is not None and rules.agreement_accepted(current.acceptor_ids(), services.member_ids(group)),
        **extra,
    ), status


@bp.get("/groups/<int:group_id>/agreement")
@login_required(PARTICIPANT)
def agreement(group_id: int):
    return _agreement_page(_agreed_group(group_id))


@bp.get("/groups/<int:group_id>/agreement/versions/<int:number>")
@login_required(PARTICIPANT)
def agreement_version(group_id: int, number: int):
    group = _agreed_group(group_id)
    agreement = services.agreement_of(group)
    version = next((v for v in agreement.versions if v.number == number), None) if agreement else None
    if version is None:
        abort(404)
    return _agreement_page(group, version)


@bp.route("/groups/<int:group_id>/agreement/edit", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def edit_agreement(group_id: int):
    group = _agreed_group(group_id)
    if group.status != PUBLISHED:
        abort(409)
    agreement = services.agreement_of(group)
    current = agreement.current if agreement else None
    if request.method == "POST":
        texts = {s: request.form.get(s, "") for s in AGREEMENT_SECTIONS}
        try:
            base = int(request.form.get("base_version", ""))
        except ValueError:
            abort(400)
        try:
            services.save_agreement(group, g.user.id, base, texts)
        except Refused as refused:
            db.session.rollback()
            db.session.expire_all()
            agreement = services.agreement_of(group)
            current = agreement.current if agreement else None
            conflict = refused.code == "agreement_conflict"
            return render_template(
                "mentoring/agreement_form.html",
                group=group,
                texts=texts,
                base=current.number if (conflict and current) else base,
                newer=current if conflict else None,
                error=refused.text(),
            ), 409 if conflict else 422
        db.session.commit()
        return redirect(url_for("mentoring.agreement", group_id=group.id, saved=1), 303)
    if current is not None:
        texts = {s: getattr(current, s) for s in AGREEMENT_SECTIONS}
    else:
        texts = services.suggested_agreement(group)
    return render_template(
        "mentoring/agreement_form.html",
        group=group,
        texts=texts,
        base=current.number if current else 0,
        suggested=current is None,
        newer=None,
        error=None,
    )


@bp.post("/groups/<int:group_id>/agreement/accept")
@login_required(PARTICIPANT)
def accept_agreement(group_id: int):
    group = _agreed_group(group_id)
    try:
        number = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    try:
        services.accept_agreement(group, g.user.id, number)
    except Refused as refused:
        db.session.rollback()
        return _agreement_page(group, status=409, error=refused.text())
    db.session.commit()
    return redirect(url_for("mentoring.agreement", group_id=group.id, accepted=1), 303)


# --------------------------------------------------------------------------------------------
# Checklists ticked together (the page is the material's checklist page)
# --------------------------------------------------------------------------------------------


@bp.post("/groups/<int:group_id>/checklists/<checklist_id>")
@login_required(PARTICIPANT)
def tick(group_id: int, checklist_id: str):
    group = _member_group(group_id)
    checklist = get_library().checklists().get(checklist_id)
    if checklist is None:
        abort(404)
    item_id = request.form.get("item", "")
    if item_id not in {item.id for item in checklist.items}:
        abort(400)
    try:
        services.set_tick(group, g.user.id, item_id, request.form.get("ticked") == "1")
    except Refused:
        db.session.rollback()
        abort(409)
    db.session.commit()
    return redirect(
        url_for("content.checklist", checklist_id=checklist.id, _anchor="item-" + item_id.replace(".", "-")), 303
    )


def checklist_state():
    """For the material's checklist pages: the viewer's active pair and its ticks, or None."""
    if g.get("user") is None or g.role != PARTICIPANT or g.course is None:
        return None
    programme = current_programme(g.course.id)
    if programme is None:
        return None
    groups = [x for x in services.member_groups(g.user.id, programme.id) if x.status == PUBLISHED]
    if not groups:
        return None
    return {"group": groups[0], "ticks": services.ticked_items(groups[0].id)}


# --------------------------------------------------------------------------------------------
# Journal (the author's alone)
# --------------------------------------------------------------------------------------------


def _own_entry(entry_id: int) -> JournalEntry:
    entry = db.session.get(JournalEntry, entry_id)
    if entry is None or entry.user_id != g.user.id:
        abort(404)
    return entry


@bp.get("/journal")
@login_required(PARTICIPANT)
def journal_index():
    programme = _programme()
    entries = [(e, journal.decrypt(e.body)) for e in journal.own_entries(g.user.id, programme.id)]
    return render_template("mentoring/journal.html", entries=entries, prompts=journal.PROMPTS)


def _journal_form(entry=None, text="", prompt_id=None, error=None, status=200):
    return render_template(
        "mentoring/journal_form.html",
        entry=entry,
        text=text,
        prompt_id=prompt_id,
        error=error,
        prompt=journal.PROMPTS.get(prompt_id),
        max_length=journal.BODY_MAX,
    ), status


def _journal_text() -> tuple[str, str | None]:
    text = (request.form.get("text") or "").replace("\r\n", "\n").strip()
    if not text:
        return text, str(REFUSALS["journal_empty"])
    if len(text) > journal.BODY_MAX:
        return text, REFUSALS["journal_too_long"] % {"max": journal.BODY_MAX}
    return text, None


@bp.route("/journal/new", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def journal_new():
    programme = _programme()
    prompt_id = request.values.get("prompt")
    prompt_id = prompt_id if prompt_id in journal.PROMPTS else None
    if request.method == "POST":
        text, error = _journal_text()
        if error:
            return _journal_form(text=text, prompt_id=prompt_id, error=error, status=422)
        entry = JournalEntry(
            user_id=g.user.id, programme_id=programme.id, prompt_id=prompt_id, body=journal.encrypt(text)
        )
        db.session.add(entry)
        db.session.commit()
        return redirect(url_for("mentoring.journal_index", saved=1, _anchor=f"entry-{entry.id}"), 303)
    prefill = f"{journal.PROMPTS[prompt_id]}\n\n" if prompt_id else ""
    return _journal_form(text=prefill, prompt_id=prompt_id)


@bp.route("/journal/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def journal_edit(entry_id: int):
    entry = _own_entry(entry_id)
    if request.method == "POST":
        text, error = _journal_text()
        if error:
            return _journal_form(entry, text, entry.prompt_id, error, 422)
        entry.body = journal.encrypt(text)
        db.session.commit()
        return redirect(url_for("mentoring.journal_index", saved=1, _anchor=f"entry-{entry.id}"), 303)
    return _journal_form(entry, journal.decrypt(entry.body), entry.prompt_id)


@bp.post("/journal/<int:entry_id>/delete")
@login_required(PARTICIPANT)
def journal_delete(entry_id: int):
    entry = _own_entry(entry_id)
    db.session.delete(entry)
    db.session.commit()
    return redirect(url_for("mentoring.journal_index", deleted=1), 303)
