"""The new-window fallback: a verified launch handed to a new top-level window by a single-use code.

When a browser refuses even the partitioned state cookie, the launch that reaches the tool is
still complete: its signature, issuer, audience, expiry, deployment and message are verified and
its nonce is consumed; only the browser binding is missing. Asking the platform to repeat the
login does not work with Moodle, whose ``lti_message_hint`` names a launch that ``auth.php``
forgets on first use. So the tool keeps the verified claims server-side for at most two minutes
under a random code and shows a link carrying only that code; the new window redeems it once.

The code is bound to the browser that received it by a hash of its User-Agent (no cookie can
bind it: that is the problem being solved). Together with the short life, single use and
``Referrer-Policy: same-origin`` (the code never leaves the tool in a Referer), a leaked code is
of little use to anyone else.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult

from app.core import refusals
from app.core.clock import utcnow
from app.core.db import db
from app.core.refusals import Refused

from .launch import PlatformRecord, platform_records
from .models import LaunchHandoff

HANDOFF_SECONDS = 120

refusals.register(
    {
        "handoff_unknown": _l(
            "This link to open the tool is not valid. Please start the activity again from the course."
        ),
        "handoff_used": _l(
            "This link to open the tool has already been used. Please start the activity again from the course."
        ),
        "handoff_expired": _l(
            "This link to open the tool has expired (it is valid for two minutes). "
            "Please start the activity again from the course."
        ),
        "handoff_other_browser": _l(
            "This link to open the tool belongs to another browser. "
            "Please open it in the browser where you started the activity, or start it again from the course."
        ),
        "handoff_platform_gone": _l("The learning platform of this launch is no longer registered with the tool."),
    },
    {
        "handoff_unknown": 404,
        "handoff_used": 410,
        "handoff_expired": 410,
        "handoff_other_browser": 403,
        "handoff_platform_gone": 403,
    },
)


@dataclass(frozen=True)
class VerifiedLaunch:
    """A launch whose every check has passed: what the session is started from."""

    claims: dict[str, Any]
    platform: PlatformRecord


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def issue_handoff(launch: VerifiedLaunch, user_agent: str) -> str:
    """Store the verified launch for the new window; return the code its link carries."""
    code = secrets.token_urlsafe(32)
    db.session.add(
        LaunchHandoff(
            id=_digest(code),
            platform_id=launch.platform.id,
            claims=launch.claims,
            agent_hash=_digest(user_agent),
            expires_at=utcnow() + timedelta(seconds=HANDOFF_SECONDS),
        )
    )
    db.session.flush()
    return code


def redeem_handoff(code: str, user_agent: str) -> VerifiedLaunch:
    """The launch behind ``code``, consumed; ``Refused`` when it is unknown, used, expired or
    presented by another browser (which leaves it for the right one)."""
    handoff = db.session.get(LaunchHandoff, _digest(code)) if code else None
    if handoff is None:
        raise Refused("handoff_unknown")
    if handoff.used_at is not None:
        raise Refused("handoff_used")
    now = utcnow()
    if handoff.expires_at <= now:
        raise Refused("handoff_expired")
    if not secrets.compare_digest(handoff.agent_hash, _digest(user_agent)):
        raise Refused("handoff_other_browser")
    claims = handoff.claims
    # Of two redemptions racing on any worker, only one update finds the code unused.
    consumed = cast(
        CursorResult[Any],
        db.session.execute(
            db.update(LaunchHandoff)
            .where(LaunchHandoff.id == handoff.id, LaunchHandoff.used_at.is_(None))
            .values(used_at=now, claims={})
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if consumed != 1:
        raise Refused("handoff_used")
    platform = next((p for p in platform_records(claims["iss"]) if p.id == handoff.platform_id), None)
    if platform is None or not platform.approved:
        raise Refused("handoff_platform_gone")
    return VerifiedLaunch(claims, platform)


def purge_handoffs() -> int:
    """Forget handoffs whose codes have expired, used or not."""
    expired = db.delete(LaunchHandoff).where(LaunchHandoff.expires_at < utcnow())
    return cast(CursorResult[Any], db.session.execute(expired)).rowcount
