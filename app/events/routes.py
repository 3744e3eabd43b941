"""Programme events and attendance.

* Everyone launched into the course sees the programme's events; a participant also sees their
  own attendance record, and nobody else's.
* Facilitators and administrators add events, and record attendance: tick a list, or import the
  meeting platform's attendance report (CSV of e-mail addresses) through a preview that lists
  the rows it could not use. Recording is idempotent: a person is recorded once per event however
  often a report is imported. Every change is audited.
* Each change of attendance, and each event added, edited or cancelled, recomputes the second
  gradebook column, "Ohjelman tilaisuudet" (programme events: events attended of the events held
  so far), and queues the scores that changed (``services.recompute_attendance_scores``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.core import picker
from app.core.audit import record
from app.core.auth import MEMBERS, STAFF, login_required
from app.core.clock import NonexistentTime, helsinki_to_utc, utc_to_helsinki, utcnow
from app.core.db import db
from app.programme.services import current_programme, pickable
from app.programme.services import current_programme_or_404 as _programme

from ..people.models import User
from ..programme.models import Registration
from ..programme.rules import web_link
from ..programme.services import outside_programme
from . import rules
from .forms import AttendanceForm
from .models import ADDED_KINDS, Attendance, ProgrammeEvent
from .services import (
    KIND_NAMES,
    attendance_of,
    event_title,
    import_report,
    programme_events,
    recompute_attendance_scores,
    save_list,
)

bp = Blueprint("events", __name__, url_prefix="/events", template_folder="templates")


def _event(event_id: int) -> ProgrammeEvent:
    event = db.session.get(ProgrammeEvent, event_id)
    if event is None or g.course is None or event.programme.course_id != g.course.id:
        abort(404)
    return event


def _registered(programme_id: int) -> list[tuple[Registration, User]]:
    return list(
        db.session.execute(
            db.select(Registration, User)
            .join(User, User.id == Registration.user_id)
            .where(Registration.programme_id == programme_id, Registration.withdrawn_at.is_(None))
            .order_by(User.family_name, User.given_name, User.id)
        ).all()
    )


def ends(moment: datetime, minutes: int) -> datetime:
    try:
        return moment + timedelta(minutes=minutes)
    except OverflowError:  # an event stored before dates were bounded, at the end of year 9999
        return datetime.max


@bp.context_processor
def _globals():
    return {"kind_names": KIND_NAMES, "event_title": event_title, "ends": ends}


@bp.get("/")
@login_required(*MEMBERS)
def index():
    programme = current_programme(g.course.id if g.course else None)
    if programme is None:
        return render_template("sparring/no_programme.html", title=_("Programme events"))
    return _index_page(programme)


def _index_page(programme, errors=None, form=None, status=200):
    """The events page; after a refused "add event" too, so its counts stay right."""
    mine: set[int] = set()
    counts: dict[int, int] = {}
    if g.role in STAFF:
        counts = dict(
            db.session.execute(
                db.select(Attendance.event_id, db.func.count(Attendance.id))
                .join(ProgrammeEvent, ProgrammeEvent.id == Attendance.event_id)
                .where(ProgrammeEvent.programme_id == programme.id)
                .group_by(Attendance.event_id)
            ).all()
        )
    else:
        mine = set(
            db.session.scalars(
                db.select(Attendance.event_id)
                .join(ProgrammeEvent, ProgrammeEvent.id == Attendance.event_id)
                .where(ProgrammeEvent.programme_id == programme.id, Attendance.user_id == g.user.id)
            )
        )
    return render_template(
        "events/index.html",
        programme=programme,
        events=programme_events(programme.id),
        mine=mine,
        counts=counts,
        now=utcnow(),
        is_staff=g.role in STAFF,
        added_kinds=ADDED_KINDS,
        errors=errors or {},
        form=form or {},
    ), status


def _event_fields(programme, form, errors: dict, *, fixed_day: date | None = None) -> dict:
    """Validated fields of the event form; ``fixed_day``: the programme's date for its own events."""
    values: dict[str, Any] = {}
    try:
        day = fixed_day or date.fromisoformat(form.get("date", "").strip())
        at = time.fromisoformat(form.get("time", "").strip())
        refusal = None if fixed_day else outside_programme(programme, day)
        if refusal:
            errors["when"] = refusal
        else:
            values["starts_at"] = helsinki_to_utc(day, at)
    except NonexistentTime:
        errors["when"] = _("That time does not exist in Finland: clocks skip from 03:00 to 04:00 that night.")
    except ValueError:
        errors["when"] = _("Give the date as YYYY-MM-DD and the time as HH:MM.")
    try:
        minutes = int(form.get("duration", ""))
    except ValueError:
        minutes = 0
    if not 5 <= minutes <= 24 * 60:
        errors["duration"] = _("Give the length in minutes, between 5 and 1440.")
    values["duration_minutes"] = minutes
    values["location"] = form.get("location", "").strip()[:255]
    url = form.get("url", "").strip()
    if url and not web_link(url):
        errors["url"] = _("The link must be a web address starting with https://.")
    values["url"] = url
    values["description"] = form.get("description", "").strip()[:5000]
    return values


@bp.post("/")
@login_required(*STAFF)
def create():
    programme = _programme()
    form = request.form
    errors: dict = {}
    kind = form.get("kind", "")
    if kind not in ADDED_KINDS:
        errors["kind"] = _("Choose the kind of event.")
    title = form.get("title", "").strip()
    if not title:
        errors["title"] = _("Give the event a title.")
    elif len(title) > 255:
        errors["title"] = _("The title can be at most %(n)s characters.", n=255)
    values = _event_fields(programme, form, errors)
    if errors:
        return _index_page(programme, errors=errors, form=form.to_dict(), status=400)
    event = ProgrammeEvent(programme_id=programme.id, kind=kind, title=title, **values)
    db.session.add(event)
    db.session.flush()
    record("events.created", target=f"programme_event:{event.id}", details={"kind": kind})
    recompute_attendance_scores(programme)  # an event already held changes everyone's maximum
    db.session.commit()
    flash(_("The event was added."))
    return redirect(url_for("events.index", _anchor=f"event-{event.id}"), code=303)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required(*STAFF)
def edit(event_id: int):
    event = _event(event_id)
    errors: dict = {}
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        fixed = utc_to_helsinki(event.starts_at).date() if event.slot else None
        values = _event_fields(event.programme, request.form, errors, fixed_day=fixed)
        title = request.form.get("title", "").strip()
        if not event.slot and not title:
            errors["title"] = _("Give the event a title.")
        if not errors:
            for key, value in values.items():
                setattr(event, key, value)
            event.title = title[:255]
            if request.form.get("cancel") == "1" and not event.slot:
                event.cancelled_at = utcnow()
            record(
                "events.updated",
                target=f"programme_event:{event.id}",
                details={"cancelled": event.cancelled_at is not None},
            )
            recompute_attendance_scores(event.programme)  # cancelled or moved across "now"
            db.session.commit()
            flash(_("The event was saved."))
            return redirect(url_for("events.index", _anchor=f"event-{event.id}"), code=303)
    return render_template("events/edit.html", event=event, errors=errors, form=form), 400 if errors else 200


# --------------------------------------------------------------------------------------------
# Attendance
# --------------------------------------------------------------------------------------------


@bp.get("/<int:event_id>/attendance")
@login_required(*STAFF)
def attendance(event_id: int):
    event = _event(event_id)
    return _attendance_page(event)


def _attendance_page(event, errors=None, preview=None, report_text="", status=200, form=None):
    people = _registered(event.programme_id)
    recorded = attendance_of(event)
    if form is None:
        kept = picker.kept()  # the list as ticked before a search without JavaScript
        form = AttendanceForm(formdata=kept, data={"attended": sorted(recorded)})
        form.attended.offer(pickable(event.programme, [user for _registration, user in people]))
    return render_template(
        "events/attendance.html",
        event=event,
        people=people,
        form=form,
        attending=sum(1 for _registration, user in people if user.id in recorded),
        errors=errors or {},
        preview=preview,
        report_text=report_text,
    ), status


@bp.post("/<int:event_id>/attendance")
@login_required(*STAFF)
def save_attendance(event_id: int):
    """The ticked list is the truth for this event: ticked added, unticked removed."""
    event = _event(event_id)
    if picker.searching():
        return picker.search_again()
    people = _registered(event.programme_id)
    form = AttendanceForm()
    form.attended.offer(pickable(event.programme, [user for _registration, user in people]))
    if not form.validate_on_submit():
        return _attendance_page(event, form=form, status=400)
    registered = {r.user_id for r, _user in people}
    added, removed = save_list(event, set(form.attended.data), registered, g.user.id)
    picker.forget()
    db.session.commit()
    flash(_("Attendance saved: %(added)s added, %(removed)s removed.", added=len(added), removed=len(removed)))
    return redirect(url_for("events.attendance", event_id=event.id), code=303)


# The report being previewed, kept in the (server-side) session so that the preview is a page of
# its own: step 1 redirects to it, and reloading it posts nothing.
PREVIEW_KEY = "attendance_preview"


def _matched_report(event: ProgrammeEvent, text: str):
    """The report matched to the event's registered participants, and those not yet recorded."""
    people = {
        rules.normalise_email(user.email): user.id
        for _registration, user in _registered(event.programme_id)
        if user.email
    }
    matched = rules.match_report(rules.parse_report(text), people)
    recorded = attendance_of(event)
    return matched, recorded, {uid for uid in matched.matched if uid not in recorded}


@bp.get("/<int:event_id>/attendance/import")
@login_required(*STAFF)
def attendance_preview(event_id: int):
    event = _event(event_id)
    kept = session.get(PREVIEW_KEY) or {}
    if kept.get("event_id") != event.id:
        return redirect(url_for("events.attendance", event_id=event.id), code=303)
    text = kept["report_text"]
    matched, recorded, new = _matched_report(event, text)
    users = {u.id: u for _r, u in _registered(event.programme_id)}
    preview = {
        "new": [users[uid] for uid in sorted(new, key=lambda i: users[i].display_name)],
        "already": [users[uid] for uid in matched.matched if uid in recorded],
        "unknown": matched.unknown,
        "malformed": matched.malformed,
        "duplicates": matched.duplicates,
    }
    return _attendance_page(event, preview=preview, report_text=text)


@bp.post("/<int:event_id>/attendance/import")
@login_required(*STAFF)
def import_attendance(event_id: int):
    """Step 1 (a file or pasted text): to the preview. Step 2 (``confirm``): the matched rows applied."""
    event = _event(event_id)
    upload = request.files.get("report")
    if upload is not None and upload.filename:
        try:
            text = rules.decode(upload.read())
        except rules.ReportError:
            return _attendance_page(event, {"report": _("The file is not a text (CSV) file.")}, status=400)
    else:
        text = request.form.get("report_text", "")
    if not text.strip():
        return _attendance_page(
            event, {"report": _("Choose the attendance report file, or paste its rows.")}, status=400
        )
    try:
        matched, _recorded, new = _matched_report(event, text)
    except rules.ReportError:
        return _attendance_page(
            event, {"report": _("The file could not be read as an attendance report (CSV).")}, status=400
        )
    if request.form.get("confirm") != "1":
        session[PREVIEW_KEY] = {"event_id": event.id, "report_text": text}
        return redirect(url_for("events.attendance_preview", event_id=event.id, _anchor="preview-heading"), code=303)
    session.pop(PREVIEW_KEY, None)
    new = import_report(event, new, matched, g.user.id)
    db.session.commit()
    flash(
        ngettext(
            "%(num)s attendance recorded from the report.", "%(num)s attendances recorded from the report.", len(new)
        )
    )
    already = len(matched.matched) - len(new)
    if already:
        flash(ngettext("%(num)s was already recorded.", "%(num)s were already recorded.", already))
    return redirect(url_for("events.attendance", event_id=event.id), code=303)
