"""The facilitator's matching page and hand edits, and a participant's published match.

Staff work on a programme of their own course only (another course's: 404). Participants only
ever see their own published (or ended) group: drafts and other people's registrations never
reach them.
"""

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core import refusals
from app.core.auth import STAFF, login_required
from app.core.clock import helsinki_today
from app.core.db import db
from app.core.i18n import current_language
from app.core.labels import LANGUAGE_LABELS
from app.core.refusals import Refused
from app.groups import rules as group_rules
from app.groups import services as group_services
from app.groups.models import DRAFT, SOUNDING_OUT, WITHDRAWN, GroupMember
from app.programme import services as programmes
from app.programme.models import Programme
from app.programme.services import current_programme, staff_programme

from ..ids import db_int
from ..people.models import PARTICIPANT
from . import page as matching_page
from . import rules, services
from .engine.reasons import PARTICIPANT_REASON_CODES, ROLE_LABELS, render
from .engine.types import Form, Reason, Role

# The confirm page lists the problems themselves; this text is the refusal's short form.
refusals.register({services.GROUP_HAS_PROBLEMS: _l("The group has problems: check them before saving it.")})

bp = Blueprint("matching", __name__, url_prefix="/matching", template_folder="templates")

MEMBER_SLOTS = 3  # a group is at most one mentor and two aktoris

refusals.register(
    {
        "sounding_answered": _l("You have already answered, or this pair or group is no longer sounding out."),
        rules.NOT_PUBLISHED: _l("This pair or group is not published (any more), so there is nothing to withdraw."),
        rules.HAS_MET: _l("Its members have already logged a meeting, so this match can no longer be withdrawn."),
    },
    {"sounding_answered": 409, rules.NOT_PUBLISHED: 409, rules.HAS_MET: 409},
)


def reason_texts(programme, reasons, *, participant: bool = False, code: str | None = None) -> list[str]:
    """Reasons as sentences in the viewer's language; participants get only their codes. The
    score is shown apart from the reasons (``code="score"`` gives it alone)."""
    lang = current_language()
    themes = {t.code: t.name(lang) for t in programme.themes}
    organisations = {o.code: o.name(lang) for o in programme.organisations}
    texts = []
    for reason in reasons:
        if (participant and reason.code not in PARTICIPANT_REASON_CODES) or (reason.code == "score") != (
            code == "score"
        ):
            continue
        params = dict(reason.params)
        if "organisation" in params:
            params["organisation"] = organisations.get(params["organisation"], params["organisation"])
        if "organisations" in params:
            params["organisations"] = [organisations.get(c, c) for c in params["organisations"]]
        texts.append(
            render(
                Reason(reason.code, params),
                gettext,
                theme_label=lambda code: themes.get(code, code),
                language_label=lambda code: str(LANGUAGE_LABELS.get(code, code)),
            )
        )
    # A reason once per group: a group's directions can read the same (e.g. a theme both offer).
    return list(dict.fromkeys(texts))


def _say(programme):
    def say(reasons, participant=False):
        if reasons and isinstance(reasons[0], dict):
            reasons = services.reasons_of(reasons)
        return reason_texts(programme, reasons or (), participant=participant)

    return say


def _points(programme):
    """A group's points in words ("72/100 (shared theme: 40 · …)"), or "–" for a group scored
    before points existed."""

    def points(reasons):
        texts = reason_texts(programme, services.reasons_of(reasons or []), code="score")
        return texts[0] if texts else "–"

    return points


def _back(programme, anchor=None, **args):
    return redirect(url_for("matching.index", programme_id=programme.id, _anchor=anchor, **args), 303)


# --------------------------------------------------------------------------------------------------
# The matching page


@bp.get("/programmes/<int:programme_id>")
@login_required(*STAFF)
def index(programme_id):
    programme = staff_programme(programme_id)
    pages = {name: max(request.args.get(name, 1, type=db_int) or 1, 1) for name in ("page", "dpage", "upage")}
    search = request.args.get("q", "")[:100]
    state = matching_page.matching_state(
        programme, pages["page"], draft_page=pages["dpage"], unmatched_page=pages["upage"], search=search
    )
    page = render_template(
        "matching/index.html",
        page=pages["page"],
        dpage=pages["dpage"],
        upage=pages["upage"],
        search=search,
        programme=programme,
        state=state,
        sounding=group_services.sounding_rows(programme.id, helsinki_today()),
        say=_say(programme),
        points=_points(programme),
        done=request.args.get("done"),
        count=request.args.get("count", type=db_int),
    )
    if state.renewed:  # the unmatched reasons were computed now: keep them
        db.session.commit()
    return page


@bp.post("/programmes/<int:programme_id>/compute")
@login_required(*STAFF)
def compute(programme_id):
    programme = staff_programme(programme_id)
    result = services.compute_suggestions(programme)
    db.session.commit()
    return _back(programme, "drafts", done="computed", count=len(result.suggestions))


@bp.get("/programmes/<int:programme_id>/publish")
@login_required(*STAFF)
def confirm_publish_all(programme_id):
    """ "Publish all drafts" first shows what it will publish; the confirmation names exactly
    these groups, so a draft made meanwhile is not published unseen."""
    programme = staff_programme(programme_id)
    state = matching_page.matching_state(programme, draft_page=None)
    if not state.drafts:
        return _back(programme, "drafts", done="none_selected")
    return render_template("matching/publish_all.html", programme=programme, state=state)


@bp.post("/programmes/<int:programme_id>/publish")
@login_required(*STAFF)
def publish(programme_id):
    programme = staff_programme(programme_id)
    chosen = set(request.form.getlist("group_id", type=db_int))
    drafts = [d for d in services.groups(programme, DRAFT) if d.id in chosen]
    if not drafts:
        return _back(programme, "drafts", done="none_selected")
    count = services.publish(programme, drafts)
    db.session.commit()
    return _back(programme, "published", done="published", count=count)


@bp.route("/programmes/<int:programme_id>/groups/<int:group_id>/withdraw", methods=["GET", "POST"])
@login_required(*STAFF)
def withdraw(programme_id, group_id):
    """Withdraw a published match before its members have met: first a page saying who will be
    told, then the withdrawal; a match that may not be withdrawn says why (409)."""
    programme = staff_programme(programme_id)
    group = services.group_in(programme, group_id, status=None)
    if group is None or group.status == DRAFT:
        abort(404)
    refusal = services.withdrawal_refusal(group)
    if request.method == "POST" and refusal is None:
        try:
            services.withdraw(programme, group, g.user.id)
        except Refused as refused:  # a member met or answered meanwhile
            db.session.rollback()
            refusal = refused.code
        else:
            db.session.commit()
            return _back(programme, "published", done="withdrawn")
    page = render_template(
        "matching/withdraw.html",
        programme=programme,
        group=group,
        registrations={m.registration_id: m.registration for m in group.members},
        refusal=Refused(refusal).text() if refusal else None,
    )
    return (page, 409) if refusal else page


def _draft(programme, group_id):
    group = services.group_in(programme, group_id)
    if group is None:
        abort(404)
    return group


def _member(group, member_id) -> GroupMember:
    member = next((m for m in group.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


@bp.post("/programmes/<int:programme_id>/groups/<int:group_id>/lock")
@login_required(*STAFF)
def lock(programme_id, group_id):
    programme = staff_programme(programme_id)
    group = _draft(programme, group_id)
    services.set_locked(programme, group, request.form.get("locked") == "1")
    db.session.commit()
    return _back(programme, f"group-{group.id}")


@bp.post("/programmes/<int:programme_id>/groups/<int:group_id>/delete")
@login_required(*STAFF)
def delete(programme_id, group_id):
    programme = staff_programme(programme_id)
    services.delete_draft(programme, _draft(programme, group_id))
    db.session.commit()
    return _back(programme, "unmatched", done="deleted")


@bp.post("/programmes/<int:programme_id>/groups/<int:group_id>/members/<int:member_id>/remove")
@login_required(*STAFF)
def remove_member(programme_id, group_id, member_id):
    programme = staff_programme(programme_id)
    group = _draft(programme, group_id)
    services.remove_member(programme, group, _member(group, member_id))
    db.session.commit()
    return _back(programme, "drafts", done="split")


@bp.route("/programmes/<int:programme_id>/groups/<int:group_id>/members/<int:member_id>/swap", methods=["GET", "POST"])
@login_required(*STAFF)
def swap(programme_id, group_id, member_id):
    programme = staff_programme(programme_id)
    group = _draft(programme, group_id)
    first = _member(group, member_id)
    if request.method == "GET":
        others = [(d, m) for d in services.groups(programme, DRAFT) if d.id != group.id for m in d.members]
        return render_template("matching/swap.html", programme=programme, group=group, member=first, others=others)
    other = db.session.get(GroupMember, request.form.get("other", type=db_int) or 0)
    if other is None or services.group_in(programme, other.group_id) is None or other.group_id == group.id:
        return _back(programme, f"group-{group.id}", done="swap_unchosen")
    try:
        services.swap(programme, first, other, override=request.form.get("override") == "1")
    except Refused as error:
        if error.code != services.GROUP_HAS_PROBLEMS:
            raise
        db.session.rollback()
        return _confirm(
            programme,
            error,
            url_for("matching.swap", programme_id=programme.id, group_id=group.id, member_id=member_id),
            {"other": other.id},
        )
    db.session.commit()
    return _back(programme, f"group-{group.id}", done="swapped")


def _confirm(programme, error: Refused, action, fields):
    """The problems of an edit; for overridable ones, a button that makes it anyway."""
    return render_template(
        "matching/confirm.html",
        programme=programme,
        problems=reason_texts(programme, error.params["problems"]),
        overridable=error.params["overridable"],
        action=action,
        fields=fields,
    ), error.status


# --------------------------------------------------------------------------------------------------
# Making or redoing a group by hand (also how two groups are merged: take people from both)


def _group_choices(programme):
    registrations, in_draft = services.placeable(programme)
    people = [("", gettext("No one"))]
    for r in registrations:
        org = r.organisation.code if r.organisation else ""
        label = f"{r.user.display_name} ({org}, {gettext(ROLE_LABELS[Role(r.role_wish)])})"
        if r.id in in_draft:
            label += " – " + gettext("in draft group %(id)s", id=in_draft[r.id])
        people.append((str(r.id), label))
    return people


@bp.route("/programmes/<int:programme_id>/groups/new", methods=["GET", "POST"])
@bp.route("/programmes/<int:programme_id>/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required(*STAFF)
def edit_group(programme_id, group_id=None):
    programme = staff_programme(programme_id)
    group = _draft(programme, group_id) if group_id is not None else None
    people = _group_choices(programme)
    if request.method == "GET":
        form = group.form if group else "traditional"
        slots = [(str(m.registration_id), m.role) for m in group.members] if group else []
        if not slots and request.args.get("person"):
            slots = [(request.args["person"], "mentor")]
        slots += [("", "aktori")] * (MEMBER_SLOTS - len(slots))
        return render_template(
            "matching/edit.html", programme=programme, group=group, people=people, form=form, slots=slots, errors=[]
        )
    form = request.form.get("form", "")
    slots = [(request.form.get(f"person{k}", ""), request.form.get(f"role{k}", "")) for k in range(MEMBER_SLOTS)]
    members = []
    errors = []
    if form not in {f.value for f in Form}:
        errors.append(gettext("Choose the form of mentoring."))
    for person, role in slots:
        if not person:
            continue
        if not person.isdigit() or role not in ("mentor", "aktori", "peer"):
            abort(400)
        members.append((int(person), role))
    if len(members) < 2:
        errors.append(gettext("Choose at least two people."))
    if len({p for p, _ in members}) != len(members):
        errors.append(gettext("Each person can be chosen only once."))
    if not errors:
        try:
            saved = services.save_group(
                programme, form, members, group=group, override=request.form.get("override") == "1"
            )
        except Refused as error:
            if error.code != services.GROUP_HAS_PROBLEMS:
                raise
            db.session.rollback()
            fields = {"form": form}
            for k, (person, role) in enumerate(slots):
                fields[f"person{k}"], fields[f"role{k}"] = person, role
            return _confirm(programme, error, request.path + "?" + request.query_string.decode(), fields)
        except ValueError:
            abort(404)
        db.session.commit()
        return _back(programme, f"group-{saved.id}", done="saved")
    return render_template(
        "matching/edit.html", programme=programme, group=group, people=people, form=form, slots=slots, errors=errors
    ), 422


# --------------------------------------------------------------------------------------------------
# A participant's own published match


def home_card(programme: Programme | None) -> tuple[str, dict] | None:
    """The home page's registration card (``app.home.cards``) for a participant: their published
    match, else their registration, else whether they can register now."""
    if programme is None or g.get("user") is None or g.role != PARTICIPANT:
        return None
    registration = programmes.registration_of(programme, g.user.id)
    group = services.published_group_of(programme, g.user.id)
    ended = services.ended_match_of(programme, g.user.id) if group is None else None
    return "matching/_home_card.html", {
        "programme": programme,
        "registration": registration if registration and registration.active else None,
        "group": group,
        "withdrawn": ended is not None and ended.status == WITHDRAWN,
        "open": programmes.window_open(programme),
    }


def _mine_page(programme, status=200, error=None):
    group = services.published_group_of(programme, g.user.id) if programme else None
    if group is None:
        ended = services.ended_match_of(programme, g.user.id) if programme else None
        if ended is None:  # not yet published: a page that says so, not an error
            ahead = programme is not None and programme.kickoff > helsinki_today()
            return render_template(
                "matching/mine.html", programme=programme, group=None, announce_by=ahead, error=error
            ), status
        return render_template(
            "matching/mine.html",
            programme=programme,
            group=None,
            dissolved=ended,
            withdrawn=ended.status == WITHDRAWN,
            asked=ended.ended_by_id == g.user.id,
            error=error,
        ), status
    me = next(m for m in group.members if m.user_id == g.user.id)
    others = [m for m in group.members if m.user_id != g.user.id]
    sounding = group.status == SOUNDING_OUT
    return render_template(
        "matching/mine.html",
        programme=programme,
        group=group,
        me=me,
        others=others,
        sounding=sounding,
        may_answer=group_rules.may_answer(group.status, group_services.answers_of(group), g.user.id),
        waiting=len(group_rules.waiting_for(group_services.answers_of(group))),
        someone_left=group_services.someone_left(group, g.user.id),
        error=error,
        reasons=reason_texts(programme, services.reasons_of(group.reasons), participant=True),
        themes={t.code: t.name(current_language()) for t in programme.themes},
    ), status


@bp.get("/mine")
@login_required(PARTICIPANT)
def mine():
    return _mine_page(current_programme(g.course.id if g.course else None))


@bp.post("/mine/answer")
@login_required(PARTICIPANT)
def answer():
    """A member's answer while sounding out: go on, or please find me another match."""
    programme = current_programme(g.course.id if g.course else None)
    group = services.published_group_of(programme, g.user.id) if programme else None
    if group is None:  # e.g. withdrawn by a facilitator meanwhile
        return _mine_page(programme, 409, Refused("sounding_answered").text())
    choice = request.form.get("answer", "")
    if choice not in group_rules.ANSWERS:
        return _mine_page(programme, 422, gettext("Choose whether to go on or to ask for another match."))
    reason = request.form.get("reason", "")
    if len(reason) > 2000:
        return _mine_page(programme, 422, gettext("Keep the reason under 2000 characters."))
    try:
        group_services.answer(group, g.user.id, choice, reason)
    except Refused as refused:
        db.session.rollback()
        return _mine_page(programme, refused.status, refused.text())
    db.session.commit()
    return redirect(url_for("matching.mine"), 303)
