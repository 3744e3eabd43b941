"""Greedy: the baseline, and the fill step of the repair heuristic."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from .cohort import Block
from .explain import Context
from .types import (
    Group,
    MatchingResult,
    MatchingSettings,
    Mentoring,
    Peers,
    Registration,
)

_CHUNK = 4096


class Candidates:
    """Every feasible relationship of a block, best first (ties: lower positions first)."""

    def __init__(self, block: Block):
        mu, mv = np.nonzero(block.mentor_ok)
        pu, pv = np.nonzero(np.triu(block.peer_ok, 1))
        self.u = np.concatenate([mu, pu])
        self.v = np.concatenate([mv, pv])
        self.peer = np.concatenate([np.zeros(len(mu), bool), np.ones(len(pu), bool)])
        score = np.concatenate([block.s_mentor[mu, mv], block.s_peer[pu, pv]])
        order = np.lexsort((self.peer, self.v, self.u, -score))
        self.u, self.v, self.peer, self.score = self.u[order], self.v[order], self.peer[order], score[order]


def fill(block: Block, candidates: Candidates, units: list) -> list:
    """Extend ``units`` greedily: the best candidate that keeps every unit valid, until none is left."""
    b = block.size
    used = np.zeros(b, bool)
    units = [u for u in units]
    open_group = {}  # mentor -> unit index, for a mentor with one aktori who could take a second
    for k, unit in enumerate(units):
        if isinstance(unit, Peers):
            used[list(unit)] = True
        else:
            used[unit.mentor] = True
            used[list(unit.aktoris)] = True
            if len(unit.aktoris) == 1 and block.group_ok[unit.mentor, unit.aktoris[0]]:
                open_group[unit.mentor] = k
    is_open = np.zeros(b, bool)
    if open_group:
        is_open[list(open_group)] = True
    cu, cv, cpeer = candidates.u, candidates.v, candidates.peer
    for start in range(0, len(cu), _CHUNK):
        if used.all():
            break
        u, v, peer = cu[start : start + _CHUNK], cv[start : start + _CHUNK], cpeer[start : start + _CHUNK]
        live = ~used[v] & (~used[u] | (~peer & is_open[u]))
        for t in np.flatnonzero(live).tolist():
            x, y = int(u[t]), int(v[t])
            if used[y]:
                continue
            if peer[t]:
                if not used[x]:
                    units.append(Peers(x, y))
                    used[x] = used[y] = True
            elif not used[x]:
                if block.pair_ok[x, y]:
                    units.append(Mentoring(x, (y,)))
                    used[x] = used[y] = True
                    if block.group_ok[x, y]:
                        open_group[x] = len(units) - 1
                        is_open[x] = True
            elif is_open[x]:
                k = open_group[x]
                q1 = units[k].aktoris[0]
                if block.trio_ok(x, q1, y):
                    units[k] = Mentoring(x, (q1, y))
                    used[y] = True
                    del open_group[x]
                    is_open[x] = False
    return units


def greedy_match(
    registrations: Iterable[Registration],
    settings: MatchingSettings | None = None,
    locked: Sequence[Group] = (),
    *,
    published: Iterable[Registration] = (),
) -> MatchingResult:
    """Baseline: candidate relationships by score, best first; take each that keeps all rules
    (``locked`` and ``published`` as in ``solver.match``)."""
    context = Context(registrations, settings, locked, published)
    if context.block.size == 0:
        return context.result([], False, math.inf, 0)
    units = fill(context.block, Candidates(context.block), [])
    return context.result(units, False, math.inf, 0)
