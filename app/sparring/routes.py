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

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from app.core import refusals
from app.core.auth import MEMBERS, STAFF, login_required
from app.core.clock import utcnow
from app.core.db import db
from app.core.i18n import current_language
from app.core.refusals import Refused
from app.programme.services import current_programme
from app.programme.services import current_programme_or_404 as _programme

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


def _index_page(programme, new: forms.GroupForm | None = None, failed: forms.AssignForm | None = None, status=200):
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
    assign_forms = {audience: forms.AssignForm(formdata=None, audience=audience) for audience in AUDIENCES}
    if failed is not None:
        assign_forms[failed.audience.data] = failed
    return render_template(
        "sparring/index.html",
        programme=programme,
        by_audience=by_audience,
        audiences=AUDIENCES,
        audience_plurals=AUDIENCE_PLURALS,
        unplaced=unplaced,
        new=new or _group_form(formdata=None),
        assign_forms=assign_forms,
        failed=new if new is not None else failed,
    ), status


def _group_form(**kwargs) -> forms.GroupForm:
    form = forms.GroupForm(**kwargs).with_audiences(AUDIENCE_NAMES)
    form.with_staff(services.staff_people(g.course.id))
    return form


@bp.post("/groups")
@login_required(*STAFF)
def create():
    programme = _programme()
    form = _group_form()
    if not form.validate():
        return _index_page(programme, new=form, status=400)
    group = services.create_group(programme.id, form.name.data, form.audience.data, form.facilitator)
    db.session.commit()
    flash(_("The group %(name)s was created.", name=form.name.data))
    return redirect(url_for("sparring.manage", group_id=group.id), code=303)


@bp.post("/assign")
@login_required(*STAFF)
def assign():
    """Place every unplaced participant of an audience with the assignment helper."""
    programme = _programme()
    form = forms.AssignForm()
    if not form.validate():
        abort(400)  # only a hand-made request sends another audience
    audience = form.audience.data
    wanted = {"mentor" if audience == MENTORS else "aktori"} | ({"peer"} if form.include_peers.data else set())
    groups = [gr for gr in services.open_groups(programme.id) if gr.audience == audience]
    if not groups:
        form.form_errors.append(_("Create a group for this audience first."))
        return _index_page(programme, failed=form, status=400)
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
        form.form_errors.append(refused.text())
        return _index_page(programme, failed=form, status=refused.status)
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


def _manage_page(group: SparringGroup, failed: FlaskForm | None = None, status: int = 200):
    """The members and settings page; ``failed`` is the form just refused, shown with its errors."""
    candidates = services.candidates(group.programme_id)
    placed = services.placements(group.programme_id)
    addable = [c for c in candidates.values() if c.user.id not in placed and c.fits(group.audience)]
    others = [gr for gr in services.open_groups(group.programme_id) if gr.id != group.id]
    settings_form = failed if isinstance(failed, forms.GroupSettingsForm) else None
    add_form = failed if isinstance(failed, forms.AddMembersForm) else None
    return render_template(
        "sparring/manage.html",
        group=group,
        candidates=candidates,
        addable=addable,
        others=others,
        audience_names=AUDIENCE_NAMES,
        pair_role_names=PAIR_ROLE_NAMES,
        settings_form=settings_form
        or _settings_form(formdata=None, name=group.name, facilitator_id=str(group.facilitator_id or "")),
        add_form=_addable_choices(add_form or forms.AddMembersForm(formdata=None), addable),
        failed=failed,
    ), status


def _addable_choices(form: forms.AddMembersForm, addable) -> forms.AddMembersForm:
    """What the page offers (each with organisation and role); what a submit may name is checked apart."""
    language = current_language()
    form.user_id.choices = [
        SelectChoice(
            str(c.user.id),
            ", ".join([c.user.display_name] + ([c.organisation.name(language)] if c.organisation else []))
            + f" ({PAIR_ROLE_NAMES[c.role] if c.role in PAIR_ROLE_NAMES else c.role})",
        )
        for c in addable
    ]
    return form


def _settings_form(**kwargs) -> forms.GroupSettingsForm:
    return forms.GroupSettingsForm(**kwargs).with_staff(services.staff_people(g.course.id))


@bp.post("/groups/<int:group_id>/settings")
@login_required(*STAFF)
def settings(group_id: int):
    group = writable(staff_group_or_404(group_id))
    form = _settings_form()
    if not form.validate():
        return _manage_page(group, form, 400)
    services.save_settings(group, form.name.data, form.facilitator)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("sparring.manage", group_id=group.id), code=303)


@bp.post("/groups/<int:group_id>/members")
@login_required(*STAFF)
def add_members(group_id: int):
    group = writable(staff_group_or_404(group_id))
    candidates = services.candidates(group.programme_id)
    form = forms.AddMembersForm().with_people((user_id, "") for user_id in candidates)
    if not form.validate():
        return _manage_page(group, form, 400)
    placed = services.placements(group.programme_id)
    for user_id in form.user_ids:
        if user_id in placed:
            form.user_id.errors.append(
                _(
                    "%(name)s is already in the group %(group)s. Move them from there.",
                    name=candidates[user_id].user.display_name,
                    group=placed[user_id].name,
                )
            )
    if form.user_id.errors:
        return _manage_page(group, form, 400)
    try:
        services.add_members(group, form.user_ids)
    except Refused as refused:
        db.session.rollback()
        form.form_errors.append(refused.text())
        return _manage_page(group, form, refused.status)
    db.session.commit()
    flash(_("Participants added: %(n)s.", n=len(form.user_ids)))
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
    others = {gr.id: gr for gr in services.open_groups(group.programme_id) if gr.id != group.id}
    form = forms.MoveForm().with_groups((gr.id, gr.name) for gr in others.values())
    form.to_group.id = f"move-{user_id}"  # the summary's link goes to this member's own list
    if not form.validate():
        return _manage_page(group, form, 400)
    target = others[int(form.to_group.data)]
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
            form = FlaskForm()
            form.form_errors.append(_("Cannot reopen: already in another group: %(names)s.", names=", ".join(clashes)))
            return _manage_page(group, form, 400)
        services.reopen(group)
        flash(_("The group was reopened."))
    else:
        services.archive(group)
        flash(_("The group was archived."))
    db.session.commit()
    return redirect(url_for("sparring.manage", group_id=group.id), code=303)


# The space's views register on ``bp`` (imported last: they use the access helpers above).
from . import space  # noqa: E402, F401
