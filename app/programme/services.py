"""Programme set-up and registration against the database (the rules are in ``rules``)."""

from __future__ import annotations

from typing import Any

from flask import abort, g, has_request_context
from sqlalchemy import select

from app.core.clock import helsinki_today
from app.core.db import db, insert

from ..people.models import PARTICIPANT, Enrolment, User
from . import rules
from .models import Organisation, Programme, Registration, Theme

# Built once: the home page and most pages run it.
_LATEST_PROGRAMME = (
    select(Programme)
    .where(Programme.course_id == db.bindparam("course_id"))
    .order_by(Programme.kickoff.desc(), Programme.id.desc())
    .limit(1)
)


def current_programme(course_id: int | None) -> Programme | None:
    """The course's latest programme (a course can hold successive cohorts)."""
    if course_id is None:
        return None
    if not has_request_context():
        return db.session.scalar(_LATEST_PROGRAMME, {"course_id": course_id})
    # Several parts of one page ask (the home page's cards): one query per request.
    cached: dict[int, Programme | None] = g.setdefault("latest_programmes", {})
    if course_id not in cached:
        cached[course_id] = db.session.scalar(_LATEST_PROGRAMME, {"course_id": course_id})
    return cached[course_id]


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
