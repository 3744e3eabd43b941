"""Building the result: groups with their scores and reasons, and why someone stayed unmatched."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .cohort import Block, Cohort, mentoring_options
from .points import PARTS, ceiling, points
from .types import (
    FORM_ORDER,
    Form,
    Group,
    MatchingResult,
    MatchingSettings,
    Member,
    Peers,
    Reason,
    Registration,
    Role,
    Unmatched,
)


class Context:
    """The cohort, who is already placed, and the block of the free people the solver works on.

    ``published`` are the registrations of people already in published pairs or groups: they take
    no part, but the reasons why someone stayed unmatched count them (their mentors are taken, not
    missing).
    """

    def __init__(self, registrations, settings, locked, published=()):
        self.settings = settings or MatchingSettings()
        published = list(published)
        self.cohort = Cohort([*registrations, *published], self.settings)
        cohort = self.cohort
        # Registration id -> why they are not free: "published" or "locked" (CAUSE_LABELS keys).
        self.placed: dict = {r.id: "published" for r in published}
        self.locked_groups = []
        for group in locked or ():
            for member in group.members:
                if member.registration_id not in cohort.index:
                    raise ValueError(f"locked group member {member.registration_id!r} is not registered")
                if member.registration_id in self.placed:
                    raise ValueError(f"{member.registration_id!r} is in two locked or published groups")
                self.placed[member.registration_id] = "locked"
            self.locked_groups.append(group)
        free = [i for i, r in enumerate(cohort.regs) if r.id not in self.placed]
        self.block = Block(cohort, free)
        self.everyone = cohort.side(np.arange(cohort.n))
        self.in_published = np.array([self.placed.get(r.id) == "published" for r in cohort.regs], bool)
        self.in_locked = np.array([self.placed.get(r.id) == "locked" for r in cohort.regs], bool)

    def locked_result(self) -> list[Group]:
        return [
            evaluate_group_in(self.cohort, g.form, g.members, locked=True, placed=self.placed)
            for g in self.locked_groups
        ]

    def result(self, units, optimal, upper, nodes) -> MatchingResult:
        block, cohort = self.block, self.cohort
        groups = self.locked_result()
        matched: set[int] = set()
        suggestions = []
        for unit in units:
            if isinstance(unit, Peers):
                members: tuple[Member, ...] = (
                    Member(cohort.regs[block.idx[unit.first]].id, Role.PEER),
                    Member(cohort.regs[block.idx[unit.second]].id, Role.PEER),
                )
                form = Form.PEER
                matched.update(unit)
            else:
                m, aktoris = unit.mentor, sorted(unit.aktoris)
                members = (Member(cohort.regs[block.idx[m]].id, Role.MENTOR),) + tuple(
                    Member(cohort.regs[block.idx[q]].id, Role.AKTORI) for q in aktoris
                )
                if len(aktoris) == 2:
                    form = Form.GROUP
                else:
                    form = (
                        Form.TRADITIONAL
                        if cohort.accepts_form[block.idx[m], 0] and cohort.accepts_form[block.idx[aktoris[0]], 0]
                        else Form.REVERSE
                    )
                matched.add(m)
                matched.update(aktoris)
            group = evaluate_group_in(cohort, form, members, placed=self.placed, block=block)
            suggestions.append(group)
        suggestions.sort(key=lambda g: g.ids[0])
        groups.extend(suggestions)
        unmatched = [
            Unmatched(cohort.regs[block.idx[k]].id, self.unmatched_reasons(k))
            for k in range(block.size)
            if k not in matched
        ]
        total = sum(g.score for g in groups)
        locked_total = total - sum(g.score for g in suggestions)
        return MatchingResult(
            tuple(groups),
            tuple(unmatched),
            optimal=optimal,
            upper_bound=float(max(total, upper + locked_total)),
            nodes=nodes,
        )

    def unmatched_reasons(self, k: int) -> tuple[Reason, ...]:
        """Why the block's ``k``-th person stayed unmatched, the first failing cause in order.

        Counterparts are looked for in the whole cohort, placed people too, so that "everyone who
        fits is already in a pair or group" is told apart from "nobody fits"; the themes the
        person wants that no free counterpart offers are named as not offered or taken.
        """
        cohort = self.cohort
        i = int(self.block.idx[k])
        r = cohort.regs[i]
        me, them = cohort.side(i), self.everyone
        complement = (
            (cohort.role_mentor[i] & cohort.role_aktori)
            | (cohort.role_aktori[i] & cohort.role_mentor)
            | (cohort.role_peer[i] & cohort.role_peer)
        )
        complement[i] = False
        lang = ((cohort.speaks @ cohort.speaks[i]) > 0) & complement
        pair_ab, group_ab = mentoring_options(me, them, cohort.wants_theme @ cohort.offers_theme[i], lang)
        pair_ba, group_ba = mentoring_options(them, me, cohort.offers_theme @ cohort.wants_theme[i], lang)
        peer = lang & me.can_peer & them.can_peer
        forms = pair_ab | group_ab | pair_ba | group_ba | peer
        excluded = np.zeros(cohort.n, bool)
        excluded[list(cohort.must_not[i])] = True
        allowed = forms & ~excluded
        free = allowed & ~self.in_published & ~self.in_locked
        reasons = []
        if not (me.can_mentor | me.can_aktori | me.can_peer):
            reasons.append(Reason("no_form_for_role", {"role": r.role.value}))
        elif not complement.any():
            reasons.append(Reason("no_compatible_counterpart", {"role": r.role.value}))
        elif not lang.any():
            reasons.append(Reason("no_shared_language", {"languages": sorted(r.languages)}))
        elif not forms.any():
            reasons.append(Reason("no_compatible_form", {"forms": [f.value for f in FORM_ORDER if f in r.forms]}))
        elif not allowed.any():
            reasons.append(Reason("must_not_pair_blocked", {"count": int(forms.sum())}))
        elif not free.any():
            published, locked = int((allowed & self.in_published).sum()), int((allowed & self.in_locked).sum())
            reasons.append(Reason("counterparts_taken", {"published": published, "locked": locked}))
        elif not (free & (pair_ab | pair_ba | peer)).any():
            reasons.append(Reason("group_not_formed"))
        else:
            reasons.append(Reason("capacity_exhausted", {"candidates": int(free.sum())}))
        reasons.extend(self._theme_reasons(i, allowed & (pair_ba | group_ba | peer)))
        reasons.extend(_nomination_not_kept(cohort, [i], self.placed))
        return tuple(reasons)

    def _theme_reasons(self, i: int, could_mentor) -> list[Reason]:
        """The themes person ``i`` wants that no free counterpart who could mentor them offers:
        nobody in the cohort offers them, or everyone who could is already placed."""
        cohort = self.cohort
        not_offered, taken = [], []
        for theme in sorted(cohort.regs[i].themes_wanted):
            offers = cohort.offers_theme[:, cohort.theme_index[theme]] > 0
            offers[i] = False
            fits = offers & could_mentor
            if not offers.any():
                not_offered.append(theme)
            elif fits.any() and not (fits & ~self.in_published & ~self.in_locked).any():
                taken.append(theme)
        reasons = []
        if not_offered:
            reasons.append(Reason("theme_not_offered", {"themes": not_offered}))
        if taken:
            reasons.append(Reason("theme_taken", {"themes": taken}))
        return reasons


def _nomination_not_kept(cohort: Cohort, members: Sequence[int], placed: Mapping) -> list[Reason]:
    reasons = []
    for i in members:
        r = cohort.regs[i]
        if r.nominated is None:
            continue
        j = cohort.index.get(r.nominated)
        if j is None:
            reasons.append(
                Reason("nomination_not_kept", {"by": r.name, "nominee": str(r.nominated), "cause": "not_registered"})
            )
            continue
        if j in members:
            continue
        other = cohort.regs[j]
        a, b = cohort.side(i), cohort.side(j)
        pair_ab, group_ab = mentoring_options(a, b, cohort.offers_theme[i] @ cohort.wants_theme[j], True)
        pair_ba, group_ba = mentoring_options(b, a, cohort.offers_theme[j] @ cohort.wants_theme[i], True)
        if other.id in placed or r.id in placed:
            cause = placed.get(other.id) or placed[r.id]
        elif j in cohort.must_not[i]:
            cause = "must_not_pair"
        elif not r.languages & other.languages:
            cause = "no_shared_language"
        elif not (pair_ab or group_ab or pair_ba or group_ba or (a.can_peer and b.can_peer)):
            cause = "incompatible"
        else:
            cause = "better_overall"
        reasons.append(Reason("nomination_not_kept", {"by": r.name, "nominee": other.name, "cause": cause}))
    return reasons


def evaluate_group_in(
    cohort: Cohort, form, members, *, locked=False, placed: Mapping | None = None, block=None
) -> Group:
    """Score and reasons of a group; ``placed`` maps the ids of people not free to why ("locked",
    "published"); ``block`` (holding all members) saves building a small one."""
    form = Form(form)
    members = tuple(Member(m.registration_id, Role(m.role)) for m in members)
    try:
        positions = [cohort.index[m.registration_id] for m in members]
    except KeyError as exc:
        raise ValueError(f"group member {exc.args[0]!r} is not registered") from None
    if block is None or any(p not in block.pos for p in positions):
        block = Block(cohort, positions)
    at = [block.pos[p] for p in positions]
    regs = [cohort.regs[i] for i in positions]
    mentors = [k for k, m in enumerate(members) if m.role == Role.MENTOR]
    aktoris = [k for k, m in enumerate(members) if m.role == Role.AKTORI]
    peers = [k for k, m in enumerate(members) if m.role == Role.PEER]
    # relationships (a, b, is_peer) as block positions
    if mentors:
        relationships = [(mentors[0], q, False) for q in aktoris]
    else:
        relationships = [(peers[a], peers[b], True) for a in range(len(peers)) for b in range(a + 1, len(peers))]
    score = 0.0
    reasons = [Reason("locked")] if locked else []
    reasons.append(Reason("form", {"form": form.value}))
    raw = dict.fromkeys(PARTS, 0.0)
    ceiling_total = 0.0
    for a, b, is_peer in relationships:
        score += float(block.s_peer[at[a], at[b]] if is_peer else block.s_mentor[at[a], at[b]])
        for part, value in _relationship_parts(cohort, block, positions, at, a, b, is_peer).items():
            raw[part] += value
        ceiling_total += ceiling(cohort.settings, is_peer)
    seen_pairs = set()
    for k, r in enumerate(regs):
        if r.nominated is None:
            continue
        other = next((j for j, o in enumerate(regs) if o.id == r.nominated), None)
        if other is None:
            continue
        mutual = regs[other].nominated == r.id
        if mutual:
            key = frozenset((k, other))
            if key in seen_pairs:
                continue
            seen_pairs.add(key)
        reasons.append(Reason("nominated", {"by": r.name, "nominee": regs[other].name, "mutual": mutual}))
    for a, b, is_peer in relationships:
        directions = [(a, b), (b, a)] if is_peer else [(a, b)]
        for x, y in directions:
            themes = sorted(regs[x].themes_offered & regs[y].themes_wanted)
            if themes:
                reasons.append(
                    Reason("shared_theme", {"themes": themes, "offered_by": regs[x].name, "wanted_by": regs[y].name})
                )
    for a, b, _ in relationships:
        similarity, words = cohort.goals_overlap(positions[a], positions[b])
        if similarity >= 0.1 and words:
            reasons.append(
                Reason(
                    "similar_goals",
                    {"words": words, "similarity": round(similarity, 2), "between": [regs[a].name, regs[b].name]},
                )
            )
    languages = cohort.shared_languages(positions)
    if languages:
        reasons.append(Reason("same_language", {"language": languages[0], "languages": languages}))
    organisations = sorted({r.organisation for r in regs})
    if cohort.settings.prefer_cross_organisation:
        # The programme prefers crossing organisations: one organisation is never a reason then.
        if len(organisations) > 1:
            reasons.append(Reason("cross_organisation", {"organisations": organisations}))
    elif len(organisations) == 1:
        reasons.append(Reason("same_organisation", {"organisation": organisations[0]}))
    reasons.extend(_nomination_not_kept(cohort, positions, placed or {}))
    total, parts = points(raw, ceiling_total)
    reasons.append(Reason("score", {"points": total, "parts": parts}))
    return Group(form, members, score, tuple(reasons), locked)


def _relationship_parts(cohort: Cohort, block: Block, positions, at, a: int, b: int, is_peer: bool) -> dict:
    """The weights one relationship earns, by part (``points.PARTS``): the solver's score of it,
    except that a mutual nomination counts as one nomination here."""
    w, settings = cohort.weights, cohort.settings
    directions = [(a, b), (b, a)] if is_peer else [(a, b)]
    theme = sum(
        w.theme * float(block.fit[at[x], at[y]]) / float(cohort.wanted_count[positions[y]]) for x, y in directions
    )
    i, j = positions[a], positions[b]
    cross = settings.prefer_cross_organisation and cohort.org[i] != cohort.org[j]
    nominated = bool(block.nom[at[a], at[b]] or block.nom[at[b], at[a]])
    return {
        "theme": theme,
        "goals": w.goals * cohort.goals_overlap(i, j)[0],
        "cross_organisation": w.cross_organisation if cross else 0.0,
        "nomination": w.nomination if nominated else 0.0,
        "base": w.base,
    }


def evaluate_group(
    registrations: Iterable[Registration],
    form: Form | str,
    members: Sequence[Member],
    settings: MatchingSettings | None = None,
    *,
    locked: bool = False,
    locked_ids: Iterable = (),
) -> Group:
    """Score and reasons of a given group (the same scoring as ``match``), e.g. after a manual edit.

    The registrations are the whole cohort (goals similarity weighs words by the whole cohort).
    It does not check the rules: use ``check_result`` for that.
    """
    cohort = Cohort(registrations, settings or MatchingSettings())
    return evaluate_group_in(cohort, form, members, locked=locked, placed=dict.fromkeys(locked_ids, "locked"))
