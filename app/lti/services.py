"""What a launch tells about a course's LTI Advantage services, kept for later use.

The AGS endpoint claim (``lineitems``, ``lineitem``, ``scope``) and the NRPS claim
(``context_memberships_url``) are stored per course, and each resource link's single line item
and deep-linked target per link, so the delivery worker and roster sync can run without a
launch in progress.

A service URL is stored only if it is on one of the platform's own origins (``outbound``): the
tool's access tokens go nowhere else. A refused URL is logged with the reason and left out.
"""

import logging
from typing import Any, NamedTuple

from app.core.clock import utcnow
from app.core.db import db, insert, upsert

from ..people.services import StoredCourse
from .models import CourseServices, Platform, ResourceLink
from .outbound import OutboundRefused, check_url, origin, platform_origins, production
from .placements import LinkState, link_launched
from .vocabulary import AGS_CLAIM, CLAIM, NRPS_CLAIM

log = logging.getLogger(__name__)


def _service_url(claim: str, value: object, origins: frozenset[str]) -> str | None:
    """``value`` if it is a URL the tool may send the platform's tokens to, else None (logged)."""
    if value is None:
        return None
    try:
        url = check_url(value, origins, production=production(), resolve=False)
    except OutboundRefused as refusal:
        log.warning(
            "service URL of the launch refused (%s): %s at %s", refusal.code, claim, origin(value) or "(malformed)"
        )
        return None
    return url if len(url) <= 1024 else None


_LINK_DETAILS = ("title", "lineitem_url", "target", "updated_at")
# What deciding the link's placement needs, returned by its upsert (no second query).
_LINK_STATE = LinkState._fields


class StoredServices(NamedTuple):
    platform_id: int
    lineitems_url: str | None
    ags_scopes: list[str]
    memberships_url: str | None


class StoredLink(NamedTuple):
    state: LinkState
    title: str | None


class StoredRows(NamedTuple):
    """What the tool stored about a launch's course before it, read with its platform
    (``launch.platform_records_with_stored``); None where there is no row yet."""

    course: StoredCourse | None = None
    services: StoredServices | None = None
    link: StoredLink | None = None


NOTHING_STORED = StoredRows()  # a launch whose rows were not read first (the new-window handoff)


def record_services(
    claims: dict[str, Any], platform: Platform, course_id: int | None, stored: StoredRows = NOTHING_STORED
) -> None:
    """Upsert the course's service endpoints and the launched resource link (caller commits).

    A launch without a service claim keeps what an earlier launch stored: Moodle leaves the
    claims out for a link whose tool has the service switched off, not for the whole course.
    A row the launch would not change (``stored``) is not written: ``updated_at`` is when a
    launch last changed it.
    """
    if course_id is None:
        return
    ags = claims[AGS_CLAIM] if isinstance(claims.get(AGS_CLAIM), dict) else {}
    nrps = claims[NRPS_CLAIM] if isinstance(claims.get(NRPS_CLAIM), dict) else {}
    now = utcnow()
    origins = platform_origins(platform)
    values: dict[str, Any] = {"platform_id": platform.id, "updated_at": now}
    lineitems = _service_url("lineitems", ags.get("lineitems"), origins)
    if lineitems:
        values["lineitems_url"] = lineitems
    if isinstance(ags.get("scope"), list):
        values["ags_scopes"] = [s for s in ags["scope"] if isinstance(s, str)]
    memberships = _service_url("context_memberships_url", nrps.get("context_memberships_url"), origins)
    if memberships:
        values["memberships_url"] = memberships
    if stored.services is None or any(getattr(stored.services, k) != v for k, v in values.items() if k != "updated_at"):
        db.session.execute(
            insert(CourseServices)
            .values(
                course_id=course_id,
                ags_scopes=values.get("ags_scopes", []),
                **{k: v for k, v in values.items() if k != "ags_scopes"},
            )
            .on_conflict_do_update(index_elements=["course_id"], set_=values)
        )
    link = claims.get(CLAIM + "resource_link")
    if not isinstance(link, dict) or not link.get("id"):
        return
    custom = claims[CLAIM + "custom"] if isinstance(claims.get(CLAIM + "custom"), dict) else {}
    target = custom.get("target")
    details = {
        "title": str(link.get("title") or "")[:255] or None,
        "lineitem_url": _service_url("lineitem", ags.get("lineitem"), origins),
        "target": str(target)[:255] if isinstance(target, str) and target else None,
    }
    known = stored.link
    if known is not None and (known.title, known.state.lineitem_url, known.state.target) == tuple(details.values()):
        state = known.state
    else:
        state = LinkState(
            *db.session.execute(
                upsert(ResourceLink, ("course_id", "resource_link_id"), _LINK_DETAILS, returning=_LINK_STATE),
                {"course_id": course_id, "resource_link_id": str(link["id"])[:255], **details, "updated_at": now},
            ).one()
        )
    # The placement's line item receives scores from its first launch on (app/lti/placements.py).
    link_launched(state)
