"""Programme set-up and registration against the database (the rules are in ``rules``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date
from flask import abort, g, has_request_context
from flask_babel import get_locale, gettext
from sqlalchemy import select

from app.core.audit import record
from app.core.clock import helsinki_today, utcnow
from app.core.db import db, insert, rowcount
from app.core.i18n import current_language
from app.core.picker import Person

from ..people.models import PARTICIPANT, Enrolment, User
from . import rules
from .models import AgencyContact, ColleagueTip, Organisation, Programme, Registration, Theme

# Built once: the home page and most pages run it.
_LATEST_PROGRAMME = (
    select(Programme)
    .where(Programme.course_id == db.bindparam("course_id"))
    .order_by(Programme.kickoff.desc(), Programme.id.desc())
    .limit(1)
)


def current_programme(course_id: int | None) -> Programme | None:
    """The course's programme for this request: for a participant the one that needs them now
    (``rules.programme_needing``: a course can hold successive cohorts), for everyone else the latest."""
    if course_id is None:
        return None
    if not has_request_context():
        return db.session.scalar(_LATEST_PROGRAMME, {"course_id": course_id})
    # Several parts of one page ask (the home page's cards): one query per request.
    cached: dict[int, Programme | None] = g.setdefault("latest_programmes", {})
    if course_id not in cached:
        user = g.get("user")
        if user is not None and g.get("role") == PARTICIPANT:
            cached[course_id] = programme_of(course_id, user.id)
        else:
            cached[course_id] = db.session.scalar(_LATEST_PROGRAMME, {"course_id": course_id})
    return cached[course_id]


def programmes_of(course_id: int, user_id: int) -> list[tuple[Programme, bool]]:
    """The course's programmes, newest first, each with whether the person takes part in it
    (has an active registration). Read once per request (the home page asks twice)."""
    if not has_request_context():
        return _programmes_of(course_id, user_id)
    cached: dict[tuple[int, int], list[tuple[Programme, bool]]] = g.setdefault("programmes_of", {})
    if (course_id, user_id) not in cached:
        cached[course_id, user_id] = _programmes_of(course_id, user_id)
    return cached[course_id, user_id]


_PROGRAMMES_OF = (
    db.select(
        Programme,
        db.select(Registration.id)
        .where(
            Registration.programme_id == Programme.id,
            Registration.user_id == db.bindparam("user_id"),
            Registration.withdrawn_at.is_(None),
        )
        .exists(),
    )
    .where(Programme.course_id == db.bindparam("course_id"))
    .order_by(Programme.kickoff.desc(), Programme.id.desc())
)


def _programmes_of(course_id: int, user_id: int) -> list[tuple[Programme, bool]]:
    rows = db.session.execute(_PROGRAMMES_OF, {"course_id": course_id, "user_id": user_id})
    return [(programme, bool(part)) for programme, part in rows]


def programme_of(course_id: int, user_id: int) -> Programme | None:
    """The course's programme that needs this person now (see ``rules.programme_needing``)."""
    rows = programmes_of(course_id, user_id)
    chosen = rules.programme_needing(
        [
            rules.ProgrammeFacts(
                id=p.id,
                registration_opens=p.registration_opens,
                registration_closes=p.registration_closes,
                kickoff=p.kickoff,
                closing=p.closing,
                taking_part=part,
            )
            for p, part in rows
        ],
        helsinki_today(),
    )
    return next((p for p, _ in rows if p.id == chosen), None)


def current_programme_or_404() -> Programme:
    """The launched course's latest programme; "not found" when there is none."""
    programme = current_programme(g.course.id if g.course else None)
    if programme is None:
        abort(404)
    return programme


def staff_programme(programme_id: int) -> Programme:
    """A programme of the viewer's course; any other is "not found" (never "forbidden")."""
    programme = db.session.get(Programme, programme_id)
    if programme is None or g.course is None or programme.course_id != g.course.id:
        abort(404)
    return programme


def create_programme(course_id: int, **fields: Any) -> Programme:
    """A new programme (cohort) seeded with the Tulanet institutes and the programme's themes."""
    programme = Programme(course_id=course_id, **fields)
    seed_lists(programme)
    db.session.add(programme)
    return programme


def seed_lists(programme: Programme) -> None:
    """Add the Tulanet institutes and themes a programme lacks (by code); edits are kept."""
    have = {o.code for o in programme.organisations}
    for position, (code, fi, sv, en) in enumerate(rules.TULANET_ORGANISATIONS):
        if code not in have:
            programme.organisations.append(
                Organisation(code=code, name_fi=fi, name_sv=sv, name_en=en, position=position)
            )
    have = {t.code for t in programme.themes}
    for position, (code, fi, sv, en) in enumerate(rules.PROGRAMME_THEMES):
        if code not in have:
            programme.themes.append(Theme(code=code, name_fi=fi, name_sv=sv, name_en=en, position=position))


def window_open(programme: Programme) -> bool:
    return rules.registration_open(programme.registration_opens, programme.registration_closes, helsinki_today())


def roster(course_id: int) -> list[User]:
    """The course's active participants (launches and roster sync both fill the enrolments)."""
    return list(
        db.session.scalars(
            db.select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == course_id, Enrolment.active.is_(True), Enrolment.role == PARTICIPANT)
            .order_by(User.family_name, User.given_name, User.name, User.id)
        )
    )


def pickable(programme: Programme, users: list[User]) -> list[Person]:
    """``users`` as the people picker offers them: each name with the organisation of their
    registration in the programme (none for someone not registered)."""
    organisations: dict[int, Organisation] = dict(
        db.session.execute(
            select(Registration.user_id, Organisation)
            .join(Organisation, Organisation.id == Registration.organisation_id)
            .where(Registration.programme_id == programme.id, Registration.withdrawn_at.is_(None))
        ).all()
    )
    lang = current_language()
    return [
        Person(u.id, u.display_name, organisations[u.id].name(lang) if u.id in organisations else "") for u in users
    ]


def registration_of(programme: Programme, user_id: int) -> Registration | None:
    return db.session.scalar(select(Registration).filter_by(programme_id=programme.id, user_id=user_id))


def first_registration(programme: Programme, user_id: int) -> Registration:
    """The person's registration row, created if missing. Two first submissions at once (a double
    click) both get here: one inserts, the other waits for it and then finds its row, instead
    of failing on the unique constraint."""
    db.session.execute(
        insert(Registration)
        .values(programme_id=programme.id, user_id=user_id)
        .on_conflict_do_nothing(index_elements=["programme_id", "user_id"])
    )
    registration = registration_of(programme, user_id)
    assert registration is not None  # inserted just now or by the parallel request
    return registration


def themes_in_use(programme: Programme) -> dict[str, int]:
    """How many active registrations use each theme code."""
    rows = db.session.execute(
        db.select(Registration.themes_offered, Registration.themes_wanted).where(
            Registration.programme_id == programme.id, Registration.withdrawn_at.is_(None)
        )
    ).all()
    return {t.code: rules.theme_in_use(t.code, rows) for t in programme.themes}


# --------------------------------------------------------------------------------------------------
# Each agency's contact persons (named by an administrator; the role is the tool's, not the LMS's)


def contact_organisation_of(user_id: int, programme_id: int) -> Organisation | None:
    """The organisation ``user_id`` is a contact person for in the programme, if any (one at most)."""
    return db.session.scalar(
        select(Organisation)
        .join(AgencyContact, AgencyContact.organisation_id == Organisation.id)
        .where(AgencyContact.user_id == user_id, Organisation.programme_id == programme_id)
        .limit(1)
    )


def contacts(programme: Programme) -> list[AgencyContact]:
    return list(
        db.session.scalars(
            db.select(AgencyContact)
            .join(Organisation, Organisation.id == AgencyContact.organisation_id)
            .where(Organisation.programme_id == programme.id)
            .order_by(Organisation.position, Organisation.code, AgencyContact.id)
        )
    )


def name_contact(organisation: Organisation, user_id: int, named_by_id: int) -> AgencyContact:
    """Make ``user_id`` a contact for ``organisation``; someone is a contact for one organisation
    of a programme at most, so naming them for another moves them."""
    for old in db.session.scalars(
        db.select(AgencyContact)
        .join(Organisation, Organisation.id == AgencyContact.organisation_id)
        .where(AgencyContact.user_id == user_id, Organisation.programme_id == organisation.programme_id)
    ):
        db.session.delete(old)
    db.session.flush()
    contact = AgencyContact(organisation_id=organisation.id, user_id=user_id, named_by_id=named_by_id)
    db.session.add(contact)
    db.session.flush()
    return contact


# --------------------------------------------------------------------------------------------------
# Tips about colleagues not yet in the course (only facilitators see them; purged at the end)


def add_tip(programme: Programme, nominator_id: int, data: rules.TipInput) -> ColleagueTip:
    tip = ColleagueTip(
        programme_id=programme.id,
        user_id=nominator_id,
        name=data.name.strip(),
        organisation_id=data.organisation_id,
        email=data.email.strip(),
        role=data.role,
        why=data.why.strip(),
        status=rules.TIP_TO_CONTACT,
    )
    db.session.add(tip)
    db.session.flush()
    # Ids and codes only: the colleague's name and address never enter the append-only log.
    record("tips.added", course=programme.course_id, target=f"colleague_tip:{tip.id}")
    return tip


def tips(programme: Programme) -> list[ColleagueTip]:
    return list(
        db.session.scalars(
            db.select(ColleagueTip).where(ColleagueTip.programme_id == programme.id).order_by(ColleagueTip.id)
        )
    )


def tip_in(programme: Programme, tip_id: int) -> ColleagueTip | None:
    tip = db.session.get(ColleagueTip, tip_id)
    return tip if tip is not None and tip.programme_id == programme.id else None


def set_tip_status(programme: Programme, tip: ColleagueTip, status: str, by_id: int) -> None:
    if status not in rules.TIP_STATUSES:
        raise ValueError(status)
    tip.status, tip.status_changed_by_id, tip.status_changed_at = status, by_id, utcnow()
    record("tips.status", course=programme.course_id, target=f"colleague_tip:{tip.id}", details={"status": status})


def delete_tip(programme: Programme, tip: ColleagueTip) -> None:
    """On the colleague's request (or the nominator's): the tip goes for good."""
    record("tips.deleted", course=programme.course_id, target=f"colleague_tip:{tip.id}")
    db.session.delete(tip)


def link_tips(programme: Programme, user: User) -> int:
    """When a tipped colleague registers, their tips link to them and count as joined."""
    rows = db.session.execute(
        db.select(ColleagueTip.id, ColleagueTip.email, ColleagueTip.status, ColleagueTip.joined_user_id).where(
            ColleagueTip.programme_id == programme.id
        )
    ).all()
    ids = rules.tips_to_link([tuple(r) for r in rows], user.email)
    for tip_id in ids:
        tip = db.session.get_one(ColleagueTip, tip_id)
        tip.joined_user_id, tip.status, tip.status_changed_at = user.id, rules.TIP_JOINED, utcnow()
        tip.status_changed_by_id = None  # linked by the tool when they registered
    return len(ids)


def tip_nominations(programme_id: int) -> dict[int, int]:
    """Nominator's user id -> the joined colleague's user id (matching counts it as a nomination)."""
    rows = db.session.execute(
        db.select(ColleagueTip.user_id, ColleagueTip.joined_user_id, ColleagueTip.status).where(
            ColleagueTip.programme_id == programme_id
        )
    ).all()
    return rules.tip_nominations([tuple(r) for r in rows])


def purge_tips(today: date) -> dict[int, int]:
    """Delete the tips of every programme that has ended; returns tips deleted per programme."""
    counts: dict[int, int] = {}
    for programme in db.session.scalars(db.select(Programme)):
        if rules.tips_due_for_purge(programme.closing, today):
            n = rowcount(db.session.execute(db.delete(ColleagueTip).where(ColleagueTip.programme_id == programme.id)))
            if n:
                counts[programme.id] = n
    return counts


def outside_programme(programme: Programme, day: date) -> str | None:
    """Why an event or session cannot be on ``day`` (None when it can), in the page's language."""
    if rules.within_programme(day, programme.registration_opens, programme.kickoff, programme.closing):
        return None
    first, last = rules.programme_days(programme.registration_opens, programme.kickoff, programme.closing)
    return str(
        gettext(
            "Choose a date within the programme, from %(first)s to %(last)s.",
            first=format_date(first, "medium", locale=get_locale()),
            last=format_date(last, "medium", locale=get_locale()),
        )
    )
