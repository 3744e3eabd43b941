"""Administrators' pages: the audit log, accessibility feedback, the completion report and its
exports, the gradebook sync view, and erasure of one person's data.

Everything is scoped to the launched course; entries of the command line (no course) show to
every administrator. Every action an administrator takes here writes an audit entry.
"""

from datetime import date, time, timedelta

from flask import Blueprint, Response, abort, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.core.audit import AuditEntry, record
from app.core.auth import STAFF, login_required
from app.core.clock import helsinki_to_utc, helsinki_today, utcnow
from app.core.db import db
from app.core.text import slugify

from ..ids import db_int
from ..lti import gradebook as gradebook_service
from ..lti import placements as placement_service
from ..lti.rules import placement_switch_refusal
from ..people.models import ADMINISTRATOR, Enrolment, User
from ..programme.models import FORMS, Programme
from ..programme.rules import EARLIEST_DAY, LATEST_DAY, sane_day
from . import access, audit_words, exports, privacy, report, rules
from .models import AccessibilityFeedback

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
bp.before_request(access.hide_from_contacts)

AUDIT_PAGE_SIZE = 100
REPORT_PAGE_SIZE = 100


def _course_id() -> int | None:
    return g.course.id if g.course else None


def _index_page(errors: dict | None = None, status: int = 200):
    now = utcnow()
    open_feedback = db.session.scalars(
        db.select(AccessibilityFeedback.created_at).where(AccessibilityFeedback.answered_at.is_(None))
    ).all()
    programmes = db.session.scalars(
        db.select(Programme).where(Programme.course_id == _course_id()).order_by(Programme.kickoff.desc())
    ).all()
    return render_template(
        "admin/index.html",
        open_feedback=len(open_feedback),
        overdue_feedback=sum(rules.feedback_overdue(created, now) for created in open_feedback),
        programmes=[(p, rules.add_months(p.closing, p.retention_months)) for p in programmes],
        errors=errors or {},
    ), status


@bp.get("/")
@login_required(ADMINISTRATOR)
def index():
    return _index_page()


@bp.post("/programmes/<int:programme_id>/retention")
@login_required(ADMINISTRATOR)
def set_retention(programme_id: int):
    """How many months after the closing event the programme's personal data is kept."""
    programme = db.session.scalar(
        db.select(Programme).where(Programme.id == programme_id, Programme.course_id == _course_id())
    ) or abort(404)
    months = rules.parse_retention_months(request.form.get("months"))
    if months is None:
        return _index_page(
            {
                programme.id: _l(
                    "Give the retention as whole months from %(min)s to %(max)s.",
                    min=rules.RETENTION_MIN_MONTHS,
                    max=rules.RETENTION_MAX_MONTHS,
                )
            },
            400,
        )
    if months != programme.retention_months:
        record(
            "programme.retention_changed",
            target=f"programme:{programme.id}",
            details={"from": programme.retention_months, "to": months},
        )
        programme.retention_months = months
        db.session.commit()
    return redirect(url_for("admin.index"), code=303)


def _parse_day(value: str | None, field: str, errors: dict) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[field] = _l("Give the date as YYYY-MM-DD, for example 2026-03-31.")
        return None
    if not sane_day(day):
        errors[field] = _l("Give a date between %(first)s and %(last)s.", first=EARLIEST_DAY.year, last=LATEST_DAY.year)
        return None
    return day


@bp.get("/audit")
@login_required(ADMINISTRATOR)
def audit_log():
    scope = db.or_(AuditEntry.course_id == _course_id(), AuditEntry.course_id.is_(None))
    errors = {}
    action = request.args.get("action", "")
    actor = request.args.get("actor", "").strip()
    since = _parse_day(request.args.get("since"), "since", errors)
    until = _parse_day(request.args.get("until"), "until", errors)
    page = max(request.args.get("page", 1, type=db_int) or 1, 1)
    query = db.select(AuditEntry, User).outerjoin(User, AuditEntry.actor_id == User.id).where(scope)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        like = f"%{actor}%"
        query = query.where(db.or_(User.name.ilike(like), User.email.ilike(like)))
    # The days are Finnish days, as the log shows its times.
    if since:
        query = query.where(AuditEntry.created_at >= helsinki_to_utc(since, time.min))
    if until:
        query = query.where(AuditEntry.created_at < helsinki_to_utc(until + timedelta(days=1), time.min))
    rows = db.session.execute(
        query.order_by(AuditEntry.id.desc()).offset((page - 1) * AUDIT_PAGE_SIZE).limit(AUDIT_PAGE_SIZE + 1)
    ).all()
    actions = db.session.scalars(db.select(AuditEntry.action).where(scope).distinct().order_by(AuditEntry.action)).all()
    return render_template(
        "admin/audit.html",
        rows=audit_words.readable_page([(entry, actor) for entry, actor in rows[:AUDIT_PAGE_SIZE]]),
        more=len(rows) > AUDIT_PAGE_SIZE,
        page=page,
        actions=actions,
        action_labels=audit_words.ACTION_LABELS,
        filters={
            "action": action,
            "actor": actor,
            "since": request.args.get("since", ""),
            "until": request.args.get("until", ""),
        },
        errors=errors,
    ), (400 if errors else 200)


@bp.get("/feedback")
@login_required(ADMINISTRATOR)
def feedback():
    now = utcnow()
    items = db.session.scalars(
        db.select(AccessibilityFeedback).order_by(
            AccessibilityFeedback.answered_at.is_not(None), AccessibilityFeedback.created_at
        )
    ).all()
    return render_template(
        "admin/feedback.html",
        items=[
            {
                "item": item,
                "age": rules.feedback_age_days(item.created_at, now),
                "due": (item.created_at + timedelta(days=rules.ANSWER_WITHIN_DAYS)).date(),
                "overdue": item.answered_at is None and rules.feedback_overdue(item.created_at, now),
            }
            for item in items
        ],
        answer_days=rules.ANSWER_WITHIN_DAYS,
    )


@bp.post("/feedback/<int:feedback_id>/answered")
@login_required(ADMINISTRATOR)
def feedback_answered(feedback_id: int):
    item = db.session.get(AccessibilityFeedback, feedback_id) or abort(404)
    if item.answered_at is None:
        item.answered_at = utcnow()
        item.answered_by_id = g.user.id
        record("feedback.answered", target=f"accessibility_feedback:{item.id}")
        db.session.commit()
    return redirect(url_for("admin.feedback"), code=303)


# --------------------------------------------------------------------------------------------
# Completion report and exports
# --------------------------------------------------------------------------------------------


def _report_context() -> dict:
    """The programme and filters the request asks for, checked against the launched course.
    Returns the context for the page, with ``errors`` for filter values that do not exist."""
    programmes = db.session.scalars(
        db.select(Programme).where(Programme.course_id == _course_id()).order_by(Programme.kickoff.desc())
    ).all()
    chosen = request.args.get("programme", type=db_int)
    programme = (
        next((p for p in programmes if p.id == chosen), None) if chosen else (programmes[0] if programmes else None)
    )
    if chosen and programme is None:
        abort(404)  # another course's programme, or none
    errors = {}
    organisations = report.organisations(programme) if programme else []
    org_id = request.args.get("organisation", type=db_int)
    if request.args.get("organisation") and org_id not in {o.id for o in organisations}:
        errors["organisation"] = _l("That organisation is not in this programme.")
        org_id = None
    role = request.args.get("role") or None
    if role and role not in report.ROLES:
        errors["role"] = _l("Choose a role from the list.")
        role = None
    form = request.args.get("form") or None
    if form and form not in FORMS:
        errors["form"] = _l("Choose a form of mentoring from the list.")
        form = None
    return {
        "programmes": programmes,
        "programme": programme,
        "organisations": organisations,
        "filters": report.Filters(organisation_id=org_id, role=role, form=form),
        "errors": errors,
    }


def _filter_args(ctx) -> dict:
    f = ctx["filters"]
    return {
        k: v
        for k, v in {
            "programme": ctx["programme"].id if ctx["programme"] else None,
            "organisation": f.organisation_id,
            "role": f.role,
            "form": f.form,
        }.items()
        if v
    }


@bp.get("/report")
@login_required(*STAFF)
def report_page():
    ctx = _report_context()
    programme = ctx["programme"]
    if programme is None:
        return render_template(
            "admin/report.html",
            **ctx,
            role_labels=exports.ROLE_LABELS,
            form_labels=exports.FORM_LABELS,
            forms=FORMS,
            roles=report.ROLES,
        )
    filters = ctx["filters"]
    page = max(request.args.get("page", 1, type=db_int) or 1, 1)
    summaries, total = rules.summarise(report.summary_cells(programme, filters), programme.required_meetings)
    by_id = {o.id: o for o in ctx["organisations"]}
    ordered = [
        (by_id.get(org_id), summaries[org_id])
        for org_id in [o.id for o in ctx["organisations"] if o.id in summaries] + ([None] if None in summaries else [])
    ]
    months = rules.month_series(programme.kickoff, programme.closing, report.counted_by_month(programme, filters))
    rows = report.participant_rows(programme, filters, limit=REPORT_PAGE_SIZE + 1, offset=(page - 1) * REPORT_PAGE_SIZE)
    return render_template(
        "admin/report.html",
        **ctx,
        summaries=ordered,
        total=total,
        required=max(1, programme.required_meetings),
        months=months,
        chart=rules.bar_chart([n for _, n in months]),
        rows=rows[:REPORT_PAGE_SIZE],
        more=len(rows) > REPORT_PAGE_SIZE,
        page=page,
        organisations_by_id=by_id,
        filter_args=_filter_args(ctx),
        role_labels=exports.ROLE_LABELS,
        form_labels=exports.FORM_LABELS,
        forms=FORMS,
        roles=report.ROLES,
    ), (400 if ctx["errors"] else 200)


@bp.get("/report/export.<fmt>")
@login_required(ADMINISTRATOR)
def report_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    ctx = _report_context()
    programme = ctx["programme"]
    if programme is None:
        abort(404)
    if ctx["errors"]:
        abort(400)
    separator = request.args.get("separator", "comma")
    if fmt == "csv" and separator not in exports.SEPARATORS:
        abort(400)
    filters = ctx["filters"]
    locale = str(get_locale())
    rows = report.participant_rows(programme, filters)
    by_id = {o.id: o for o in ctx["organisations"]}
    required = max(1, programme.required_meetings)
    # Named after what it holds: the report, the programme, the organisation chosen, and the day.
    organisation = by_id.get(filters.organisation_id)
    name_parts = [_l("Completion report"), programme.name, organisation.code if organisation else ""]
    filename = "-".join(filter(None, (slugify(str(p), fallback="") for p in name_parts)))
    filename = f"{filename}-{helsinki_today().isoformat()}.{fmt}"
    if fmt == "csv":
        body = exports.to_csv(rows, by_id, required, locale, exports.SEPARATORS[separator])
        mimetype = "text/csv; charset=utf-8"
    else:
        summaries, _total = rules.summarise(report.summary_cells(programme, filters), programme.required_meetings)
        ordered = {o.id: summaries[o.id] for o in ctx["organisations"] if o.id in summaries}
        if None in summaries:
            ordered[None] = summaries[None]
        body = exports.to_xlsx(rows, by_id, ordered, required, locale)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    record(
        "report.exported",
        target=f"programme:{programme.id}",
        details={
            "format": fmt,
            "separator": separator if fmt == "csv" else None,
            "rows": len(rows),
            "organisation_id": filters.organisation_id,
            "role": filters.role,
            "form": filters.form,
        },
    )
    db.session.commit()
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# --------------------------------------------------------------------------------------------
# Gradebook sync (app.lti.gradebook holds the outbox; this page only shows and resends)
# --------------------------------------------------------------------------------------------


@bp.get("/gradebook")
@login_required(ADMINISTRATOR)
def gradebook():
    summary = gradebook_service.course_summary(g.course.id) if g.course else None
    return render_template(
        "admin/gradebook.html",
        summary=summary,
        launched_link=None,
        placements=gradebook_service.placements(g.course.id) if g.course else [],
        resent=request.args.get("resent", type=db_int),
    )


@bp.post("/gradebook/resend")
@login_required(ADMINISTRATOR)
def gradebook_resend():
    if g.course is None:
        abort(404)
    raw = request.form.get("score", "")
    if raw and not raw.isdigit():
        abort(400)
    row_id = int(raw) if raw else None
    count = gradebook_service.resend(g.course.id, row_id)
    if row_id is not None and count == 0:
        db.session.rollback()
        abort(404)  # not a failed score of this course
    record(
        "gradebook.resent",
        target=f"score_outbox:{row_id}" if row_id else f"course:{g.course.id}",
        details={"scores": count, "all_failed": row_id is None},
    )
    db.session.commit()
    return redirect(url_for("admin.gradebook", resent=count), code=303)


@bp.get("/gradebook/placements")
@login_required(*STAFF)
def gradebook_placements():
    """Facilitators' view: per placed activity, which line item the tool writes to and how the
    last delivery went; a switch for each activity that may receive the mentoring score."""
    if g.course is None:
        abort(404)
    rows = gradebook_service.placements(g.course.id)
    return render_template(
        "admin/placements.html",
        placements=rows,
        launched_link=placement_service.launched_link_id(
            g.course.id, (session.get("lti") or {}).get("resource_link_id")
        ),
        refusal=lambda p: placement_switch_refusal(g.role in STAFF, p.target, p.line_item),
        switched=request.args.get("switched"),
    )


@bp.post("/gradebook/placements/<int:link_id>")
@login_required(*STAFF)
def gradebook_placement_switch(link_id: int):
    link = placement_service.course_link(g.course.id, link_id) if g.course else None
    if link is None:
        abort(404)
    choice = request.form.get("graded")
    if choice not in ("on", "off"):
        abort(400)
    if placement_switch_refusal(g.role in STAFF, link.target, link.lineitem_url):
        abort(400)  # the page offers no switch for a module, a space or an activity without a grade item
    changed = placement_service.switch(link, choice == "on")
    record(
        "gradebook.placement_switched",
        target=f"resource_link:{link.id}",
        details={"graded": choice == "on", "changed": changed},
    )
    db.session.commit()
    return redirect(url_for("admin.gradebook_placements", switched=choice), code=303)


# --------------------------------------------------------------------------------------------
# Personal data: erasure of one person
# --------------------------------------------------------------------------------------------


def _course_person(user_id: int) -> User:
    """A person enrolled in the launched course (administrators of one course never reach
    another course's people)."""
    user = db.session.scalar(
        db.select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(User.id == user_id, Enrolment.course_id == _course_id())
    )
    if user is None:
        abort(404)
    return user


@bp.get("/people")
@login_required(ADMINISTRATOR)
def people():
    query = request.args.get("q", "").strip()
    found = []
    if query:
        like = f"%{query}%"
        found = db.session.scalars(
            db.select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(
                Enrolment.course_id == _course_id(),
                db.or_(
                    User.name.ilike(like),
                    User.email.ilike(like),
                    User.given_name.ilike(like),
                    User.family_name.ilike(like),
                ),
            )
            .order_by(User.family_name, User.given_name, User.name)
            .limit(50)
        ).all()
    return render_template("admin/people.html", query=query, found=found, erased=request.args.get("erased") == "1")


@bp.get("/people/<int:user_id>")
@login_required(ADMINISTRATOR)
def person(user_id: int):
    user = _course_person(user_id)
    return render_template("admin/person.html", person=user, own=user.id == g.user.id)


@bp.post("/people/<int:user_id>/erase")
@login_required(ADMINISTRATOR)
def erase(user_id: int):
    user = _course_person(user_id)
    if user.id == g.user.id:
        abort(400)  # an administrator cannot erase themselves mid-session
    if request.form.get("confirm") != "erase":
        return render_template(
            "admin/person.html", person=user, own=False, error=_l("Tick the box to confirm the erasure.")
        ), 400
    counts = privacy.erase_person(user)
    record("person.erased", target=f"user:{user_id}", details={"rows": counts})
    db.session.commit()
    return redirect(url_for("admin.people", erased=1), code=303)
