"""The reading material inside the tool: the index by section and audience, each module's page,
search, the question bank, the checklists, and each participant's own "read" marks.

Who sees what:

* only launched members of the programme (participants, facilitators, administrators); a guest
  launch gets 403, no session 401;
* material written only for facilitators is for staff; for a participant it does not exist (404);
* staff see, per module, **how many** participants of their course have marked it read — never
  who. No view anywhere lists one person's marks except that person's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.core.anonymity import K, shown_count
from app.core.auth import MEMBERS, STAFF, login_required
from app.core.db import db
from app.core.i18n import current_language
from app.core.roles import PARTICIPANT

from . import get_library
from .library.modules import DEFAULT_LANGUAGE, Module, TocEntry
from .library.search import search_modules
from .models import ContentReadMark
from .providers import providers

bp = Blueprint("content", __name__, url_prefix="/material", template_folder="templates")


#: The audience filter: everything, or one group's own material first (then the general).
AUDIENCE_FILTERS = {
    "all": _l("All readers"),
    "mentors": _l("Mentors"),
    "aktoris": _l("Aktoris"),
    "peers": _l("Peers"),
    "facilitators": _l("Facilitators"),
}
STAFF_ONLY_AUDIENCES = ("facilitators",)

#: A short tag by a module written for one group.
AUDIENCE_TAGS = {
    "mentors": _l("For mentors"),
    "aktoris": _l("For aktoris"),
    "peers": _l("For peers"),
    "facilitators": _l("For facilitators"),
}

LANGUAGE_IN = {
    "fi": _l("in Finnish"),
    "sv": _l("in Swedish"),
    "en": _l("in English"),
}

SEARCH_MAX_LENGTH = 200
SEARCH_LIMIT = 30


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _is_staff() -> bool:
    return g.role in STAFF


def _may_see(module: Module) -> bool:
    """Material written only for facilitators is for staff."""
    return _is_staff() or not set(module.audience) <= set(STAFF_ONLY_AUDIENCES)


def _audience_filters() -> dict:
    if _is_staff():
        return AUDIENCE_FILTERS
    return {k: v for k, v in AUDIENCE_FILTERS.items() if k not in STAFF_ONLY_AUDIENCES}


def _chosen_audience() -> str:
    value = request.args.get("audience", "all")
    return value if value in _audience_filters() else "all"


def _link_for(module_id: str, anchor: str | None) -> str:
    return url_for("content.module", module_id=module_id, _anchor=anchor or None)


def _visible_module(module_id: str, lang: str) -> Module:
    """The module in ``lang`` (or its Finnish fallback) if this viewer may see it; else 404."""
    module = get_library().get(module_id, lang)
    if module is None or not _may_see(module):
        abort(404)
    return module


def _visible_modules(lang: str) -> list[Module]:
    return [m for m in get_library().modules(lang) if _may_see(m)]


def _can_mark() -> bool:
    return g.course is not None


def _my_marks() -> dict[str, object]:
    """This viewer's own read marks in this course: module id → when."""
    if g.course is None:
        return {}
    rows = db.session.execute(
        db.select(ContentReadMark.module_id, ContentReadMark.read_at).where(
            ContentReadMark.user_id == g.user.id, ContentReadMark.course_id == g.course.id
        )
    )
    return {module_id: read_at for module_id, read_at in rows}


@dataclass(frozen=True)
class TocNode:
    id: str
    title: str
    children: tuple[TocNode, ...] = ()


def _toc_tree(entries) -> list[TocNode]:
    """h2 entries with their h3 entries nested (deeper headings are left out of the toc)."""
    tree: list[tuple[TocEntry, list[TocNode]]] = []
    for entry in entries:
        if entry.level == 2 or not tree:
            tree.append((entry, []))
        elif entry.level == 3:
            tree[-1][1].append(TocNode(entry.id, entry.title))
    return [TocNode(e.id, e.title, tuple(children)) for e, children in tree]


@bp.context_processor
def _content_globals():
    return {
        "audience_tags": AUDIENCE_TAGS,
        "language_in": LANGUAGE_IN,
    }


# --------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------


@bp.get("/")
@login_required(*MEMBERS)
def index():
    lang = current_language()
    audience = _chosen_audience()
    library = get_library()
    sections = []
    for section_id, title, modules in library.sections(lang, audience=None if audience == "all" else audience):
        visible = [m for m in modules if _may_see(m)]
        if visible:
            sections.append((section_id, title, visible))
    if _is_staff():
        # Facilitators see their own material first.
        sections.sort(key=lambda s: 0 if s[0] == "facilitators" else 1)
    counts = total = None
    read_counts = providers().read_counts
    if _is_staff() and g.course is not None and read_counts is not None:
        read, total = read_counts(g.course.id)
        # The k ≥ 5 rule: in a small course a count (or "all but one") tells who read what.
        counts = {m.id: shown_count(read.get(m.id, 0), total) for _id, _title, modules in sections for m in modules}
    return render_template(
        "content/index.html",
        sections=sections,
        audience=audience,
        audience_filters=_audience_filters(),
        my_marks=_my_marks(),
        counts=counts,
        participant_total=total,
        k=K,
        checklists=library.checklists(),
        journal_prompts=providers().journal_prompts if g.role == PARTICIPANT else None,
        lang=lang,
    )


@bp.get("/modules/<module_id>")
@login_required(*MEMBERS)
def module(module_id: str):
    lang = current_language()
    module = _visible_module(module_id, lang)
    library = get_library()
    rendered = library.render(module, link_for=_link_for)
    order = [m.id for m in _visible_modules(lang)]
    position = order.index(module.id) if module.id in order else -1
    previous_id = order[position - 1] if position > 0 else None
    next_id = order[position + 1] if 0 <= position < len(order) - 1 else None
    return render_template(
        "content/module.html",
        module=module,
        rendered=rendered,
        toc=_toc_tree(rendered.toc),
        read_at=_my_marks().get(module.id),
        can_mark=_can_mark(),
        checklists=[c for c in library.checklists().values() if c.module == module.id],
        previous=library.get(previous_id, lang) if previous_id else None,
        next=library.get(next_id, lang) if next_id else None,
        lang=lang,
    )


@bp.post("/modules/<module_id>/read")
@login_required(*MEMBERS)
def mark_read(module_id: str):
    """Mark a module read for this viewer in this course. Idempotent: a second mark (or two
    racing ones) leaves the first in place."""
    module = _visible_module(module_id, DEFAULT_LANGUAGE)
    if g.course is None:
        abort(400)
    exists = db.session.scalar(
        db.select(ContentReadMark.id).where(
            ContentReadMark.user_id == g.user.id,
            ContentReadMark.course_id == g.course.id,
            ContentReadMark.module_id == module.id,
        )
    )
    if exists is None:
        db.session.add(ContentReadMark(user_id=g.user.id, course_id=g.course.id, module_id=module.id))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # the same mark was made in a parallel request
    return redirect(url_for("content.module", module_id=module.id, _anchor="read-status"), code=303)


@bp.get("/search")
@login_required(*MEMBERS)
def search():
    lang = current_language()
    query = " ".join(request.args.get("q", "").split())[:SEARCH_MAX_LENGTH]
    results = []
    if query:
        library = get_library()
        pairs = [(m, library.render(m).text) for m in _visible_modules(lang)]
        for hit in search_modules(pairs, query, SEARCH_LIMIT):
            start, end = hit.highlight or (len(hit.snippet), len(hit.snippet))
            results.append(
                {
                    "hit": hit,
                    "before": hit.snippet[:start],
                    "match": hit.snippet[start:end],
                    "after": hit.snippet[end:],
                }
            )
    return render_template("content/search.html", query=query, results=results, lang=lang)


@bp.get("/questions")
@login_required(*MEMBERS)
def questions():
    lang = current_language()
    bank = get_library().question_bank()
    phase = request.args.get("phase") or None
    theme = request.args.get("theme") or None
    phase = phase if phase in bank.phases else None
    theme = theme if theme in bank.themes else None
    chosen = bank.filter(phase, theme)
    groups = [
        (phase_id, label.get(lang), [q for q in chosen if q.phase == phase_id])
        for phase_id, label in bank.phases.items()
    ]
    return render_template(
        "content/questions.html",
        bank=bank,
        groups=[group for group in groups if group[2]],
        count=len(chosen),
        phase=phase,
        theme=theme,
        lang=lang,
    )


@bp.get("/tools/<checklist_id>")
@login_required(*MEMBERS)
def checklist(checklist_id: str):
    lang = current_language()
    library = get_library()
    found = library.checklists().get(checklist_id)
    if found is None:
        abort(404)
    explained_in = library.get(found.module, lang) if found.module else None
    if explained_in is not None and not _may_see(explained_in):
        explained_in = None
    return render_template(
        "content/checklist.html",
        checklist=found,
        explained_in=explained_in,
        total_minutes=sum(item.minutes or 0 for item in found.items),
        # A matched participant ticks the items together with their pair.
        pair=checklist_pair() if (checklist_pair := providers().checklist_pair) else None,
        lang=lang,
    )
