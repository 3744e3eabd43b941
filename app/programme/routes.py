"""The landing page, programme set-up (staff) and registration (participants).

Who sees what: staff see only their own course's programmes (another course's are 404);
participants see and edit only their own registration, until their match is published.
"""

from datetime import date

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext

from app.core import picker
from app.core.audit import record
from app.core.auth import STAFF, login_required
from app.core.clock import helsinki_today, utcnow
from app.core.db import db
from app.core.i18n import current_language
from app.core.labels import FORM_LABELS, LANGUAGE_LABELS, ROLE_WISH_LABELS

from ..people.models import PARTICIPANT
from . import kinds, rules, services, tips
from .forms import NamedForm, OrganisationForm, ProgrammeForm, RegistrationForm, attach, choices
from .matches import is_matched
from .models import Organisation, Programme, Registration, Theme
from .services import current_programme, staff_programme
from .signals import programme_dates_saved, registration_changed, registration_withdrawn, required_meetings_changed

bp = Blueprint("programme", __name__, template_folder="templates")

PROGRAMME_FIELDS = (
    "name",
    "moodle_url",
    "registration_opens",
    "registration_closes",
    "kickoff",
    "midpoint",
    "closing",
    "required_meetings",
    "min_meeting_minutes",
    "max_meeting_minutes",
    "languages",
    "prefer_cross_organisation",
    "main_language",
)


@bp.app_context_processor
def programme_labels():
    return {
        "language_labels": LANGUAGE_LABELS,
        "role_wish_labels": ROLE_WISH_LABELS,
        "form_labels": FORM_LABELS,
        # Short labels (message ids: templates translate them with _()).
        "role_short": {str(k): v for k, v in kinds.ROLE_LABELS.items()},
        "form_short": {str(k): v for k, v in kinds.FORM_LABELS.items()},
        "locale_code": current_language,
    }


@bp.app_template_filter("labels")
def labels(codes, mapping) -> str:
    """Codes as their labels, comma-separated (an unknown code shows as itself)."""
    return ", ".join(str(mapping.get(code, code)) for code in codes or ())


# --------------------------------------------------------------------------------------------------
# Overview


@bp.get("/programme")
@login_required()
def overview():
    """The programme's dates, events and the rules for completion."""
    return render_template(
        "programme/overview.html",
        programme=current_programme(g.course.id if g.course else None),
    )


# --------------------------------------------------------------------------------------------------
# Set-up (staff)


def _plain(value):
    """A setting as the audit log's JSON holds it."""
    return value.isoformat() if isinstance(value, date) else value


@bp.get("/programmes")
@login_required(*STAFF)
def programmes():
    if g.course is None:
        abort(404)
    rows = list(
        db.session.scalars(
            db.select(Programme).where(Programme.course_id == g.course.id).order_by(Programme.kickoff.desc())
        )
    )
    return render_template("programme/programmes.html", programmes=rows)


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required(*STAFF)
def new_programme():
    if g.course is None:
        abort(404)
    form = ProgrammeForm()
    if form.validate_on_submit():
        programme = services.create_programme(g.course.id, **{f: getattr(form, f).data for f in PROGRAMME_FIELDS})
        db.session.flush()
        programme_dates_saved.send(programme)
        record("programme.create", target=f"programme:{programme.id}")
        db.session.commit()
        return redirect(url_for("programme.edit_programme", programme_id=programme.id, saved=1), 303)
    return render_template("programme/settings.html", form=form, programme=None), 422 if form.errors else 200


@bp.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
@login_required(*STAFF)
def edit_programme(programme_id):
    programme = staff_programme(programme_id)
    form = ProgrammeForm(obj=programme)
    if request.method == "GET" and not programme.moodle_url:
        # Pre-filled with the page the launch came from (the course in Moodle), to be corrected.
        form.moodle_url.data = (session.get("lti") or {}).get("return_url")
    if form.validate_on_submit():
        before = {name: getattr(programme, name) for name in PROGRAMME_FIELDS}
        for name in PROGRAMME_FIELDS:
            setattr(programme, name, getattr(form, name).data)
        # The audit log shows each changed setting as before → after.
        details: dict = {
            name: [_plain(before[name]), _plain(getattr(programme, name))]
            for name in PROGRAMME_FIELDS
            if getattr(programme, name) != before[name]
        }
        if programme.required_meetings != before["required_meetings"]:
            # Every mentoring score is counted meetings over N: re-send those that change.
            rescored = required_meetings_changed.send(programme)
            details["scores_queued"] = sum(len(queued) for _, queued in rescored)
        programme_dates_saved.send(programme)
        record("programme.update", target=f"programme:{programme.id}", details=details)
        db.session.commit()
        return redirect(url_for("programme.edit_programme", programme_id=programme.id, saved=1), 303)
    return render_template(
        "programme/settings.html", form=form, programme=programme, saved=request.args.get("saved") == "1"
    ), 422 if form.errors else 200


@bp.route("/programmes/<int:programme_id>/organisations", methods=["GET", "POST"])
@login_required(*STAFF)
def organisations(programme_id):
    programme = staff_programme(programme_id)
    form = OrganisationForm(prefix="new")
    message = None
    if request.method == "POST":
        if form.validate_on_submit():
            code = form.code.data.strip().upper()
            if any(o.code == code for o in programme.organisations):
                form.code.errors.append(gettext("This code is already in use."))
            else:
                programme.organisations.append(
                    Organisation(
                        code=code,
                        name_fi=form.name_fi.data.strip(),
                        name_sv=(form.name_sv.data or "").strip() or None,
                        name_en=(form.name_en.data or "").strip() or None,
                        position=len(programme.organisations),
                    )
                )
                record("programme.organisation_add", target=f"programme:{programme.id}", details={"code": code})
                db.session.commit()
                return redirect(url_for("programme.organisations", programme_id=programme.id, saved=1), 303)
    if request.args.get("saved") == "1":
        message = gettext("Saved.")
    return render_template("programme/organisations.html", programme=programme, form=form, message=message), (
        422 if form.errors else 200
    )


@bp.post("/programmes/<int:programme_id>/organisations/<int:organisation_id>")
@login_required(*STAFF)
def edit_organisation(programme_id, organisation_id):
    programme = staff_programme(programme_id)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.programme_id != programme.id:
        abort(404)
    form = NamedForm(prefix=f"o{organisation.id}")
    if not form.validate_on_submit():
        return render_template(
            "programme/organisations.html",
            programme=programme,
            form=OrganisationForm(prefix="new"),
            failed=(organisation.id, form),
        ), 422
    organisation.name_fi = form.name_fi.data.strip()
    organisation.name_sv = (form.name_sv.data or "").strip() or None
    organisation.name_en = (form.name_en.data or "").strip() or None
    record("programme.organisation_rename", target=f"organisation:{organisation.id}")
    db.session.commit()
    return redirect(url_for("programme.organisations", programme_id=programme.id, saved=1), 303)


@bp.route("/programmes/<int:programme_id>/themes", methods=["GET", "POST"])
@login_required(*STAFF)
def themes(programme_id):
    programme = staff_programme(programme_id)
    form = NamedForm(prefix="new")
    if request.method == "POST" and form.validate_on_submit():
        code = rules.theme_code(form.name_fi.data, (t.code for t in programme.themes))
        programme.themes.append(
            Theme(
                code=code,
                name_fi=form.name_fi.data.strip(),
                name_sv=(form.name_sv.data or "").strip() or None,
                name_en=(form.name_en.data or "").strip() or None,
                position=max((t.position for t in programme.themes), default=-1) + 1,
            )
        )
        record("programme.theme_add", target=f"programme:{programme.id}", details={"code": code})
        db.session.commit()
        return redirect(url_for("programme.themes", programme_id=programme.id, saved=1), 303)
    return _themes_page(programme, form, status=422 if form.errors else 200)


def _themes_page(programme, form, status=200, failed=None, message=None):
    if message is None and request.args.get("saved") == "1":
        message = gettext("Saved.")
    return render_template(
        "programme/themes.html",
        programme=programme,
        form=form,
        in_use=services.themes_in_use(programme),
        failed=failed,
        message=message,
    ), status


def _theme(programme, theme_id) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.programme_id != programme.id:
        abort(404)
    return theme


@bp.post("/programmes/<int:programme_id>/themes/<int:theme_id>")
@login_required(*STAFF)
def edit_theme(programme_id, theme_id):
    programme = staff_programme(programme_id)
    theme = _theme(programme, theme_id)
    form = NamedForm(prefix=f"t{theme.id}")
    if not form.validate_on_submit():
        return _themes_page(programme, NamedForm(prefix="new", formdata=None), 422, failed=(theme.id, form))
    theme.name_fi = form.name_fi.data.strip()
    theme.name_sv = (form.name_sv.data or "").strip() or None
    theme.name_en = (form.name_en.data or "").strip() or None
    record("programme.theme_rename", target=f"theme:{theme.id}")
    db.session.commit()
    return redirect(url_for("programme.themes", programme_id=programme.id, saved=1), 303)


@bp.post("/programmes/<int:programme_id>/themes/<int:theme_id>/move")
@login_required(*STAFF)
def move_theme(programme_id, theme_id):
    programme = staff_programme(programme_id)
    theme = _theme(programme, theme_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction"))
    if step is None:
        abort(400)
    for position, item in enumerate(rules.moved(programme.themes, theme, step)):
        item.position = position
    db.session.commit()
    return redirect(url_for("programme.themes", programme_id=programme.id, _anchor=f"theme-{theme.id}"), 303)


@bp.post("/programmes/<int:programme_id>/themes/<int:theme_id>/delete")
@login_required(*STAFF)
def delete_theme(programme_id, theme_id):
    programme = staff_programme(programme_id)
    theme = _theme(programme, theme_id)
    used = services.themes_in_use(programme).get(theme.code, 0)
    if used:
        message = gettext(
            "“%(name)s” cannot be removed: %(count)s registrations use it. Rename it instead.",
            name=theme.name(current_language()),
            count=used,
        )
        return _themes_page(programme, NamedForm(prefix="new", formdata=None), 409, message=message)
    db.session.delete(theme)
    record("programme.theme_remove", target=f"programme:{programme.id}", details={"code": theme.code})
    db.session.commit()
    return redirect(url_for("programme.themes", programme_id=programme.id, saved=1), 303)


@bp.get("/programmes/<int:programme_id>/registrations")
@login_required(*STAFF)
def registrations(programme_id):
    """Who has registered (and withdrawn), and who on the course roster has not."""
    programme = staff_programme(programme_id)
    rows = list(
        db.session.scalars(
            db.select(Registration).where(Registration.programme_id == programme.id).order_by(Registration.created_at)
        )
    )
    registered = {r.user_id for r in rows}
    missing = [u for u in services.roster(programme.course_id) if u.id not in registered]
    themes = {t.code: t.name(current_language()) for t in programme.themes}
    # The mail area's "remind" page asks for confirmation and sends; offered while registration is open.
    can_remind = bool(missing) and rules.registration_open(
        programme.registration_opens, programme.registration_closes, helsinki_today()
    )
    return render_template(
        "programme/registrations.html",
        programme=programme,
        rows=rows,
        missing=missing,
        themes=themes,
        can_remind=can_remind,
    )


# --------------------------------------------------------------------------------------------------
# Registration (participants)


def _registration_form(programme, people, registration) -> RegistrationForm:
    # After a people search without JavaScript the page shows the input kept, as a POST would.
    kept = picker.kept()
    submitted = request.method == "POST" or kept is not None
    form = RegistrationForm(obj=None if submitted else registration, **({"formdata": kept} if kept is not None else {}))
    lang = current_language()
    form.organisation_id.choices = choices(
        [("", gettext("Choose…"))] + [(str(o.id), o.name(lang)) for o in programme.organisations]
    )
    theme_choices = choices((t.code, t.name(lang)) for t in programme.themes)
    form.themes_offered.choices = theme_choices
    form.themes_wanted.choices = theme_choices
    form.languages.choices = choices((c, LANGUAGE_LABELS[c]) for c in programme.languages if c in LANGUAGE_LABELS)
    offered = services.pickable(programme, people)
    # Oneself is not offered, but is refused in the rules' own words ("You cannot name yourself").
    form.counterpart_user_id.offer(offered, also_known=[g.user.id])
    form.must_not_pair.offer(offered, also_known=[g.user.id])
    tips.tip_organisations(form, programme)
    if not submitted:
        if registration is None:
            form.forms.data = list(rules.FORMS)
            form.languages.data = [lang] if lang in programme.languages else list(programme.languages)[:1]
        else:
            form.organisation_id.data = str(registration.organisation_id or "")
            form.capacity.data = str(registration.capacity)
    return form


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1  # an id that matches nothing: the rules report it


@bp.route("/register", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def register():
    programme = current_programme(g.course.id if g.course else None)
    if programme is None:
        return render_template("programme/register.html", programme=None, form=None), 404
    registration = services.registration_of(programme, g.user.id)
    active = registration is not None and registration.active
    if active and is_matched(programme, registration):
        return render_template("programme/register.html", programme=programme, form=None, matched=True)
    if not active and not services.window_open(programme):
        return render_template("programme/register.html", programme=programme, form=None, closed=True)
    people = [u for u in services.roster(programme.course_id) if u.id != g.user.id]
    if request.method == "POST" and picker.searching():
        return picker.search_again()
    form = _registration_form(programme, people, registration if active else None)
    if request.method == "POST" and form.validate_on_submit():
        typed, missing, ambiguous = rules.resolve_names(
            form.must_not_pair_names.data or "", ((u.id, u.display_name) for u in people)
        )
        for name in missing:
            form.must_not_pair_names.errors.append(
                gettext("No one called “%(name)s” is on the course roster.", name=name)
            )
        for name in ambiguous:
            form.must_not_pair_names.errors.append(
                gettext("Several people on the course are called “%(name)s”: tick the right one above.", name=name)
            )
        data = rules.RegistrationInput(
            user_id=g.user.id,
            role_wish=form.role_wish.data,
            forms=form.forms.data or [],
            organisation_id=_int_or_none(form.organisation_id.data),
            unit=(form.unit.data or "").strip(),
            themes_offered=form.themes_offered.data or [],
            themes_wanted=form.themes_wanted.data or [],
            goals=(form.goals.data or "").strip(),
            languages=form.languages.data or [],
            capacity=_int_or_none(form.capacity.data) or 1,
            counterpart_user_id=form.counterpart_user_id.first,
            counterpart_name=(form.counterpart_name.data or "").strip(),
            counterpart_contact=(form.counterpart_contact.data or "").strip(),
            must_not_pair=sorted(set(form.must_not_pair.data) | set(typed)),
        )
        problems = rules.registration_problems(
            data,
            organisations=[o.id for o in programme.organisations],
            themes=[t.code for t in programme.themes],
            languages=programme.languages,
            roster=[u.id for u in people] + [g.user.id],
        )
        tip, tip_problems = tips.tip_input(form)
        problems += rules.optional_tip_problems(tip, organisations=[o.id for o in programme.organisations])
        problems += tip_problems
        if attach(form, problems) and not missing and not ambiguous:
            if registration is None:
                registration = services.first_registration(programme, g.user.id)
            registration.withdrawn_at = None
            for name in (
                "role_wish",
                "forms",
                "organisation_id",
                "unit",
                "themes_offered",
                "themes_wanted",
                "goals",
                "languages",
                "capacity",
                "counterpart_user_id",
                "must_not_pair",
            ):
                setattr(registration, name, getattr(data, name))
            registration.counterpart_name = data.counterpart_name or None
            registration.counterpart_contact = data.counterpart_contact or None
            registration.meeting_preferences = (form.meeting_preferences.data or "").strip()
            registration.mentor_tip = (form.mentor_tip.data or "").strip()
            registration.updated_at = utcnow()
            db.session.flush()
            services.link_tips(programme, g.user)  # a tipped colleague who registers counts as joined
            tipped = rules.tip_given(tip)
            if tipped:
                services.add_tip(programme, g.user.id, tip)
            registration_changed.send(programme, registration=registration)
            picker.forget()
            db.session.commit()
            return redirect(url_for("programme.register", saved=1, tip=1 if tipped else None), 303)
    status = 422 if form.errors else 200
    return render_template(
        "programme/register.html",
        programme=programme,
        form=form,
        registration=registration if active else None,
        saved=request.args.get("saved") == "1",
        tip_sent=request.args.get("tip") == "1",
        open=services.window_open(programme),
        withdraw_unconfirmed=request.args.get("withdraw_unconfirmed") == "1",
    ), status


@bp.post("/register/withdraw")
@login_required(PARTICIPANT)
def withdraw():
    programme = current_programme(g.course.id if g.course else None)
    registration = services.registration_of(programme, g.user.id) if programme else None
    if registration is None or not registration.active:
        abort(404)
    if is_matched(programme, registration):
        abort(409)
    if request.form.get("confirm") != "yes":
        return redirect(url_for("programme.register", withdraw_unconfirmed=1, _anchor="withdraw"), 303)
    registration.withdrawn_at = utcnow()
    registration_withdrawn.send(programme, registration=registration)
    db.session.commit()
    return redirect(url_for("home.index", withdrawn=1), 303)
