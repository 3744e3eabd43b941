"""Course roster from the platform (LTI Names and Role Provisioning Services).

A sync reads every page of the membership container (``Link: rel="next"``), optionally with a
``role`` filter, and brings the tool's enrolments in line in one transaction: members who have
not launched yet appear (with the names the platform gives), members marked Inactive or gone
from the roster become inactive; nobody is deleted, so their data stays.
"""
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

import requests

from ..extensions import db
from ..people.models import Enrolment, User
from ..upsert import insert
from .models import CourseServices, utcnow
from .roles import tool_role
from .rules import roster_role
from .tokens import ServiceError, TokenService, require_scope

log = logging.getLogger(__name__)

SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
PAGE_SIZE = 100
MAX_PAGES = 1000  # a platform whose "next" never ends cannot keep us busy forever
LAUNCH_SYNC_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class RosterResult:
    members: int
    pages: int
    added: int
    deactivated: int


def _text(value, limit=255):
    return str(value)[:limit] if isinstance(value, (str, int)) and str(value) else None


def fetch_members(services: CourseServices, tokens: TokenService, role: str | None = None, page_size: int = PAGE_SIZE):
    """Every member dict of the course's membership service, and the number of pages read."""
    token = tokens.token(services.platform, (SCOPE_NRPS,))
    require_scope(token, SCOPE_NRPS)
    url = services.memberships_url
    params = {"limit": page_size}
    if role:
        params["role"] = role
    url += ("&" if "?" in url else "?") + requests.compat.urlencode(params)
    members, pages = [], 0
    while url and pages < MAX_PAGES:
        response = None
        for attempt in (1, 2):
            try:
                response = tokens.http.get(
                    url, headers={"Authorization": f"Bearer {token.value}", "Accept": MEMBERSHIP_TYPE}, timeout=tokens.timeout
                )
            except requests.RequestException as exc:
                raise ServiceError("roster_unreachable", error=exc.__class__.__name__) from exc
            if response.status_code != 401 or attempt == 2:
                break
            token = tokens.token(services.platform, (SCOPE_NRPS,), stale=token.value)
        if response.status_code != 200:
            raise ServiceError("roster_refused", status=response.status_code, reason=response.text[:200].strip() or "–")
        try:
            page = response.json()["members"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ServiceError("roster_malformed") from exc
        members += [m for m in page if isinstance(m, dict) and m.get("user_id")]
        pages += 1
        url = response.links.get("next", {}).get("url")
    return members, pages


def sync_roster(course_id: int, tokens: TokenService, role: str | None = None, page_size: int = PAGE_SIZE) -> RosterResult:
    """Bring the course's enrolments in line with the platform's roster; commits."""
    services = db.session.scalar(db.select(CourseServices).filter_by(course_id=course_id))
    if services is None or not services.memberships_url:
        raise ServiceError("no_roster", retryable=False)
    issuer = services.platform.issuer
    members, pages = fetch_members(services, tokens, role, page_size)
    now = utcnow()
    enrolments = {
        user.subject: enrolment
        for enrolment, user in db.session.execute(
            db.select(Enrolment, User).join(User, User.id == Enrolment.user_id).where(Enrolment.course_id == course_id, User.issuer == issuer)
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
        details = {k: _text(member.get(k), 320 if k == "email" else 255) for k in ("name", "given_name", "family_name", "email")}
        enrolment = enrolments.get(subject)
        if enrolment is None:
            # Someone who never launched: the roster is the only source of their name.
            details = {k: v for k, v in details.items() if v is not None}
            statement = insert(User).values(issuer=issuer, subject=subject, created_at=now, **details)
            statement = statement.on_conflict_do_update(index_elements=["issuer", "subject"], set_=details) if details else statement.on_conflict_do_nothing(index_elements=["issuer", "subject"])
            db.session.execute(statement)
            user_id = db.session.scalar(db.select(User.id).filter_by(issuer=issuer, subject=subject))
            enrolment = Enrolment(course_id=course_id, user_id=user_id, role=tool_role(roles), lti_roles=roles, active=active)
            db.session.add(enrolment)
            added += 1
            continue
        enrolment.role = roster_role(enrolment.role, enrolment.last_launch_at is not None, tool_role(roles))
        enrolment.active = active
        if enrolment.last_launch_at is None:
            enrolment.lti_roles = roles
    # Gone from the roster: inactive, never deleted. A filtered sync only speaks for its role.
    deactivated = 0
    filtered_role = tool_role([role]) if role else None
    for subject, enrolment in enrolments.items():
        if subject in seen or not enrolment.active:
            continue
        if filtered_role and enrolment.role != filtered_role:
            continue
        enrolment.active = False
        deactivated += 1
    services.roster_synced_at = now
    db.session.commit()
    log.info("roster synced", extra={"course_id": course_id, "members": len(members), "pages": pages, "added": added, "deactivated": deactivated})
    return RosterResult(len(members), pages, added, deactivated)


def sync_after_launch(app, course_id: int) -> threading.Thread | None:
    """On a staff launch, sync the roster in the background (at most every five minutes)."""
    synced = db.session.scalar(db.select(CourseServices.roster_synced_at).filter_by(course_id=course_id))
    if synced is not None and utcnow() - synced < LAUNCH_SYNC_INTERVAL:
        return None

    def run():
        with app.app_context():
            try:
                sync_roster(course_id, app.extensions["lti_tokens"])
            except ServiceError as error:
                db.session.rollback()
                log.warning("roster sync after launch failed: %s", error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name=f"roster-sync-{course_id}", daemon=True)
    thread.start()
    return thread
