"""My mentoring's meetings: logging, attesting (confirm or dispute), changes of a counted meeting
that the other attendees confirm, and a facilitator's change with a reason. Views on the area's
blueprint (:mod:`.routes`), whose access rules they follow."""

from __future__ import annotations

from datetime import date, time

from flask import abort, g, render_template, request
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.auth import STAFF, login_required
from app.core.db import db
from app.core.refusals import Refused
from app.groups import rules as group_rules
from app.groups.models import MentoringGroup

from ..people.models import PARTICIPANT
from . import changes, rules, services
from .models import Meeting, MeetingChange
from .routes import (
    back_to_group,
    bp,
    group_or_404,
    group_page,
    meeting_or_404,
    member_group_or_404,
    problem_text,
)
from .services import MeetingInput

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
            saved, check = changes.propose_correction(meeting, g.user.id, data)
        else:
            saved, check = changes.facilitator_correct(meeting, g.user.id, data, request.form.get("reason", ""))
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
        return back_to_group(group, "changes")
    if purpose == "propose":
        return back_to_group(group, f"change-{saved.id}")
    noted = "duration" if check.notes else None
    return back_to_group(group, f"meeting-{saved.id}", noted=noted)


@bp.route("/groups/<int:group_id>/meetings/new", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def new_meeting(group_id: int):
    group = member_group_or_404(group_id)
    if group.status not in group_rules.MEETINGS_OPEN:
        abort(409)
    if request.method == "POST":
        return _save_meeting(group)
    return _meeting_form(group)


@bp.route("/groups/<int:group_id>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def edit_meeting(group_id: int, meeting_id: int):
    group = member_group_or_404(group_id)
    meeting = meeting_or_404(group, meeting_id)
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
    group = member_group_or_404(group_id)
    meeting = meeting_or_404(group, meeting_id)
    try:
        services.confirm_meeting(meeting, g.user.id)
    except Refused as refused:
        db.session.rollback()
        return group_page(group, status=refused.status, meeting_error=(meeting.id, refused.text()))
    db.session.commit()
    return back_to_group(group, f"meeting-{meeting.id}")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/dispute")
@login_required(PARTICIPANT)
def dispute_meeting(group_id: int, meeting_id: int):
    group = member_group_or_404(group_id)
    meeting = meeting_or_404(group, meeting_id)
    try:
        services.dispute_meeting(meeting, g.user.id, request.form.get("reason", ""))
    except Refused as refused:
        db.session.rollback()
        return group_page(
            group,
            status=refused.status,
            meeting_error=(meeting.id, refused.text()),
            reason=request.form.get("reason", ""),
        )
    db.session.commit()
    return back_to_group(group, f"meeting-{meeting.id}")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/delete")
@login_required(PARTICIPANT)
def delete_meeting(group_id: int, meeting_id: int):
    group = member_group_or_404(group_id)
    meeting = meeting_or_404(group, meeting_id)
    counted = meeting.state == rules.COUNTED
    try:
        if counted:
            change = changes.propose_deletion(meeting, g.user.id)
        else:
            services.delete_meeting(meeting, g.user.id)
    except Refused as refused:
        db.session.rollback()
        return group_page(group, status=refused.status, meeting_error=(meeting.id, refused.text()))
    db.session.commit()
    return back_to_group(group, f"change-{change.id}" if counted else "meetings")


# --------------------------------------------------------------------------------------------
# Proposed changes of counted meetings: confirm, decline, withdraw
# --------------------------------------------------------------------------------------------


def _change(group: MentoringGroup, change_id: int) -> MeetingChange:
    change = db.session.get(MeetingChange, change_id)
    if change is None or change.group_id != group.id:
        abort(404)
    return change


def _answer_change(group_id: int, change_id: int, answer):
    group = member_group_or_404(group_id)
    change = _change(group, change_id)
    try:
        answer(change, g.user.id)
    except Refused as refused:
        db.session.rollback()
        return group_page(group, status=refused.status, change_error=(change.id, refused.text()))
    db.session.commit()
    return back_to_group(group, "changes")


@bp.post("/groups/<int:group_id>/changes/<int:change_id>/confirm")
@login_required(PARTICIPANT)
def confirm_change(group_id: int, change_id: int):
    return _answer_change(group_id, change_id, changes.confirm_change)


@bp.post("/groups/<int:group_id>/changes/<int:change_id>/decline")
@login_required(PARTICIPANT)
def decline_change(group_id: int, change_id: int):
    return _answer_change(group_id, change_id, changes.decline_change)


@bp.post("/groups/<int:group_id>/changes/<int:change_id>/withdraw")
@login_required(PARTICIPANT)
def withdraw_change(group_id: int, change_id: int):
    return _answer_change(group_id, change_id, changes.withdraw_change)


# --------------------------------------------------------------------------------------------
# A facilitator's change of a meeting: at once, with a reason the members see
# --------------------------------------------------------------------------------------------


@bp.route("/groups/<int:group_id>/meetings/<int:meeting_id>/override", methods=["GET", "POST"])
@login_required(*STAFF)
def override_meeting(group_id: int, meeting_id: int):
    group = group_or_404(group_id)
    meeting = meeting_or_404(group, meeting_id)
    if request.method == "POST":
        return _save_meeting(group, meeting, "override")
    return _meeting_form(group, meeting, purpose="override")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/override/delete")
@login_required(*STAFF)
def override_delete(group_id: int, meeting_id: int):
    group = group_or_404(group_id)
    meeting = meeting_or_404(group, meeting_id)
    try:
        changes.facilitator_delete(meeting, g.user.id, request.form.get("reason", ""))
    except Refused as refused:
        db.session.rollback()
        values = _meeting_form_values(meeting) | {"delete_reason": request.form.get("reason", "")}
        return _meeting_form(group, meeting, values, {"delete_reason": [refused.text()]}, refused.status, "override")
    db.session.commit()
    return back_to_group(group, "changes")
