"""The private journal's pages: its author's alone (any other entry id is 404). Views on the area's
blueprint (:mod:`.routes`)."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for

from app.core.auth import login_required
from app.core.db import db
from app.programme.services import current_programme_or_404 as _programme

from ..people.models import PARTICIPANT
from . import journal
from .models import JournalEntry
from .routes import (
    REFUSALS,
    bp,
)

# --------------------------------------------------------------------------------------------
# Journal (the author's alone)
# --------------------------------------------------------------------------------------------


def _own_entry(entry_id: int) -> JournalEntry:
    entry = db.session.get(JournalEntry, entry_id)
    if entry is None or entry.user_id != g.user.id:
        abort(404)
    return entry


@bp.get("/journal")
@login_required(PARTICIPANT)
def journal_index():
    programme = _programme()
    entries = [(e, journal.decrypt(e.body)) for e in journal.own_entries(g.user.id, programme.id)]
    return render_template("mentoring/journal.html", entries=entries, prompts=journal.PROMPTS)


def _journal_form(entry=None, text="", prompt_id=None, error=None, status=200):
    return render_template(
        "mentoring/journal_form.html",
        entry=entry,
        text=text,
        prompt_id=prompt_id,
        error=error,
        prompt=journal.PROMPTS.get(prompt_id),
        max_length=journal.BODY_MAX,
    ), status


def _journal_text() -> tuple[str, str | None]:
    text = (request.form.get("text") or "").replace("\r\n", "\n").strip()
    if not text:
        return text, str(REFUSALS["journal_empty"])
    if len(text) > journal.BODY_MAX:
        return text, REFUSALS["journal_too_long"] % {"max": journal.BODY_MAX}
    return text, None


@bp.route("/journal/new", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def journal_new():
    programme = _programme()
    prompt_id = request.values.get("prompt")
    prompt_id = prompt_id if prompt_id in journal.PROMPTS else None
    if request.method == "POST":
        text, error = _journal_text()
        if error:
            return _journal_form(text=text, prompt_id=prompt_id, error=error, status=422)
        entry = JournalEntry(
            user_id=g.user.id, programme_id=programme.id, prompt_id=prompt_id, body=journal.encrypt(text)
        )
        db.session.add(entry)
        db.session.commit()
        return redirect(url_for("mentoring.journal_index", saved=1, _anchor=f"entry-{entry.id}"), 303)
    prefill = f"{journal.PROMPTS[prompt_id]}\n\n" if prompt_id else ""
    return _journal_form(text=prefill, prompt_id=prompt_id)


@bp.route("/journal/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required(PARTICIPANT)
def journal_edit(entry_id: int):
    entry = _own_entry(entry_id)
    if request.method == "POST":
        text, error = _journal_text()
        if error:
            return _journal_form(entry, text, entry.prompt_id, error, 422)
        entry.body = journal.encrypt(text)
        db.session.commit()
        return redirect(url_for("mentoring.journal_index", saved=1, _anchor=f"entry-{entry.id}"), 303)
    return _journal_form(entry, journal.decrypt(entry.body), entry.prompt_id)


@bp.post("/journal/<int:entry_id>/delete")
@login_required(PARTICIPANT)
def journal_delete(entry_id: int):
    entry = _own_entry(entry_id)
    db.session.delete(entry)
    db.session.commit()
    return redirect(url_for("mentoring.journal_index", deleted=1), 303)
