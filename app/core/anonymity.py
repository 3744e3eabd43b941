"""The k-anonymity rule for every count or summary staff see about few people.

A figure about a group of people is shown only when the group holds at least ``K`` people, and a
set of shown slices of one total never lets a reader work out a smaller group by subtraction: what
is hidden adds up to nothing or to at least ``K``. Pure functions over plain numbers; every area
that shows such counts (material read counts, survey slices, check-in trends) uses these.
"""

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = 5

Key = TypeVar("Key", bound=Hashable)


def enough(count: int, k: int = K) -> bool:
    """Whether a group of ``count`` people may be described at all."""
    return count >= k


def shown_slices(counts: Mapping[Key, int], k: int = K) -> set[Key]:
    """The slices of one total that may be shown beside it.

    Each shown slice holds at least ``k``; the hidden ones together hold none or at least ``k``,
    so neither the total minus the shown slices nor any difference of shown figures singles out
    fewer than ``k`` people. When the hidden remainder is too small, the smallest shown slices
    are hidden as well until it is large enough (or everything is hidden)."""
    shown = {key for key, n in counts.items() if n >= k}
    hidden = sum(n for key, n in counts.items() if key not in shown)
    # Hide the smallest shown slice first: it costs the least information.
    for key in sorted(shown, key=lambda key: (counts[key], repr(key))):
        if hidden == 0 or hidden >= k:
            break
        shown.discard(key)
        hidden += counts[key]
    if 0 < hidden < k:
        return set()
    return shown


def shown_count(count: int, total: int, k: int = K) -> int | None:
    """``count`` of ``total`` people (say, those who read a module) when both they and the rest
    are at least ``k``; None: not shown. "All of them" or "none of them" would tell what each
    person did, so a count equal to the total is hidden too."""
    if count >= k and total - count >= k:
        return count
    return None
