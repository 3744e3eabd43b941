"""The mentoring agreement (versions each member accepts) and the checklists a pair ticks together.
Views on the area's blueprint (:mod:`.routes`), whose access rules they follow."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for

from app.core.auth import login_required
from app.core.db import db
from app.core.refusals import Refused
from app.groups.models import PUBLISHED
from app.programme.services import current_programme

from ..content import get_library
from ..people.models import PARTICIPANT
from . import rules, services
from .models import AGREEMENT_SECTIONS
from .routes import (
    agreed_group_or_404,
    bp,
    member_group_or_404,
)

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
    return _agreement_page(agreed_group_or_404(group_id))


@bp.get("/groups/<int:group_id>/agreement/versions/<int:number>")
@login_required(PARTICIPANT)
def agreement_version(group_id: int, number: int):
    group = agreed_group_or_404(group_id)
    agreement = services.agreement_of(group)
    version = next((v for v in agreement.versions if v.number == number), None) if agreement else None
    if version is None:
        abort(404)
    return _agreement_page(group, version)


@bp.route("/groups/<int:group_id>/agreement/edit", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def edit_agreement(group_id: int):
    group = agreed_group_or_404(group_id)
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
    group = agreed_group_or_404(group_id)
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
    group = member_group_or_404(group_id)
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
