"""A sparring group's space: its sessions, materials and discussion, for its members and staff.

Access as in :mod:`.routes`: another group's ids answer 404; an archived group is read-only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.core.auth import MEMBERS, STAFF, login_required
from app.core.clock import utcnow
from app.core.db import db
from app.core.i18n import current_language

from ..content import get_library
from ..content.library.modules import DEFAULT_LANGUAGE
from . import forms, services
from .markdown import render as render_markdown
from .models import MODULE, NOTE, SparringGroup
from .routes import (
    AUDIENCE_NAMES,
    EDIT_MINUTES,
    bp,
    group_or_404,
    is_staff,
    may_edit,
    post_or_404,
    staff_group_or_404,
    thread_or_404,
    writable,
)

# --------------------------------------------------------------------------------------------
# The group's space
# --------------------------------------------------------------------------------------------


@bp.get("/groups/<int:group_id>")
@login_required(*MEMBERS)
def space(group_id: int):
    group = db.session.get(SparringGroup, group_id)
    if (
        group is not None
        and g.course is not None
        and group.programme.course_id == g.course.id
        and not is_staff()
        and not any(m.user_id == g.user.id for m in group.members)
    ):
        # A space placed in the course but not theirs (e.g. a course page links every group's space):
        # point the person to their own group rather than answer "not found". Nothing of this group shows.
        own = services.groups_of(g.user.id, group.programme_id)
        return render_template("sparring/elsewhere.html", own=own), 403
    return _space_page(group_or_404(group_id))


def _space_page(group: SparringGroup, failed: FlaskForm | None = None, status: int = 200):
    """The space; ``failed`` is the form just refused, shown with its errors and the input kept."""
    content = services.space(group)
    now = utcnow()
    modules = {m.id: m for m in get_library().modules(current_language())}
    blank: dict[type[FlaskForm], FlaskForm] = {
        forms.SessionForm: forms.SessionForm(group.programme, formdata=None),
        forms.ModuleLinkForm: forms.ModuleLinkForm(formdata=None).with_modules(modules.values()),
        forms.NoteForm: forms.NoteForm(formdata=None),
        forms.ThreadForm: forms.ThreadForm(formdata=None),
    }
    if failed is not None:
        blank[type(failed)] = failed
    return render_template(
        "sparring/space.html",
        group=group,
        upcoming=[s for s in content.sessions if s.starts_at >= now - timedelta(hours=3)],
        past=[s for s in content.sessions if s.starts_at < now - timedelta(hours=3)],
        materials=content.materials,
        modules=modules,
        threads=content.threads,
        counts=content.post_counts,
        is_staff=is_staff(),
        audience_names=AUDIENCE_NAMES,
        render_markdown=render_markdown,
        edit_minutes=EDIT_MINUTES,
        session_form=blank[forms.SessionForm],
        module_form=blank[forms.ModuleLinkForm],
        note_form=blank[forms.NoteForm],
        thread_form=blank[forms.ThreadForm],
        failed=failed,
    ), status


@bp.post("/groups/<int:group_id>/sessions")
@login_required(*STAFF)
def add_session(group_id: int):
    group = writable(staff_group_or_404(group_id))
    form = forms.SessionForm(group.programme)
    if not form.validate():
        return _space_page(group, form, 400)
    assert form.starts_at is not None  # set by a successful validate
    services.add_session(group, form.starts_at, form.duration.data, form.video_url.data or None, form.agenda.data)
    db.session.commit()
    flash(_("The session was added."))
    return redirect(url_for("sparring.space", group_id=group.id, _anchor="sessions"), code=303)


@bp.post("/groups/<int:group_id>/sessions/<int:session_id>/delete")
@login_required(*STAFF)
def delete_session(group_id: int, session_id: int):
    group = writable(staff_group_or_404(group_id))
    item = services.group_session(group, session_id)
    if item is None:
        abort(404)
    services.delete_session(item)
    db.session.commit()
    flash(_("The session was removed."))
    return redirect(url_for("sparring.space", group_id=group.id, _anchor="sessions"), code=303)


@bp.post("/groups/<int:group_id>/materials")
@login_required(*STAFF)
def add_material(group_id: int):
    """A link to a module of the reading material, or a note (the form's hidden ``kind``)."""
    group = writable(staff_group_or_404(group_id))
    kind = request.form.get("kind", "")
    if kind == MODULE:
        form: FlaskForm = forms.ModuleLinkForm().with_modules(get_library().modules(DEFAULT_LANGUAGE))
    elif kind == NOTE:
        form = forms.NoteForm()
    else:
        abort(400)
    if not form.validate():
        return _space_page(group, form, 400)
    if isinstance(form, forms.NoteForm):
        services.add_material(group, NOTE, None, form.title.data, form.body.data, g.user.id)
    else:
        services.add_material(group, MODULE, form.module_id.data, "", "", g.user.id)
    db.session.commit()
    flash(_("The material was added."))
    return redirect(url_for("sparring.space", group_id=group.id, _anchor="materials"), code=303)


@bp.post("/groups/<int:group_id>/materials/<int:material_id>/delete")
@login_required(*STAFF)
def delete_material(group_id: int, material_id: int):
    group = writable(staff_group_or_404(group_id))
    item = services.group_material(group, material_id)
    if item is None:
        abort(404)
    services.delete_material(item)
    db.session.commit()
    flash(_("The material was removed."))
    return redirect(url_for("sparring.space", group_id=group.id, _anchor="materials"), code=303)


# --------------------------------------------------------------------------------------------
# Discussion
# --------------------------------------------------------------------------------------------


@bp.post("/groups/<int:group_id>/threads")
@login_required(*MEMBERS)
def new_thread(group_id: int):
    group = writable(group_or_404(group_id))
    form = forms.ThreadForm()
    if not form.validate():
        return _space_page(group, form, 400)
    thread = services.start_thread(group, g.user.id, form.title.data, form.body.data)
    db.session.commit()
    return redirect(url_for("sparring.thread", group_id=group.id, thread_id=thread.id), code=303)


@bp.get("/groups/<int:group_id>/threads/<int:thread_id>")
@login_required(*MEMBERS)
def thread(group_id: int, thread_id: int):
    group = group_or_404(group_id)
    return _thread_page(group, thread_or_404(group, thread_id))


def _thread_page(group, thread, form: forms.PostForm | None = None, status: int = 200):
    posts = [p for p in thread.posts if p.deleted_at is None]
    return render_template(
        "sparring/thread.html",
        group=group,
        thread=thread,
        posts=posts,
        removed=len(thread.posts) - len(posts),
        is_staff=is_staff(),
        may_edit=may_edit,
        render_markdown=render_markdown,
        edit_minutes=EDIT_MINUTES,
        form=form or forms.PostForm(formdata=None),
    ), status


@bp.post("/groups/<int:group_id>/threads/<int:thread_id>/replies")
@login_required(*MEMBERS)
def reply(group_id: int, thread_id: int):
    group = writable(group_or_404(group_id))
    thread = thread_or_404(group, thread_id)
    form = forms.PostForm()
    if not form.validate():
        return _thread_page(group, thread, form, 400)
    post = services.reply(thread, g.user.id, form.body.data)
    db.session.commit()
    return redirect(
        url_for("sparring.thread", group_id=group.id, thread_id=thread.id, _anchor=f"post-{post.id}"), code=303
    )


@bp.route("/groups/<int:group_id>/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required(*MEMBERS)
def edit_post(group_id: int, post_id: int):
    group = group_or_404(group_id)
    post = post_or_404(group, post_id)
    if post.author_id != g.user.id:
        abort(404)
    closed = not may_edit(post) or group.archived
    # Closed: the text is shown, never taken from a request.
    form = forms.EditPostForm(formdata=None, body=post.body) if closed else forms.EditPostForm(body=post.body)
    if not closed and request.method == "POST" and form.validate():
        services.edit_post(post, form.body.data)
        db.session.commit()
        return redirect(
            url_for("sparring.thread", group_id=group.id, thread_id=post.thread_id, _anchor=f"post-{post.id}"), code=303
        )
    return render_template(
        "sparring/edit.html", group=group, post=post, closed=closed, form=form, edit_minutes=EDIT_MINUTES
    ), 403 if closed else 400 if form.errors else 200


@bp.post("/groups/<int:group_id>/posts/<int:post_id>/delete")
@login_required(*STAFF)
def delete_post(group_id: int, post_id: int):
    """Soft delete: hidden from everyone, kept for the audit trail."""
    group = staff_group_or_404(group_id)
    post = post_or_404(group, post_id)
    services.delete_post(post, g.user.id)
    db.session.commit()
    flash(_("The post was removed."))
    if post.thread.deleted_at is not None:
        return redirect(url_for("sparring.space", group_id=group.id, _anchor="discussion"), code=303)
    return redirect(url_for("sparring.thread", group_id=group.id, thread_id=post.thread_id), code=303)


@bp.post("/groups/<int:group_id>/threads/<int:thread_id>/delete")
@login_required(*STAFF)
def delete_thread(group_id: int, thread_id: int):
    group = staff_group_or_404(group_id)
    thread = thread_or_404(group, thread_id)
    services.delete_thread(thread, g.user.id)
    db.session.commit()
    flash(_("The thread was removed."))
    return redirect(url_for("sparring.space", group_id=group.id, _anchor="discussion"), code=303)
