"""Tips about colleagues not yet in the course ("Mikäli sinulla on antaa vihje mentorista tai
aktorista … Me olemme yhteydessä henkilöön sinun puolestasi"): a registrant gives one, the
facilitators work through the outreach list. Only facilitators see tips; the nominator sees
that theirs was received, never what became of it.
"""

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from app.core.auth import STAFF, login_required
from app.core.db import db
from app.core.i18n import current_language
from app.core.msgid import N_

from ..people.models import PARTICIPANT
from . import rules, services
from .forms import TipForm, attach, choices

bp = Blueprint("tips", __name__, template_folder="templates")


def tip_organisations(form: TipForm, programme) -> None:
    """The tip's organisation choices (on the tip page and in the registration)."""
    lang = current_language()
    form.tip_organisation.choices = choices([("", "–")] + [(str(o.id), o.name(lang)) for o in programme.organisations])


def tip_input(form: TipForm) -> tuple[rules.TipInput, list[rules.Problem]]:
    """The tip fields of ``form`` (the tip page's or the registration's), and a problem when the
    organisation is not one of the list's."""
    organisation = form.tip_organisation.data or ""
    data = rules.TipInput(
        name=form.tip_name.data or "",
        organisation_id=int(organisation) if organisation.isdigit() else None,
        email=form.tip_email.data or "",
        role=form.tip_role.data or "",
        why=form.tip_why.data or "",
    )
    unknown = organisation and not organisation.isdigit()
    return data, [("tip_organisation", N_("Choose an organisation from the list."), {})] if unknown else []


@bp.route("/register/tip", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def give_tip():
    programme = services.current_programme_or_404()
    form = TipForm()
    tip_organisations(form, programme)
    if request.method == "POST" and form.validate_on_submit():
        data, problems = tip_input(form)
        problems = rules.tip_problems(data, organisations=[o.id for o in programme.organisations]) + problems
        if attach(form, problems):
            services.add_tip(programme, g.user.id, data)
            db.session.commit()
            return redirect(url_for("tips.give_tip", sent=1), 303)
    status = 422 if form.errors else 200
    return render_template(
        "programme/tip.html", programme=programme, form=form, sent=request.args.get("sent") == "1"
    ), status


# --------------------------------------------------------------------------------------------------
# The facilitators' outreach list


def _staff_tip(programme, tip_id: int):
    tip = services.tip_in(programme, tip_id)
    if tip is None:
        abort(404)
    return tip


@bp.get("/programmes/<int:programme_id>/tips")
@login_required(*STAFF)
def outreach(programme_id: int):
    programme = services.staff_programme(programme_id)
    return render_template(
        "programme/tips.html",
        programme=programme,
        tips=services.tips(programme),
        statuses=rules.TIP_STATUSES,
        done=request.args.get("done"),
    )


@bp.post("/programmes/<int:programme_id>/tips/<int:tip_id>/status")
@login_required(*STAFF)
def set_status(programme_id: int, tip_id: int):
    programme = services.staff_programme(programme_id)
    tip = _staff_tip(programme, tip_id)
    status = request.form.get("status", "")
    if status not in rules.TIP_STATUSES:
        abort(400)
    services.set_tip_status(programme, tip, status, g.user.id)
    db.session.commit()
    return redirect(url_for("tips.outreach", programme_id=programme.id, done="status", _anchor=f"tip-{tip.id}"), 303)


@bp.post("/programmes/<int:programme_id>/tips/<int:tip_id>/delete")
@login_required(*STAFF)
def delete(programme_id: int, tip_id: int):
    programme = services.staff_programme(programme_id)
    services.delete_tip(programme, _staff_tip(programme, tip_id))
    db.session.commit()
    return redirect(url_for("tips.outreach", programme_id=programme.id, done="deleted"), 303)
