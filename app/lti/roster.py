"""Course roster from the platform (LTI Names and Role Provisioning Services).

A sync reads every page of the membership container (``Link: rel="next"``), optionally with a
``role`` filter, and brings the tool's enrolments in line in one transaction: members who have
not launched yet appear (with the names the platform gives), members marked Inactive or gone
from the roster become inactive; nobody is deleted, so their data stays.

At most one sync per course runs at a time, on any worker: a sync holds the course's lease
(``roster_locked_by``/``roster_lock_until``, claimed by a conditional update as the gradebook
outbox claims its keys) and renews it page by page. Every page, ``next`` link included, goes
through ``outbound.fetch``: only to the platform's own origins.
"""

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urljoin

from sqlalchemy import or_
from sqlalchemy.exc import SQLAlchemyError

from app.core.clock import utcnow
from app.core.db import db, insert, rowcount

from ..people.models import Enrolment, User
from .models import CourseServices
from .outbound import OutboundRefused, excerpt, fetch, platform_origins
from .roles import tool_role
from .rules import roster_role
from .tokens import ServiceError, TokenService, require_scope
from .vocabulary import MEMBERSHIP_TYPE, SCOPE_NRPS

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_PAGES = 1000  # a platform whose "next" never ends cannot keep us busy forever
LAUNCH_SYNC_INTERVAL = timedelta(minutes=5)
LEASE = timedelta(minutes=5)  # renewed after every page, so only a dead sync loses it
LAUNCH_SYNC_THREADS = 2  # background syncs one process runs at once, whatever the launches
_launch_syncs = threading.BoundedSemaphore(LAUNCH_SYNC_THREADS)


@dataclass(frozen=True)
class RosterResult:
    members: int
    pages: int
    added: int
    deactivated: int


def _text(value, limit=255):
    return str(value)[:limit] if isinstance(value, (str, int)) and str(value) else None


def fetch_members(
    services: CourseServices, tokens: TokenService, role: str | None = None, page_size: int = PAGE_SIZE, on_page=None
):
    """Every member dict of the course's membership service, and the number of pages read.
    ``on_page()`` is called after each page (the sync renews its lease there)."""
    token = tokens.token(services.platform, (SCOPE_NRPS,))
    require_scope(token, SCOPE_NRPS)
    origins = platform_origins(services.platform)
    url = services.memberships_url
    params: dict[str, int | str] = {"limit": page_size}
    if role:
        params["role"] = role
    url += ("&" if "?" in url else "?") + urlencode(params)
    members, pages = [], 0
    while url and pages < MAX_PAGES:
        for attempt in (1, 2):
            try:
                response = fetch(
                    "GET",
                    url,
                    origins=origins,
                    session=tokens.http,
                    headers={"Authorization": f"Bearer {token.value}", "Accept": MEMBERSHIP_TYPE},
                )
            except OutboundRefused as refusal:
                raise ServiceError.refused(refusal, "roster_unreachable") from refusal
            if response.status_code != 401 or attempt == 2:
                break
            token = tokens.token(services.platform, (SCOPE_NRPS,), stale=token.value)
        if response.status_code != 200:
            log.warning(
                "roster refused (%s) for course %s: %s", response.status_code, services.course_id, excerpt(response)
            )
            raise ServiceError("roster_refused", status=response.status_code)
        try:
            page = response.json()["members"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ServiceError("roster_malformed") from exc
        members += [m for m in page if isinstance(m, dict) and m.get("user_id")]
        pages += 1
        if on_page:
            on_page()
        following = response.links.get("next", {}).get("url")
        url = urljoin(url, following) if following else None
    return members, pages


def launch_sync_due(attempted_at, lock_until, now) -> bool:
    """Whether a staff launch starts a roster sync: none is running (its lease is free) and
    none began, successfully or not, in the last ``LAUNCH_SYNC_INTERVAL``."""
    if lock_until is not None and lock_until >= now:
        return False
    return attempted_at is None or now - attempted_at >= LAUNCH_SYNC_INTERVAL


def _owner() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(course_id: int, owner: str, *, launch: bool = False) -> bool:
    """Take the course's roster lease for ``owner``; commits. A conditional update, so of two
    claims at once (any workers, any database) one wins. ``launch``: only if the rule of
    ``launch_sync_due`` holds (and the course has a roster service)."""
    now = utcnow()
    query = db.update(CourseServices).where(
        CourseServices.course_id == course_id,
        or_(CourseServices.roster_lock_until.is_(None), CourseServices.roster_lock_until < now),
    )
    if launch:
        query = query.where(
            CourseServices.memberships_url.is_not(None),
            or_(
                CourseServices.roster_attempted_at.is_(None),
                CourseServices.roster_attempted_at <= now - LAUNCH_SYNC_INTERVAL,
            ),
        )
    claimed = rowcount(
        db.session.execute(
            query.values(roster_locked_by=owner, roster_lock_until=now + LEASE, roster_attempted_at=now),
            execution_options={"synchronize_session": False},
        )
    )
    db.session.commit()
    return claimed == 1


def _hold(course_id: int, owner: str, lock_until) -> int:
    """Renew (``lock_until``) or release (None) the lease if ``owner`` still holds it."""
    return rowcount(
        db.session.execute(
            db.update(CourseServices)
            .where(CourseServices.course_id == course_id, CourseServices.roster_locked_by == owner)
            .values(roster_locked_by=owner if lock_until else None, roster_lock_until=lock_until),
            execution_options={"synchronize_session": False},
        )
    )


def sync_roster(
    course_id: int,
    tokens: TokenService,
    role: str | None = None,
    page_size: int = PAGE_SIZE,
    *,
    claimed_by: str | None = None,
) -> RosterResult:
    """Bring the course's enrolments in line with the platform's roster; commits.

    Takes the course's roster lease first (``roster_busy`` if another sync holds it), unless
    the caller already claimed it as ``claimed_by``; the lease is released at the end.
    """
    services = db.session.scalar(db.select(CourseServices).filter_by(course_id=course_id))
    if services is None or not services.memberships_url:
        raise ServiceError("no_roster", retryable=False)
    owner = claimed_by or _owner()
    if claimed_by is None and not claim(course_id, owner):
        raise ServiceError("roster_busy")
    try:
        return _sync(course_id, tokens, role, page_size, owner)
    except BaseException:
        db.session.rollback()
        _hold(course_id, owner, None)
        db.session.commit()
        raise


def _sync(course_id: int, tokens: TokenService, role: str | None, page_size: int, owner: str) -> RosterResult:
    def renew():
        lost = not _hold(course_id, owner, utcnow() + LEASE)
        db.session.commit()
        if lost:  # it expired and another sync took over: leave the roster to that one
            raise ServiceError("roster_busy")

    services = db.session.scalar(db.select(CourseServices).filter_by(course_id=course_id))
    issuer = services.platform.issuer
    members, pages = fetch_members(services, tokens, role, page_size, on_page=renew)
    now = utcnow()
    enrolments = {
        user.subject: (enrolment, user)
        for enrolment, user in db.session.execute(
            db.select(Enrolment, User)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.course_id == course_id, User.issuer == issuer)
        ).all()
    }
    seen, added = set(), 0
    for member in members:
        subject = _text(member["user_id"])
        if subject is None:
            continue
        seen.add(subject)
        roles = [r for r in member.get("roles") or [] if isinstance(r, str)]
        active = member.get("status", "Active") == "Active"
        details = {
            k: _text(member.get(k), 320 if k == "email" else 255)
            for k in ("name", "given_name", "family_name", "email")
        }
        known = enrolments.get(subject)
        if known is None:
            # Someone who never launched: the roster is the only source of their name.
            details = {k: v for k, v in details.items() if v is not None}
            statement = insert(User).values(issuer=issuer, subject=subject, created_at=now, **details)
            statement = (
                statement.on_conflict_do_update(index_elements=["issuer", "subject"], set_=details)
                if details
                else statement.on_conflict_do_nothing(index_elements=["issuer", "subject"])
            )
            db.session.execute(statement)
            user_id = db.session.scalar(db.select(User.id).filter_by(issuer=issuer, subject=subject))
            enrolment = Enrolment(
                course_id=course_id, user_id=user_id, role=tool_role(roles), lti_roles=roles, active=active
            )
            db.session.add(enrolment)
            added += 1
            continue
        enrolment, user = known
        if details["email"]:  # the address mail goes to when the launches carry none
            user.email = details["email"]
        enrolment.role = roster_role(enrolment.role, enrolment.last_launch_at is not None, tool_role(roles))
        enrolment.active = active
        if enrolment.last_launch_at is None:
            enrolment.lti_roles = roles
    # Gone from the roster: inactive, never deleted. A filtered sync only speaks for its role.
    deactivated = 0
    filtered_role = tool_role([role]) if role else None
    for subject, (enrolment, _user) in enrolments.items():
        if subject in seen or not enrolment.active:
            continue
        if filtered_role and enrolment.role != filtered_role:
            continue
        enrolment.active = False
        deactivated += 1
    services.roster_synced_at = now
    _hold(course_id, owner, None)
    db.session.commit()
    log.info(
        "roster synced",
        extra={
            "course_id": course_id,
            "members": len(members),
            "pages": pages,
            "added": added,
            "deactivated": deactivated,
        },
    )
    return RosterResult(len(members), pages, added, deactivated)


def sync_after_launch(app, course_id: int) -> threading.Thread | None:
    """On a staff launch, sync the roster in the background, or start nothing: not while a sync
    of the course runs or within five minutes of the last one began (``launch_sync_due``), and
    not beyond ``LAUNCH_SYNC_THREADS`` syncs in this process. Returns the thread it started."""
    row = db.session.execute(
        db.select(CourseServices.roster_attempted_at, CourseServices.roster_lock_until).filter_by(course_id=course_id)
    ).first()
    # A read first: most staff launches start nothing, and need not write to find that out.
    if row is None or not launch_sync_due(row.roster_attempted_at, row.roster_lock_until, utcnow()):
        return None
    if not _launch_syncs.acquire(blocking=False):
        return None
    owner = _owner()
    try:
        claimed = claim(course_id, owner, launch=True)
    except SQLAlchemyError:
        # The launch itself has succeeded; a sync that could not be claimed waits for the next.
        db.session.rollback()
        log.warning("roster sync after launch not claimed", exc_info=True)
        claimed = False
    except BaseException:
        _launch_syncs.release()
        raise
    if not claimed:
        _launch_syncs.release()
        return None

    def run():
        try:
            with app.app_context():
                try:
                    sync_roster(course_id, app.extensions["lti_tokens"], claimed_by=owner)
                except ServiceError as error:
                    log.warning("roster sync after launch failed: %s", error)
                except Exception:  # nobody waits for this thread: say what happened
                    log.exception("roster sync after launch crashed")
                finally:
                    db.session.remove()
        finally:
            _launch_syncs.release()

    thread = threading.Thread(target=run, name=f"roster-sync-{course_id}", daemon=True)
    try:
        thread.start()
    except BaseException:
        _launch_syncs.release()
        raise
    return thread
