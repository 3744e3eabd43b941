"""The matching page's last computed reasons for the unmatched, so a view does not run the matcher.

The matcher takes seconds for thousands of registrations; its reasons change only when the
registrations, the groups or the programme's matching setting do. The snapshot stores the
reasons with a fingerprint of what they were computed from (``services.fingerprint``); the
page recomputes them when the fingerprint no longer matches, or when a facilitator computes
suggestions.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.db import Model


class MatchingSnapshot(Model):
    __tablename__ = "matching_snapshot"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # {registration id (as text): [{"code":…, "params":{…}}] or None (could be placed now)}
    unmatched: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
