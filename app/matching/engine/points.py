"""A group's score as people read it: 0–100 points, split into named parts that add up.

The solver's own score (``Group.score``) is a sum of weights in which a mutual nomination
dominates on purpose; people read points instead. Each relationship can reach a ceiling (base,
theme, goals and, when the programme prefers it, crossing organisations); a group's points are
its parts' share of its relationships' ceilings, times 100. A nomination adds its weight on top,
and points never pass 100 (the parts are then scaled down together).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .types import MatchingSettings

#: The parts, in the order they are listed.
PARTS = ("theme", "goals", "cross_organisation", "nomination", "base")


def ceiling(settings: MatchingSettings, is_peer: bool) -> float:
    """The most one relationship earns on merit (a peer pair counts the theme both ways)."""
    w = settings.weights
    cross = w.cross_organisation if settings.prefer_cross_organisation else 0.0
    return w.base + w.theme * (2 if is_peer else 1) + w.goals + cross


def points(raw: Mapping[str, float], ceiling_total: float) -> tuple[int, dict[str, int]]:
    """Whole points 0–100 and each part's points, which add up to them exactly.

    ``raw`` holds each part's weight summed over the group's relationships (``PARTS`` keys, all
    >= 0), ``ceiling_total`` the sum of their ceilings. Rounding keeps the largest remainders, so
    no part is shown bigger or smaller by more than one point.
    """
    if ceiling_total <= 0:
        return 0, {}
    exact = {k: 100.0 * raw[k] / ceiling_total for k in PARTS if raw.get(k, 0.0) > 0}
    whole = sum(exact.values())
    if whole > 100.0:
        exact = {k: v * 100.0 / whole for k, v in exact.items()}
        whole = 100.0
    total = min(100, int(math.floor(whole + 0.5)))
    shares = {k: int(math.floor(v)) for k, v in exact.items()}
    by_remainder = sorted(exact, key=lambda k: (-(exact[k] - shares[k]), PARTS.index(k)))
    for k in by_remainder[: total - sum(shares.values())]:
        shares[k] += 1
    return total, {k: v for k, v in shares.items() if v > 0}
