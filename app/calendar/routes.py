"""The calendar page and the iCalendar feed.

A participant's calendar holds the programme's events, the sessions of their sparring groups and
their pair's logged meetings; a facilitator's holds the events and the sessions of every group of
the course's programme.

The feed is fetched by calendar applications without a session, so its URL carries a secret:
32 random bytes, of which only the SHA-256 is stored. The secret goes in the query string
(``/calendar/feed.ics?token=…``), which access logs leave out, never in the path. Revoking (or replacing)
the URL makes the old one answer 404 at once. The feed also answers 404 once the person has left the course.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app.core.auth import MEMBERS, STAFF, login_required
from app.core.clock import utcnow
from app.core.db import db
from app.core.i18n import normalise_locale
from app.core.sessions import TOKEN_PARAM
from app.core.web import tool_url
from app.groups.models import GroupMember, MentoringGroup
from app.programme.services import current_programme

from ..events.services import event_title, programme_events
from ..mentoring.models import Meeting
from ..people.models import Enrolment, User
from ..programme.models import Programme
from ..sparring.models import SparringGroup, SparringMember, SparringSession
from .ical import Item, build
from .models import CalendarFeed

bp = Blueprint("calendar", __name__, url_prefix="/calendar", template_folder="templates")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def items_for(user: User, role: str, programme: Programme) -> list[Item]:
    """Everything in one person's calendar for a programme, in time order."""
    items: list[Item] = []
    for event in programme_events(programme.id):
        items.append(
            Item(
                uid=f"event-{event.id}@tulanet-mentoring",
                title=event_title(event),
                starts_at=event.starts_at,
                minutes=event.duration_minutes,
                location=event.location,
                url=event.url,
                description=event.description,
                kind="event",
            )
        )
    groups = db.select(SparringGroup.id).where(SparringGroup.programme_id == programme.id)
    if role not in STAFF:
        groups = groups.join(SparringMember, SparringMember.group_id == SparringGroup.id).where(
            SparringMember.user_id == user.id
        )
    sessions = db.session.execute(
        db.select(SparringSession, SparringGroup.name)
        .join(SparringGroup, SparringGroup.id == SparringSession.group_id)
        .where(SparringSession.group_id.in_(groups))
    ).all()
    for session_, group_name in sessions:
        items.append(
            Item(
                uid=f"sparring-session-{session_.id}@tulanet-mentoring",
                title=_("Sparring: %(group)s", group=group_name),
                starts_at=session_.starts_at,
                minutes=session_.duration_minutes,
                url=session_.video_url or "",
                description=session_.agenda,
                kind="session",
            )
        )
    meetings = db.session.scalars(
        db.select(Meeting)
        .join(MentoringGroup, MentoringGroup.id == Meeting.group_id)
        .join(GroupMember, GroupMember.group_id == MentoringGroup.id)
        .where(
            GroupMember.user_id == user.id,
            MentoringGroup.programme_id == programme.id,
            MentoringGroup.visible_to_participants,
        )
    )
    for meeting in meetings:
        items.append(
            Item(
                uid=f"meeting-{meeting.id}@tulanet-mentoring",
                title=_("Mentoring meeting"),
                starts_at=meeting.starts_at,
                minutes=meeting.duration_minutes,
                kind="meeting",
            )
        )
    items.sort(key=lambda i: (i.starts_at, i.uid))
    return items


def _active_feed(user_id: int, course_id: int) -> CalendarFeed | None:
    return db.session.scalar(
        db.select(CalendarFeed).where(
            CalendarFeed.user_id == user_id, CalendarFeed.course_id == course_id, CalendarFeed.revoked_at.is_(None)
        )
    )


@bp.get("/")
@login_required(*MEMBERS)
def page():
    programme = current_programme(g.course.id if g.course else None)
    items = []
    if programme is not None:
        items = items_for(g.user, g.role, programme)
    now = utcnow()
    return render_template(
        "calendar/page.html",
        programme=programme,
        upcoming=[i for i in items if i.starts_at >= now],
        past=[i for i in items if i.starts_at < now],
        feed=_active_feed(g.user.id, g.course.id) if g.course else None,
        new_url=session.pop(NEW_URL_KEY, None),
    )


# A new address waits in the (server-side) session for the page that shows it once, so that the
# creation answers with a redirect and a reload creates nothing.
NEW_URL_KEY = "calendar_new_url"


@bp.get("/feed")
@bp.get("/feed/revoke")
@login_required(*MEMBERS)
def feed_forms():
    """The forms' addresses opened as pages (a reload, a bookmark) lead to the calendar page."""
    return redirect(url_for("calendar.page", _anchor="feed-heading"), code=303)


@bp.post("/feed")
@login_required(*MEMBERS)
def create_feed():
    """A new secret URL (any earlier one stops working). It is shown once, on the next page."""
    if g.course is None:
        abort(404)
    now = utcnow()
    old = _active_feed(g.user.id, g.course.id)
    if old is not None:
        old.revoked_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=g.user.id, course_id=g.course.id, token_hash=_hash(token)))
    db.session.commit()
    # Built without the session token: the feed is reached outside any session.
    session[NEW_URL_KEY] = tool_url("calendar.feed", token=token, **{TOKEN_PARAM: None})
    return redirect(url_for("calendar.page", _anchor="feed-heading"), code=303)


@bp.post("/feed/revoke")
@login_required(*MEMBERS)
def revoke_feed():
    if g.course is None:
        abort(404)
    feed = _active_feed(g.user.id, g.course.id)
    if feed is not None:
        feed.revoked_at = utcnow()
        db.session.commit()
    flash(_("The calendar address was revoked. Calendar applications using it no longer get updates."))
    return redirect(url_for("calendar.page"), code=303)


@bp.get("/feed.ics")
def feed():
    """The feed, authenticated by its secret alone (no session, no cookies)."""
    token = request.args.get("token", "")
    if not token or len(token) > 128:
        abort(404)
    row = db.session.scalar(
        db.select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None))
    )
    if row is None:
        abort(404)
    enrolment = db.session.scalar(
        db.select(Enrolment).where(Enrolment.course_id == row.course_id, Enrolment.user_id == row.user_id)
    )
    programme = current_programme(row.course_id)
    if enrolment is None or not enrolment.active or enrolment.role not in MEMBERS or programme is None:
        abort(404)
    with force_locale(normalise_locale(row.user.locale) or "fi"):
        body = build(items_for(row.user, enrolment.role, programme), programme.name, utcnow())
    row.last_fetched_at = utcnow()
    db.session.commit()
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="tulanet-mentoring.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
