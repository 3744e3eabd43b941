"""The exact solver: LSA relaxation on the double cover, branch and bound (see the package docstring).

Over 500 lines: ``Solver`` is one algorithm whose steps (relaxation, reading it as units, branching,
repair, dive, prices) share the same state; splitting the class would scatter it.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import numpy as np
from scipy.optimize import linear_sum_assignment

from .cohort import Block
from .explain import Context
from .greedy import Candidates, fill
from .types import (
    Group,
    MatchingResult,
    MatchingSettings,
    Mentoring,
    Peers,
    Registration,
)


class Mentors(NamedTuple):
    """A matched edge read as ``mentor`` mentoring ``aktori`` (through the mentor's slot node or not)."""

    mentor: int
    aktori: int
    via_slot: bool


class Relaxation(NamedTuple):
    """One assignment problem solved: half its value bounds the node's results from above."""

    bound: float
    edges: list[tuple[int, int]]  # matched node pairs (2-cycles, and even cycles split)
    odd: list[list[int]]  # odd cycles, left to the branching
    weights: np.ndarray  # the node's weight matrix
    perm: list[int]  # the optimal permutation


class Outcome(NamedTuple):
    units: list[Mentoring | Peers]
    value: float
    optimal: bool  # proven
    upper: float  # bound on the optimum
    nodes: int  # assignment problems solved


@dataclass(frozen=True)
class Node:
    forbid: frozenset = frozenset()  # node pairs (u, v), u < v, that must not be matched
    closed: frozenset = frozenset()  # slot nodes that must stay unmatched
    forced: frozenset = frozenset()  # nodes that must be matched
    restricted: frozenset = frozenset()  # people who may only mentor a group (primary node)

    def child(self, forbid=(), closed=(), forced=(), restricted=()) -> Node | None:
        node = Node(
            self.forbid | {(min(u, v), max(u, v)) for u, v in forbid},
            self.closed | set(closed),
            self.forced | set(forced),
            self.restricted | set(restricted),
        )
        return None if node.closed & node.forced else node


class Solver:
    def __init__(self, block: Block, candidates: Candidates):
        self.block, self.candidates = block, candidates
        b = self.b = block.size
        cohort = block.cohort
        group_mentor = cohort.accepts_form[block.idx, 2] & cohort.cap2[block.idx]
        self.slot_person = np.flatnonzero(group_mentor & block.group_ok.any(1))
        self.slot_of = {int(p): b + k for k, p in enumerate(self.slot_person)}
        self.N = b + len(self.slot_person)

        self.mentor_weights = np.where(block.mentor_ok, block.s_mentor, -np.inf)
        self.peer_weights = np.where(block.peer_ok, block.s_peer, -np.inf)
        sp = self.slot_person
        self.slot_weights = np.where(block.group_ok[sp], block.s_mentor[sp], -np.inf)
        self.prices: np.ndarray | None = None
        self.base_prices: np.ndarray | None = None
        self.W0: np.ndarray | None = None  # set by set_prices, before any node is solved
        self._unpriced: tuple[np.ndarray, np.ndarray] | None = None

    def group_row(self, p: int) -> np.ndarray:
        """Weights of ``p`` group-mentoring each person through the primary node (priced)."""
        price = self.prices[p] if self.prices is not None else 0.0
        return np.where(self.block.group_ok[p], self.block.s_mentor[p] + price, -np.inf)

    def set_prices(self, prices: np.ndarray | None) -> None:
        """Edge weights with Lagrangian prices on the slot coupling (None: the true weights).

        For a group mentor m with price p_m >= 0, a relationship in which m mentors a group-capable
        aktori through the primary node earns p_m and one through the slot costs p_m. Every result
        keeps "slot used <= primary mentors a group", so it scores at least as much as before and
        the relaxation stays an upper bound, whatever the prices.
        """
        b, sp = self.b, self.slot_person
        if prices is not None and not prices.any():
            prices = None
        if prices is None and self._unpriced is not None:
            self.prices, self.rel, self.W0 = None, *self._unpriced
            return
        if self.W0 is not None and (
            prices is self.prices is None
            or (prices is not None and self.prices is not None and np.array_equal(prices, self.prices))
        ):
            return
        mentor = self.mentor_weights
        slots = self.slot_weights
        if prices is not None:
            mentor = mentor.copy()
            mentor[sp] += np.where(self.block.group_ok[sp], prices[sp][:, None], 0.0)
            slots = slots - prices[sp][:, None]
        W = np.empty((self.N, self.N))  # new: earlier relaxations keep their own matrix
        best = W[:b, :b]
        np.maximum(mentor, mentor.T, out=best)
        rel = (mentor.T > mentor).astype(np.int8)  # 0: row mentors column, 1: column mentors row
        better = self.peer_weights > best
        rel[better] = 2  # peers
        np.maximum(best, self.peer_weights, out=best)
        W[b:, b:] = -np.inf
        W[b:, :b] = slots
        W[:b, b:] = slots.T
        np.fill_diagonal(W, 0.0)
        self.prices, self.rel, self.W0 = prices, rel, W
        if prices is None:
            self._unpriced = (rel, W)

    # -- one node ------------------------------------------------------------------------------

    def matrix(self, node: Node) -> np.ndarray:
        assert self.W0 is not None  # set_prices runs before any node is solved
        if node == Node():
            return self.W0
        W = self.W0.copy()
        b = self.b
        restricted = sorted(node.restricted)
        for p in restricted:
            row = self.group_row(p)
            row[restricted] = -np.inf
            W[p, :b] = row
            W[:b, p] = row
            W[p, b:] = -np.inf
            W[b:, p] = -np.inf
        for u, v in node.forbid:
            W[u, v] = W[v, u] = -np.inf
        for s in node.closed:
            W[s, :] = -np.inf
            W[:, s] = -np.inf
        np.fill_diagonal(W, 0.0)
        for u in node.forced:
            W[u, u] = -np.inf
        return W

    def relation(self, node: Node, u: int, v: int) -> Mentors | Peers:
        b = self.b
        if u >= b:
            return Mentors(int(self.slot_person[u - b]), v, True)
        if v >= b:
            return Mentors(int(self.slot_person[v - b]), u, True)
        if u in node.restricted:
            return Mentors(u, v, False)
        if v in node.restricted:
            return Mentors(v, u, False)
        r = self.rel[u, v]
        if r == 0:
            return Mentors(u, v, False)
        if r == 1:
            return Mentors(v, u, False)
        return Peers(u, v)

    def solve(self, node: Node) -> Relaxation | None:
        """The relaxation of ``node`` (see ``Relaxation``).

        None if infeasible (nodes forced to be matched that cannot all be). SciPy's dense
        ``linear_sum_assignment``; its sparse sibling ``min_weight_full_bipartite_matching`` is
        faster here but can loop forever on some inputs (scipy#17269), which a request cannot risk.
        """
        W = self.matrix(node)
        live = np.isfinite(W).sum(1) > 1  # nodes with a possible partner (the diagonal aside)
        live |= ~np.isfinite(np.diagonal(W))  # and nodes forced to be matched
        keep = np.flatnonzero(live)
        perm = np.arange(self.N)
        try:
            _, sub = linear_sum_assignment(W if len(keep) == self.N else W[np.ix_(keep, keep)], maximize=True)
        except ValueError:
            return None
        perm[keep] = keep[sub]
        value = float(W[np.arange(self.N), perm].sum())
        if not math.isfinite(value):
            return None
        order: list[int] = perm.tolist()
        seen = [False] * self.N
        edges: list[tuple[int, int]] = []
        odd: list[list[int]] = []
        for start in range(self.N):
            if seen[start]:
                continue
            cycle, j = [], start
            while not seen[j]:
                seen[j] = True
                cycle.append(j)
                j = order[j]
            if len(cycle) == 2:
                edges.append((cycle[0], cycle[1]))
            elif len(cycle) > 2 and len(cycle) % 2 == 0:
                first = [(cycle[k], cycle[k + 1]) for k in range(0, len(cycle), 2)]
                second = [(cycle[k], cycle[(k + 1) % len(cycle)]) for k in range(1, len(cycle), 2)]
                value_first = sum(W[u, v] for u, v in first)
                value_second = sum(W[u, v] for u, v in second)
                edges.extend(second if value_second > value_first else first)
            elif len(cycle) > 2:
                odd.append(cycle)
        return Relaxation(value / 2.0, edges, odd, W, order)

    # -- reading a node's matching as units -------------------------------------------------------

    def interpret(self, node: Node, edges, odd=()):
        """Units of a node-level matching (the valid ones) and every rule it breaks.

        People on an odd cycle are not in ``edges``; a lone aktori whose mentor's other node is on
        one is left to the odd-cycle branching (branching on it would not exclude this solution).
        """
        block = self.block
        on_cycle = {v for cycle in odd for v in cycle}
        mentors: dict[int, dict] = {}
        busy: set[int] = set()  # people whose primary node is used as aktori or peer
        units: list[Mentoring | Peers] = []
        for u, v in edges:
            rel = self.relation(node, u, v)
            if isinstance(rel, Peers):
                units.append(Peers(*sorted(rel)))
                busy.update(rel)
            else:
                m, a, via_slot = rel
                mentors.setdefault(m, {})["slot" if via_slot else "primary"] = a
                busy.add(a)
        violations: list[tuple[Any, ...]] = []
        for m in sorted(mentors):
            q1, q2 = mentors[m].get("primary"), mentors[m].get("slot")
            if q2 is not None and (m in busy or (q1 is not None and not block.group_ok[m, q1])):
                violations.append(("slot", m))
            elif q1 is not None and q2 is not None:
                if block.trio_ok(m, q1, q2):
                    units.append(Mentoring(m, (q1, q2)))
                else:
                    violations.append(("trio", m, q1, q2))
            else:
                q = q1 if q1 is not None else mentors[m]["slot"]
                if block.pair_ok[m, q]:
                    units.append(Mentoring(m, (q,)))
                elif m not in on_cycle and self.slot_of.get(m) not in on_cycle:
                    violations.append(("one", m, q))
        return units, violations

    def branch(self, node: Node, violation) -> list[Node]:
        kind = violation[0]
        slot_of = self.slot_of
        if kind == "slot":
            m = violation[1]
            children = [node.child(closed=[slot_of[m]]), node.child(restricted=[m])]
        elif kind == "trio":
            m, q1, q2 = violation[1:]
            s = slot_of[m]
            children = [node.child(forbid=[(m, q1), (s, q1)]), node.child(forbid=[(m, q2), (s, q2)])]
        elif kind == "one":
            m, q = violation[1:]
            slot = slot_of.get(m)
            if slot is None:
                children = [node.child(forbid=[(m, q)])]
            else:
                children = [
                    node.child(forbid=[(m, q), (slot, q)]),
                    node.child(forced=[m, slot], restricted=[m]),
                ]
        else:  # odd cycle: in any matching some vertex of it is not matched inside it
            cycle = violation[1]
            children = [node.child(forbid=[(v, w) for w in cycle if w != v]) for v in cycle]
        found = [c for c in children if c is not None]
        if node in found:  # would loop; every violation raised excludes the current solution
            raise RuntimeError(f"branching on {violation} does not progress")
        return found

    # -- a feasible result from an infeasible relaxation ------------------------------------------

    def repair(self, node: Node, edges, odd, W) -> list:
        block = self.block
        edges = list(edges)
        for cycle in odd:  # best matching of the cycle with one vertex left out
            edges.extend(_cycle_without_one(cycle, W)[1])
        rels = [self.relation(node, u, v) for u, v in edges]
        primary_use = {}  # person -> index of the relation that uses their primary node
        slot_rel = {}
        for k, rel in enumerate(rels):
            if isinstance(rel, Peers):
                primary_use[rel.first] = primary_use[rel.second] = k
            else:
                m, a, via_slot = rel
                primary_use[a] = k
                if via_slot:
                    slot_rel[m] = k
                else:
                    primary_use[m] = k
        dropped = set()
        for m, k in sorted(slot_rel.items()):
            j = primary_use.get(m)
            if j is None:
                continue
            rel = rels[j]
            if isinstance(rel, Mentors) and rel.mentor == m and block.group_ok[m, rel.aktori]:
                continue  # a proper group; checked below
            aktori = cast(Mentors, rels[k]).aktori  # a slot's relation is a mentoring one
            alone = block.s_mentor[m, aktori] if block.pair_ok[m, aktori] else 0.0
            if alone > W[edges[j][0], edges[j][1]]:
                dropped.add(j)
            else:
                dropped.add(k)
        units: list[Mentoring | Peers] = []
        mentors: dict[int, list[int]] = {}
        for k, rel in enumerate(rels):
            if k in dropped:
                continue
            if isinstance(rel, Peers):
                units.append(Peers(*sorted(rel)))
            else:
                mentors.setdefault(rel.mentor, []).append(rel.aktori)
        for m, aktoris in sorted(mentors.items()):
            aktoris = sorted(aktoris)
            if len(aktoris) == 2 and block.trio_ok(m, *aktoris):
                units.append(Mentoring(m, tuple(aktoris)))
                continue
            singles = [q for q in aktoris if block.pair_ok[m, q]]
            if singles:
                q = max(singles, key=lambda q: (block.s_mentor[m, q], -q))
                units.append(Mentoring(m, (q,)))
        return fill(block, self.candidates, units)

    def dive(self, node: Node, solved: Relaxation | None, steps: int) -> tuple[list[Mentoring | Peers], int]:
        """Primal heuristic: fix every broken rule at once by a local choice, re-solve, repeat.

        Returns (units, LSA solves used). Slot conflicts close the slot when the primary node's
        relationship is worth at least the slot's, else restrict the mentor to group mentoring;
        an invalid trio loses its weaker aktori; a lone group-only aktori leaves the mentor; an odd
        cycle loses the vertex whose absence costs least.
        """
        block = self.block
        best: list[Mentoring | Peers]
        best, best_value, used = [], -math.inf, 0
        if solved is None:
            solved, used = self.solve(node), 1
            if solved is None:
                return best, used
        while True:
            edges, odd, W = solved.edges, solved.odd, solved.weights
            units, violations = self.interpret(node, edges, odd)
            if not violations and not odd:
                units = fill(block, self.candidates, units)
            else:
                units = self.repair(node, edges, odd, W)
            value = sum(block.unit_score(u) for u in units)
            if value > best_value:
                best, best_value = units, value
            if (not violations and not odd) or used >= steps:
                return best, used
            partner = {}
            for u, v in edges:
                partner[u], partner[v] = v, u
            forbid, closed, restricted, restricted_out = [], [], [], []
            for violation in violations:
                kind, m = violation[0], violation[1]
                s = self.slot_of.get(m)
                if kind == "slot":
                    assert s is not None  # only a mentor with a slot breaks the slot rule
                    w_primary = W[m, partner[m]] if m in partner else 0.0
                    if w_primary >= W[s, partner[s]]:
                        closed.append(s)
                    else:
                        restricted.append(m)
                elif kind == "trio":
                    q1, q2 = violation[2:]
                    weaker = q1 if (block.s_mentor[m, q1], -q1) < (block.s_mentor[m, q2], -q2) else q2
                    forbid += [(m, weaker), (s, weaker)]
                elif s is not None and m in node.restricted and s not in node.forced:  # no second aktori: pair mode
                    restricted_out.append(m)
                    closed.append(s)
                else:
                    q = violation[2]
                    forbid += [(m, q)] + ([(s, q)] if s is not None else [])
            for cycle in odd:
                v = _cycle_without_one(cycle, W)[0]
                forbid += [(v, w) for w in cycle if w != v]
            if restricted_out:
                node = Node(node.forbid, node.closed, node.forced, node.restricted - set(restricted_out))
            child = node.child(forbid=forbid, closed=closed, restricted=restricted)
            if child is None or child == node:
                return best, used
            used += 1
            solved_child = self.solve(child)
            if solved_child is None:
                return best, used
            node, solved = child, solved_child

    # -- branch and bound ----------------------------------------------------------------------

    def subgradient(self, node: Node, perm: list[int]) -> np.ndarray:
        """Per person: slot used (1) minus primary mentoring a group-capable aktori (1)."""
        block, b = self.block, self.b
        g = np.zeros(b)
        for k, m in enumerate(self.slot_person.tolist()):
            s = b + k
            q = perm[m]
            primary_group = (
                q != m and q < b and self.relation(node, m, q) == Mentors(m, q, False) and block.group_ok[m, q]
            )
            g[m] = float(perm[s] != s) - float(primary_group)
        return g

    def modes_of(self, units) -> Node:
        """A node fixing every group mentor's mode as in ``units``: group mode for those running
        a group, the slot closed for everyone else."""
        grouped = {u.mentor for u in units if isinstance(u, Mentoring) and len(u.aktoris) == 2}
        return Node(
            closed=frozenset(self.slot_of[m] for m in self.slot_person.tolist() if m not in grouped),
            restricted=frozenset(grouped),
        )

    def node_prices(self, node: Node) -> np.ndarray | None:
        """The base prices, zero for mentors whose slot is decided (closed, or group mode)."""
        if self.base_prices is None:
            return None
        prices = self.base_prices.copy()
        for m in node.restricted:
            prices[m] = 0.0
        for slot in node.closed:
            prices[self.slot_person[slot - self.b]] = 0.0
        return prices

    def slack(self, node: Node, edges) -> int | None:
        """A priced mentor whose group-mentoring primary node goes without a used slot."""
        if self.prices is None:
            return None
        used = {u for edge in edges for u in edge}
        for u, v in edges:
            rel = self.relation(node, u, v)
            if isinstance(rel, Mentors) and not rel.via_slot:
                m = rel.mentor
                if self.prices[m] > 0 and self.block.group_ok[m, rel.aktori] and self.slot_of[m] not in used:
                    return m
        return None

    def run(self, max_nodes: int) -> Outcome:
        """Exact root; Lagrangian prices and a dive for a good result; then branch and bound.

        ``max_nodes`` bounds the number of assignment problems, so the result is deterministic.
        """
        block = self.block

        def close_enough(value, bound):
            return bound <= value + 1e-9 * max(1.0, abs(value))

        root = Node()
        prices = np.zeros(self.b)
        self.set_prices(None)
        solved = self.solve(root)
        assert solved is not None  # the root forces nothing: it is always feasible
        nodes = 1
        units, violations = self.interpret(root, solved.edges, solved.odd)
        if not violations and not solved.odd and self.slack(root, solved.edges) is None:
            value = sum(block.unit_score(u) for u in units)
            return Outcome(units, value, True, value, nodes)
        incumbent = self.repair(root, solved.edges, solved.odd, solved.weights)
        incumbent_value = sum(block.unit_score(u) for u in incumbent)
        upper = solved.bound

        def better(found):
            nonlocal incumbent, incumbent_value
            value = sum(block.unit_score(u) for u in found)
            if value > incumbent_value:
                incumbent, incumbent_value = found, value

        # Lagrangian prices on "a used slot needs a group-mentoring primary node" (subgradient
        # with Polyak steps). Every price vector gives an upper bound; keep the best.
        budget = max_nodes - nodes
        rounds = min(12, max(1, budget // 3)) if budget >= 2 else 0
        dive_steps = min(8, budget - rounds)
        last: Relaxation | None
        best_solved, last = solved, solved
        for _ in range(rounds):
            if close_enough(incumbent_value, upper):
                break
            g = self.subgradient(root, last.perm)
            g[(prices <= 0) & (g < 0)] = 0.0
            norm = float((g * g).sum())
            if norm == 0:
                break
            prices = np.maximum(0.0, prices + 0.5 * (last.bound - incumbent_value) / norm * g)
            self.set_prices(prices)
            last = self.solve(root)
            assert last is not None  # the root forces nothing: it is always feasible
            nodes += 1
            better(self.repair(root, last.edges, last.odd, last.weights))
            if last.bound < upper:
                upper, best_solved, self.base_prices = last.bound, last, prices.copy()
        # Polish: with every mentor's mode fixed as in the best result so far, the relaxation is
        # nearly exact; dive from it, and again while that improves the result.
        self.set_prices(None)  # every slot is decided: no prices apply
        while dive_steps > 0 and not close_enough(incumbent_value, upper):
            before = incumbent_value
            found, used = self.dive(self.modes_of(incumbent), None, dive_steps)
            nodes += used
            dive_steps -= used
            better(found)
            if incumbent_value <= before:
                break
        if close_enough(incumbent_value, upper):
            return Outcome(incumbent, incumbent_value, True, upper, nodes)

        # Branch and bound, best bound first. A node's prices are the best ones found, zero for
        # mentors whose slot is decided, so its relaxation bounds every result below it.
        heap = [(-upper, 0, root)]
        counter = 1
        while heap:
            negative_bound, _, node = heap[0]
            if close_enough(incumbent_value, -negative_bound):
                heap = []
                break
            if nodes >= max_nodes:
                break
            heapq.heappop(heap)
            self.set_prices(self.node_prices(node))
            node_solved: Relaxation | None
            if node == root:
                node_solved = best_solved
            else:
                node_solved = self.solve(node)
                nodes += 1
            if node_solved is None:
                continue
            bound, edges, odd, W = node_solved.bound, node_solved.edges, node_solved.odd, node_solved.weights
            if close_enough(incumbent_value, bound):
                continue
            units, violations = self.interpret(node, edges, odd)
            if not violations and not odd:
                better(units)
                m = self.slack(node, edges)
                if m is None or close_enough(incumbent_value, bound):
                    continue
                options = (node.child(closed=[self.slot_of[m]]), node.child(restricted=[m]))
                children = [c for c in options if c is not None]
            else:
                better(self.repair(node, edges, odd, W))
                if close_enough(incumbent_value, bound):
                    continue
                violation = violations[0] if violations else ("odd", min(odd, key=lambda c: (len(c), min(c))))
                children = self.branch(node, violation)
            for child in children:
                heapq.heappush(heap, (-bound, counter, child))
                counter += 1
        if not heap:
            return Outcome(incumbent, incumbent_value, True, incumbent_value, nodes)
        upper = min(upper, max(incumbent_value, -heap[0][0]))
        return Outcome(incumbent, incumbent_value, False, upper, nodes)


def _cycle_without_one(cycle: list[int], W: np.ndarray) -> tuple[int, list]:
    """The vertex to leave out of an odd cycle so that the rest matches best, and that matching."""
    best_value, best_vertex, best_edges = -math.inf, cycle[0], []
    L = len(cycle)
    for drop in range(L):
        path = [cycle[(drop + 1 + k) % L] for k in range(L - 1)]
        value, chosen = _path_matching(path, W)
        if value > best_value:
            best_value, best_vertex, best_edges = value, cycle[drop], chosen
    return best_vertex, best_edges


def _path_matching(path: list[int], W: np.ndarray) -> tuple[float, list]:
    """Maximum-weight matching of a path's consecutive edges (dynamic programming)."""
    best = [0.0] * (len(path) + 1)  # best[k]: best value on the first k vertices
    take = [False] * (len(path) + 1)  # whether best[k] matches vertices k-2 and k-1
    for k in range(2, len(path) + 1):
        with_edge = best[k - 2] + W[path[k - 2], path[k - 1]]
        if with_edge > best[k - 1]:
            best[k], take[k] = with_edge, True
        else:
            best[k] = best[k - 1]
    edges, k = [], len(path)
    while k >= 2:
        if take[k]:
            edges.append((path[k - 2], path[k - 1]))
            k -= 2
        else:
            k -= 1
    return best[len(path)], edges


def _default_node_limit(size: int) -> int:
    """A deterministic budget of assignment problems: 1.5e7 matrix cells in all, 3 to 3,000."""
    return int(max(3, min(3000, 1.5e7 // max(1, size * size))))


def match(
    registrations: Iterable[Registration],
    settings: MatchingSettings | None = None,
    locked: Sequence[Group] = (),
    *,
    published: Iterable[Registration] = (),
    max_nodes: int | None = None,
) -> MatchingResult:
    """Suggested pairs and groups for the whole cohort (see the module docstring for the rules).

    ``locked`` groups are kept as they are (re-scored, ``locked=True``) and their members take no
    part. ``published`` are the registrations of the members of published groups (not in
    ``registrations``): they take no part and appear nowhere in the result, but the reasons for
    the unmatched count them. ``max_nodes`` bounds the branch-and-bound search (default: by
    cohort size).
    """
    context = Context(registrations, settings, locked, published)
    block = context.block
    if block.size == 0:
        return context.result([], True, 0.0, 0)
    candidates = Candidates(block)
    solver = Solver(block, candidates)
    limit = max_nodes if max_nodes is not None else _default_node_limit(solver.N)
    outcome = solver.run(max(1, limit))
    units = outcome.units
    if not outcome.optimal:
        greedy_units = fill(block, candidates, [])
        if sum(block.unit_score(u) for u in greedy_units) > outcome.value:
            units = greedy_units
    return context.result(units, outcome.optimal, outcome.upper, outcome.nodes)
