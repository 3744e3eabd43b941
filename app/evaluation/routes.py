"""The evaluation's pages: surveys to answer and, for staff, their questions, results and
exports; the check-in after a confirmed meeting; the themes report."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core import clock, refusals
from app.core.anonymity import K
from app.core.audit import record
from app.core.auth import MEMBERS, STAFF, login_required
from app.core.db import db
from app.core.refusals import Refused
from app.groups.models import MentoringGroup
from app.mentoring import extras
from app.mentoring.models import Meeting
from app.notifications.signals import mail_due
from app.people.models import PARTICIPANT
from app.programme import services as programme_services
from app.programme.models import Organisation, Programme
from app.programme.services import current_programme_or_404 as _programme

from . import exports, forms, rules, services
from .cli import evaluation_cli

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation", template_folder="templates")

refusals.register(
    {
        "evaluation_questions_locked": _l("The questions can no longer be changed: the survey has opened."),
        "evaluation_survey_not_open": _l("This survey is not open now."),
        "evaluation_not_a_participant": _l("Only the programme's participants answer its surveys."),
        "evaluation_already_answered": _l("You have already answered this survey. Thank you!"),
        "evaluation_checkin_not_confirmed": _l("Confirm the meeting first; then you can tell how it went."),
        "evaluation_checkin_pulse": _l("Choose how useful the meeting was, from 1 to 5."),
        "evaluation_checkin_note_long": _l("The note can be at most %(max)s characters long."),
        "evaluation_checkin_done": _l("You have already told how this meeting went."),
        "evaluation_try_again": _l("Someone else saved at the same moment. Please send your answers again."),
    }
)

KIND_NAMES = {rules.MIDPOINT: _l("Midpoint survey"), rules.CLOSING: _l("Closing survey")}
STATE_NAMES = {"upcoming": _l("not open yet"), "open": _l("open"), "closed": _l("closed")}
ROLE_NAMES = {"mentor": _l("Mentors"), "aktori": _l("Aktoris"), "peer": _l("Peer mentors")}
PROBLEMS = {
    "scale": _l("Choose a number from 1 to 5."),
    "text_long": _l("The answer can be at most %(max)s characters long."),
    "empty": _l("Answer at least one question."),
    "kind": _l("Choose whether the question is a scale or free text."),
    "finnish_missing": _l("Give the question in Finnish; Swedish and English fall back to it."),
    "too_long": _l("A question can be at most %(max)s characters long."),
    "duplicate": _l("Two questions have the same identifier. Reload the page and try again."),
    "none_left": _l("Keep at least one question."),
}


def _problem_texts(problems: rules.Problems) -> dict[str, str]:
    return {
        key: str(PROBLEMS[code]) % {"max": rules.TEXT_MAX if code == "text_long" else rules.QUESTION_MAX}
        for key, code in problems.items.items()
    }


def _kind(kind: str) -> str:
    if kind not in rules.KINDS:
        abort(404)
    return kind


def _locale() -> str:
    return str(get_locale())


@bp.context_processor
def _labels():
    return {
        "kind_names": KIND_NAMES,
        "state_names": STATE_NAMES,
        "question_text": rules.question_text,
        "scale_values": rules.SCALE_VALUES,
        "k": K,
        "locale": _locale(),
    }


# --------------------------------------------------------------------------------------------------
# The home page's card (``app.home.cards``)


def home_card(programme: Programme | None) -> tuple[str, dict] | None:
    """Open surveys the participant has not answered yet; staff get the way to the results.
    (Reminders by mail: ``services.remind``, run by ``flask evaluation remind``.)"""
    if programme is None or g.get("user") is None or g.role not in MEMBERS:
        return None
    template = "evaluation/_home_card.html"
    if g.role in STAFF:
        return template, {"staff": True}
    kinds = services.open_surveys(programme, g.user.id)
    if not kinds:
        return None
    # The card is drawn on another area's page: it gets its words here, not from this blueprint.
    surveys = [(kind, KIND_NAMES[kind], services.window(programme, kind)) for kind in kinds]
    return template, {"staff": False, "surveys": surveys}


# --------------------------------------------------------------------------------------------------
# Answering


@bp.route("/surveys/<kind>", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def answer(kind: str):
    kind = _kind(kind)
    programme = _programme()
    questions = services.questions_of(programme, kind)
    form = forms.answer_form(questions, _locale())()
    w = services.window(programme, kind)
    status, errors = 200, {}
    refusal = None
    if rules.state(w, clock.helsinki_today()) != "open":
        refusal, status = Refused("evaluation_survey_not_open", 409), 409
    elif services.respondent(programme, g.user.id) is None:
        refusal, status = Refused("evaluation_not_a_participant", 403), 403
    elif services.has_answered(programme, kind, g.user.id):
        # A second answer (another tab, the back button) is refused; the first one stands.
        return render_template("evaluation/answered.html", kind=kind), 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        answers, problems = rules.check_answers(questions, form.values())
        if problems:
            status, errors = 422, _problem_texts(problems)
        else:
            try:
                services.answer(programme, kind, g.user.id, answers)
            except Refused as refused:
                db.session.rollback()
                refusal, status = refused, refused.status
            else:
                db.session.commit()
                return redirect(url_for("evaluation.answer", kind=kind), 303)
    return render_template(
        "evaluation/answer.html",
        kind=kind,
        programme=programme,
        questions=questions,
        form=form,
        answer_field=forms.field,
        window=w,
        errors=errors,
        refusal=refusal.text() if refusal else None,
    ), status


# --------------------------------------------------------------------------------------------------
# Staff: surveys, questions, results, exports


@bp.get("")
@login_required(*STAFF)
def index():
    programme = _programme()
    today = clock.helsinki_today()
    surveys = []
    for kind in rules.KINDS:
        w = services.window(programme, kind)
        count = services.answer_count(services.survey_of(programme, kind))
        surveys.append((kind, w, rules.state(w, today), count, rules.may_edit_questions(w, today, count > 0)))
    return render_template(
        "evaluation/index.html", programme=programme, surveys=surveys, trend=services.pulse_trend(programme)
    )


@bp.route("/surveys/<kind>/questions", methods=["GET", "POST"])
@login_required(*STAFF)
def questions(kind: str):
    kind = _kind(kind)
    programme = _programme()
    w = services.window(programme, kind)
    count = services.answer_count(services.survey_of(programme, kind))
    editable = rules.may_edit_questions(w, clock.helsinki_today(), count > 0)
    current = services.questions_of(programme, kind)
    if request.method != "POST":
        return _questions_page(programme, kind, w, current, forms.questions_form(current), editable, {}, 200)
    form = forms.questions_form()
    if not editable:
        refused = Refused("evaluation_questions_locked")
        return _questions_page(programme, kind, w, current, form, False, {}, 409, refused)
    if not form.validate_on_submit():  # only the CSRF token can fail here
        return _questions_page(programme, kind, w, current, form, True, {}, 400)
    cleaned, problems = rules.check_questions(form.rows())
    if problems:
        return _questions_page(programme, kind, w, current, form, True, _problem_texts(problems), 422)
    try:
        services.save_questions(programme, kind, cleaned)
    except Refused as refused:  # opened, or first answered, since the page was read
        db.session.rollback()
        return _questions_page(programme, kind, w, current, form, False, {}, refused.status, refused)
    record("evaluation.questions_saved", target=f"programme:{programme.id}", details={"kind": kind})
    db.session.commit()
    return redirect(url_for("evaluation.questions", kind=kind, saved=1), 303)


def _questions_page(programme, kind, w, current, form, editable, errors, status, refusal: Refused | None = None):
    return render_template(
        "evaluation/questions.html",
        programme=programme,
        kind=kind,
        window=w,
        questions=current,
        form=form,
        editable=editable,
        errors=errors,
        refusal=refusal.text() if refusal else None,
    ), status


def _organisations(programme: Programme) -> dict[int, Organisation]:
    return {o.id: o for o in programme.organisations}


def _slice_namer(programme: Programme):
    organisations = _organisations(programme)

    def name(dimension: str, key) -> str:
        if dimension == "role":
            return str(ROLE_NAMES.get(key, key))
        organisation = organisations.get(key)
        return organisation.name(_locale()) if organisation else gettext("No organisation")

    return name


@bp.get("/surveys/<kind>/results")
@login_required(*STAFF)
def results(kind: str):
    kind = _kind(kind)
    return _results_page(_programme(), kind, None)


@bp.get("/surveys/<kind>/export.<fmt>")
@login_required(*STAFF)
def export(kind: str, fmt: str):
    kind = _kind(kind)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    programme = _programme()
    record("evaluation.exported", target=f"programme:{programme.id}", details={"kind": kind, "format": fmt})
    return _download(programme, kind, fmt, None)


def _results_page(programme: Programme, kind: str, agency: Organisation | None):
    return render_template(
        "evaluation/results.html",
        programme=programme,
        kind=kind,
        window=services.window(programme, kind),
        questions=services.questions_of(programme, kind),
        results=services.results(programme, kind, agency.id if agency else None),
        slice_name=_slice_namer(programme),
        agency=agency,
    )


def _download(programme: Programme, kind: str, fmt: str, agency: Organisation | None) -> Response:
    """The results as CSV or XLSX (the caller has added its audit entry, committed here)."""
    rows = exports.table(
        services.results(programme, kind, agency.id if agency else None),
        services.questions_of(programme, kind),
        _locale(),
        _slice_namer(programme),
    )
    db.session.commit()
    name = f"{kind}-survey-{programme.id}" + (f"-{agency.code}" if agency else "") + f".{fmt}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(rows), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(rows, str(KIND_NAMES[kind]))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --------------------------------------------------------------------------------------------------
# An agency contact person's slice: their own organisation's answers under the same k ≥ 5 rule


def _contact_agency() -> tuple[Programme, Organisation]:
    """The launched programme and the organisation the viewer is a contact for; "not found" for
    anyone who is not a contact (as the agency pages do)."""
    programme = _programme()
    organisation = programme_services.contact_organisation_of(g.user.id, programme.id)
    if organisation is None:
        abort(404)
    return programme, organisation


@bp.get("/agency/surveys/<kind>")
@login_required(*MEMBERS)
def agency_results(kind: str):
    kind = _kind(kind)
    programme, organisation = _contact_agency()
    record("evaluation.agency_viewed", target=f"organisation:{organisation.id}", details={"kind": kind})
    db.session.commit()
    return _results_page(programme, kind, organisation)


@bp.get("/agency/surveys/<kind>/export.<fmt>")
@login_required(*MEMBERS)
def agency_export(kind: str, fmt: str):
    kind = _kind(kind)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    programme, organisation = _contact_agency()
    record(
        "evaluation.agency_exported", target=f"organisation:{organisation.id}", details={"kind": kind, "format": fmt}
    )
    return _download(programme, kind, fmt, organisation)


@bp.get("/themes")
@login_required(*STAFF)
def themes():
    """Themes wanted against offered for each programme of the course, oldest first, so the
    years line up; ``organisation`` (a code: ids differ between years) narrows to one."""
    _programme()
    code = request.args.get("organisation") or None
    programmes = services.programmes_of_course(g.course.id)
    codes = sorted({o.code for p in programmes for o in p.organisations})
    if code is not None and code not in codes:
        abort(400)
    years = []
    for programme in programmes:
        org = next((o.id for o in programme.organisations if o.code == code), None) if code else None
        if code and org is None:
            years.append((programme, None))
            continue
        years.append((programme, {row.code: row for row in services.themes_report(programme, org)}))
    labels: dict[str, str] = {}
    for programme in programmes:  # the newest programme's wording wins
        labels.update({t.code: t.name(_locale()) for t in programme.themes})
    order = list(years[-1][1]) if years and years[-1][1] else sorted(labels)
    order += sorted({c for _p, rows in years if rows for c in rows} - set(order))
    return render_template("evaluation/themes.html", years=years, order=order, labels=labels, codes=codes, chosen=code)


# --------------------------------------------------------------------------------------------------
# Check-ins after a confirmed meeting


@bp.post("/meetings/<int:meeting_id>/checkin")
@login_required(PARTICIPANT)
def check_in(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id)
    group = db.session.get(MentoringGroup, meeting.group_id) if meeting else None
    if meeting is None or group is None or g.course is None or group.programme.course_id != g.course.id:
        abort(404)
    if g.user.id not in meeting.attendee_ids():
        abort(404)
    raw = request.form.get("pulse", "")
    back = url_for("mentoring.group", group_id=group.id, _anchor=f"meeting-{meeting.id}")
    try:
        if raw not in {str(v) for v in rules.SCALE_VALUES}:
            raise Refused("evaluation_checkin_pulse", 422)
        services.check_in(meeting, g.user.id, int(raw), request.form.get("note", ""))
    except Refused as refused:
        db.session.rollback()
        return render_template("evaluation/checkin_refused.html", message=refused.text(), back=back), refused.status
    db.session.commit()
    return redirect(back, 303)


def _prompts(meetings, member_id: int) -> dict[int, Markup]:
    return {
        m.id: Markup(render_template("evaluation/_checkin.html", meeting=m))
        for m in services.checkin_due(meetings, member_id)
    }


def _signals(group_ids) -> dict[int, list[str]]:
    text = gettext("Check-ins: two low in a row")
    return {group_id: [text] for group_id in services.low_streak_groups(group_ids)}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(evaluation_cli)
    extras.register_meeting_prompt(app, _prompts)
    extras.register_pair_signals(app, _signals)
    # Survey reminders go out with the mail worker's scheduled mail.
    mail_due.connect(services.remind_due)
