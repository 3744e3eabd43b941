"""Sparring groups: facilitators set them up (here); each group's space is for its members and staff
(:mod:`.space`, whose views join this blueprint).

Who sees what:

* a participant sees only the spaces of the groups they are a member of; any other group, thread
  or post id gives 404 (as if it did not exist), never 403, so ids cannot be probed;
* the course's facilitators and administrators see and run every group of the course's programme;
  staff of another course get 404 too;
* an archived group stays readable to its members and staff, but nobody writes in it.

Authors may edit their own posts for ``rules.EDIT_WINDOW``; facilitators remove posts and threads by a
soft delete that is audited (the text stays in the database for the audit trail but is never shown).
"""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.core import refusals
from app.core.auth import MEMBERS, STAFF, login_required
from app.core.clock import utcnow
from app.core.db import db
from app.core.refusals import Refused
from app.programme.services import current_programme
from app.programme.services import current_programme_or_404 as _programme

from ..people.models import User
from . import forms, rules, services
from .models import (
    AKTORIS,
    AUDIENCES,
    MENTORS,
    SparringGroup,
    SparringMember,
    SparringPost,
    SparringThread,
)

bp = Blueprint("sparring", __name__, url_prefix="/sparring", template_folder="templates")

refusals.register(
    {services.GROUPS_CHANGED: _l("The groups changed at the same time. Check the members and try again.")},
    {services.GROUPS_CHANGED: 409},
)

EDIT_MINUTES = int(rules.EDIT_WINDOW.total_seconds() // 60)

AUDIENCE_NAMES = {MENTORS: _l("Mentors' sparring group"), AKTORIS: _l("Aktoris' sparring group")}
AUDIENCE_PLURALS = {MENTORS: _l("Groups for mentors"), AKTORIS: _l("Groups for aktoris")}
PAIR_ROLE_NAMES = {"mentor": _l("mentor"), "aktori": _l("aktori"), "peer": _l("peer"), "any": _l("role open")}


# --------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------


def is_staff() -> bool:
    return g.role in STAFF


def group_or_404(group_id: int) -> SparringGroup:
    """The group if this viewer may see its space: staff of its course, or a member; else 404."""
    group = db.session.get(SparringGroup, group_id)
    if group is None or g.course is None or group.programme.course_id != g.course.id:
        abort(404)
    if not rules.may_see_space(staff=is_staff(), viewer_id=g.user.id, member_ids=(m.user_id for m in group.members)):
        abort(404)
    return group


def staff_group_or_404(group_id: int) -> SparringGroup:
    if not is_staff():
        abort(404)
    return group_or_404(group_id)


def writable(group: SparringGroup) -> SparringGroup:
    if group.archived:
        abort(403)
    return group


def thread_or_404(group: SparringGroup, thread_id: int) -> SparringThread:
    thread = services.visible_thread(group, thread_id)
    if thread is None:
        abort(404)
    return thread


def post_or_404(group: SparringGroup, post_id: int) -> SparringPost:
    post = services.visible_post(group, post_id)
    if post is None:
        abort(404)
    return post


def may_edit(post: SparringPost) -> bool:
    return rules.may_edit(
        author_id=post.author_id,
        viewer_id=g.user.id,
        created_at=post.created_at,
        deleted=post.deleted_at is not None,
        now=utcnow(),
    )


# --------------------------------------------------------------------------------------------
# People: who may be placed, and where they are now
# --------------------------------------------------------------------------------------------


def _int_list(values) -> list[int]:
    out = []
    for value in values:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            abort(400)
    return out


# --------------------------------------------------------------------------------------------
# Facilitators: the groups
# --------------------------------------------------------------------------------------------


@bp.get("/")
@login_required(*MEMBERS)
def index():
    programme = current_programme(g.course.id if g.course else None)
    if programme is None:
        return render_template("sparring/no_programme.html", title=_("Sparring groups"))
    if not is_staff():
        mine = services.groups_of(g.user.id, programme.id)
        return render_template("sparring/mine.html", programme=programme, groups=mine, audience_names=AUDIENCE_NAMES)
    return _index_page(programme)


def _index_page(programme, errors: dict | None = None, form: dict | None = None, status: int = 200):
    groups = services.programme_groups(programme.id)
    candidates = services.candidates(programme.id)
    placed = services.placements(programme.id)
    unplaced = {
        audience: [c for c in candidates.values() if c.user.id not in placed and c.fits(audience)]
        for audience in AUDIENCES
    }
    by_audience = defaultdict(list)
    for group in groups:
        by_audience[group.audience].append(group)
    return render_template(
        "sparring/index.html",
        programme=programme,
        by_audience=by_audience,
        audiences=AUDIENCES,
        audience_names=AUDIENCE_NAMES,
        audience_plurals=AUDIENCE_PLURALS,
        unplaced=unplaced,
        staff=services.staff_people(g.course.id),
        errors=errors or {},
        form=form or {},
    ), status


@bp.post("/groups")
@login_required(*STAFF)
def create():
    programme = _programme()
    form = request.form
    errors: dict[str, str] = {}
    name = forms.parse_name(form.get("name", ""), errors)
    audience = form.get("audience", "")
    if audience not in AUDIENCES:
        errors["audience"] = _("Choose whether the group is for mentors or for aktoris.")
    facilitator = _facilitator_from(form.get("facilitator_id", ""), errors)
    if errors:
        return _index_page(programme, errors, form.to_dict(), 400)
    group = services.create_group(programme.id, name, audience, facilitator.id if facilitator else None)
    db.session.commit()
    flash(_("The group %(name)s was created.", name=name))
    return redirect(url_for("sparring.manage", group_id=group.id), code=303)


def _facilitator_from(value: str, errors: dict) -> User | None:
    if not value:
        return None
    staff = {str(u.id): u for u in services.staff_people(g.course.id)}
    if value not in staff:
        errors["facilitator_id"] = _("Choose a facilitator from the course's staff.")
        return None
    return staff[value]


@bp.post("/assign")
@login_required(*STAFF)
def assign():
    """Place every unplaced participant of an audience with the assignment helper."""
    programme = _programme()
    audience = request.form.get("audience", "")
    if audience not in AUDIENCES:
        abort(400)
    include_peers = request.form.get("include_peers") == "1"
    wanted = {"mentor" if audience == MENTORS else "aktori"} | ({"peer"} if include_peers else set())
    groups = [gr for gr in services.open_groups(programme.id) if gr.audience == audience]
    if not groups:
        return _index_page(programme, {f"assign_{audience}": _("Create a group for this audience first.")}, status=400)
    candidates = services.candidates(programme.id)
    placed = services.placements(programme.id)
    people = [c.as_rule_person() for c in candidates.values() if c.user.id not in placed and c.role in wanted]
    rule_groups = [
        rules.Group(
            gr.id,
            tuple(
                candidates[m.user_id].as_rule_person() if m.user_id in candidates else rules.Person(m.user_id)
                for m in gr.members
            ),
        )
        for gr in groups
    ]
    placement = rules.assign(people, rule_groups)
    try:
        services.place(programme.id, audience, placement)
    except Refused as refused:
        db.session.rollback()
        return _index_page(programme, {f"assign_{audience}": refused.text()}, status=refused.status)
    db.session.commit()
    flash(
        ngettext(
            "%(num)s participant was placed in a group.", "%(num)s participants were placed in groups.", len(placement)
        )
    )
    together = rules.pairs_together(placement, people, rule_groups)
    if together:
        flash(
            ngettext(
                "%(num)s pair shares a group because there are too few groups to keep it apart.",
                "%(num)s pairs share a group because there are too few groups to keep them apart.",
                together,
            ),
            "warning",
        )
    return redirect(url_for("sparring.index", _anchor=f"audience-{audience}"), code=303)


@bp.get("/groups/<int:group_id>/manage")
@login_required(*STAFF)
def manage(group_id: int):
    return _manage_page(staff_group_or_404(group_id))


def _manage_page(group: SparringGroup, errors: dict | None = None, status: int = 200):
    candidates = services.candidates(group.programme_id)
    placed = services.placements(group.programme_id)
    addable = [c for c in candidates.values() if c.user.id not in placed and c.fits(group.audience)]
    others = [gr for gr in services.open_groups(group.programme_id) if gr.id != group.id]
    return render_template(
        "sparring/manage.html",
        group=group,
        candidates=candidates,
        addable=addable,
        others=others,
        staff=services.staff_people(g.course.id),
        audience_names=AUDIENCE_NAMES,
        pair_role_names=PAIR_ROLE_NAMES,
        errors=errors or {},
    ), status


@bp.post("/groups/<int:group_id>/settings")
@login_required(*STAFF)
def settings(group_id: int):
    group = writable(staff_group_or_404(group_id))
    errors: dict[str, str] = {}
    name = forms.parse_name(request.form.get("name", ""), errors)
    facilitator = _facilitator_from(request.form.get("facilitator_id", ""), errors)
    if errors:
        return _manage_page(group, errors, 400)
    services.save_settings(group, name, facilitator.id if facilitator else None)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("sparring.manage", group_id=group.id), code=303)


@bp.post("/groups/<int:group_id>/members")
@login_required(*STAFF)
def add_members(group_id: int):
    group = writable(staff_group_or_404(group_id))
    wanted = _int_list(request.form.getlist("user_id"))
    if not wanted:
        return _manage_page(group, {"add": _("Choose at least one participant to add.")}, 400)
    candidates = services.candidates(group.programme_id)
    placed = services.placements(group.programme_id)
    for user_id in wanted:
        if user_id not in candidates:
            return _manage_page(group, {"add": _("Only registered participants can be added.")}, 400)
        if user_id in placed:
            return _manage_page(
                group,
                {
                    "add": _(
                        "%(name)s is already in the group %(group)s. Move them from there.",
                        name=candidates[user_id].user.display_name,
                        group=placed[user_id].name,
                    )
                },
                400,
            )
    try:
        services.add_members(group, wanted)
    except Refused as refused:
        db.session.rollback()
        return _manage_page(group, {"add": refused.text()}, refused.status)
    db.session.commit()
    flash(_("Participants added: %(n)s.", n=len(wanted)))
    return redirect(url_for("sparring.manage", group_id=group.id), code=303)


def _membership(group: SparringGroup, user_id: int) -> SparringMember:
    member = next((m for m in group.members if m.user_id == user_id), None)
    if member is None:
        abort(404)
    return member


@bp.post("/groups/<int:group_id>/members/<int:user_id>/move")
@login_required(*STAFF)
def move_member(group_id: int, user_id: int):
    group = writable(staff_group_or_404(group_id))
    member = _membership(group, user_id)
    try:
        target_id = int(request.form.get("to_group", ""))
    except ValueError:
        return _manage_page(group, {"move": _("Choose the group to move them to.")}, 400)
    target = next(
        (gr for gr in services.open_groups(group.programme_id) if gr.id == target_id and gr.id != group.id), None
    )
    if target is None:
        return _manage_page(group, {"move": _("Choose the group to move them to.")}, 400)
    services.move_member(member, target)
    db.session.commit()
    flash(_("%(name)s was moved to %(group)s.", name=member.user.display_name, group=target.name))
    return redirect(url_for("sparring.manage", group_id=group.id), code=303)


@bp.post("/groups/<int:group_id>/members/<int:user_id>/remove")
@login_required(*STAFF)
def remove_member(group_id: int, user_id: int):
    group = writable(staff_group_or_404(group_id))
    member = _membership(group, user_id)
    name = member.user.display_name
    services.remove_member(member)
    db.session.commit()
    flash(_("%(name)s was removed from the group.", name=name))
    return redirect(url_for("sparring.manage", group_id=group.id), code=303)


@bp.post("/groups/<int:group_id>/archive")
@login_required(*STAFF)
def archive(group_id: int):
    """Archive (or reopen) a group: archived, it is read-only and frees its members for others."""
    group = staff_group_or_404(group_id)
    if group.archived:
        clashes = [m.user.display_name for m in group.members if m.user_id in services.placements(group.programme_id)]
        if clashes:
            return _manage_page(
                group,
                {"archive": _("Cannot reopen: already in another group: %(names)s.", names=", ".join(clashes))},
                400,
            )
        services.reopen(group)
        flash(_("The group was reopened."))
    else:
        services.archive(group)
        flash(_("The group was archived."))
    db.session.commit()
    return redirect(url_for("sparring.manage", group_id=group.id), code=303)


# The space's views register on ``bp`` (imported last: they use the access helpers above).
from . import space  # noqa: E402, F401
