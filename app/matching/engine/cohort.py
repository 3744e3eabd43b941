"""The cohort as arrays: per-person features (``Cohort``) and pairwise scores of a subset (``Block``)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from .goals import goal_tokens
from .types import (
    FORM_ORDER,
    LANGUAGE_ORDER,
    MatchingSettings,
    Mentoring,
    Peers,
    Registration,
    Role,
)


class Side:
    """Per-person attributes of the cohort indexed by ``idx`` (broadcasts with another side)."""

    def __init__(self, cohort: Cohort, idx):
        self.can_mentor = cohort.can_mentor[idx]
        self.can_aktori = cohort.can_aktori[idx]
        self.can_peer = cohort.can_peer[idx]
        self.trad = cohort.accepts_form[idx, 0]
        self.rev = cohort.accepts_form[idx, 1]
        self.group = cohort.accepts_form[idx, 2]
        self.group_mentor = cohort.accepts_form[idx, 2] & cohort.cap2[idx]


def mentoring_options(a: Side, b: Side, fit_ab, base_ok):
    """(pair_ok, group_ok): can ``a`` mentor ``b`` as a pair (traditional/reverse), in a group."""
    mentoring = base_ok & a.can_mentor & b.can_aktori
    pair = mentoring & ((a.trad & b.trad) | (a.rev & b.rev & (fit_ab > 0)))
    group = mentoring & a.group_mentor & b.group
    return pair, group


class Cohort:
    """Per-person features of all registrations (sorted by id)."""

    def __init__(self, registrations: Iterable[Registration], settings: MatchingSettings):
        regs = list(registrations)
        for r in regs:
            if not isinstance(r, Registration):
                raise TypeError("registrations must be Registration instances")
        try:
            regs.sort(key=lambda r: r.id)
        except TypeError as exc:
            raise ValueError("registration ids must be comparable with each other") from exc
        self.regs = regs
        self.index = {r.id: i for i, r in enumerate(regs)}
        if len(self.index) != len(regs):
            raise ValueError("duplicate registration id")
        self.settings = settings
        self.weights = settings.weights
        n = self.n = len(regs)

        role = [r.role for r in regs]
        self.role_mentor = np.array([x in (Role.MENTOR, Role.ANY) for x in role], bool)
        self.role_aktori = np.array([x in (Role.AKTORI, Role.ANY) for x in role], bool)
        self.role_peer = np.array([x in (Role.PEER, Role.ANY) for x in role], bool)
        # [person, form], forms in FORM_ORDER
        self.accepts_form = np.array([[f in r.forms for f in FORM_ORDER] for r in regs], bool).reshape(n, 4)
        mentoring_form = self.accepts_form[:, 0] | self.accepts_form[:, 1] | self.accepts_form[:, 2]
        self.can_mentor = self.role_mentor & mentoring_form
        self.can_aktori = self.role_aktori & mentoring_form
        self.can_peer = self.role_peer & self.accepts_form[:, 3]
        self.cap2 = np.array([r.capacity == 2 for r in regs], bool)

        themes = sorted(set().union(*(r.themes_offered | r.themes_wanted for r in regs)))
        t_index = self.theme_index = {t: k for k, t in enumerate(themes)}
        # [person, theme]: 1 where the person offers (wants) the theme
        self.offers_theme = np.zeros((n, len(themes)), np.float32)
        self.wants_theme = np.zeros((n, len(themes)), np.float32)
        for i, r in enumerate(regs):
            self.offers_theme[i, [t_index[t] for t in r.themes_offered]] = 1
            self.wants_theme[i, [t_index[t] for t in r.themes_wanted]] = 1
        self.wanted_count = np.maximum(self.wants_theme.sum(1), 1)

        languages = sorted(set().union(*(r.languages for r in regs)))
        l_index = {lang: k for k, lang in enumerate(languages)}
        # [person, language]: 1 where the person speaks it
        self.speaks = np.zeros((n, len(languages)), np.float32)
        for i, r in enumerate(regs):
            self.speaks[i, [l_index[lang] for lang in r.languages]] = 1

        organisations = {o: k for k, o in enumerate(sorted({r.organisation for r in regs}))}
        self.org = np.array([organisations[r.organisation] for r in regs], np.int64)
        self.nominee = np.array(
            [self.index.get(r.nominated, -1) if r.nominated is not None else -1 for r in regs],
            np.int64,
        )
        self.must_not: list[set[int]] = [set() for _ in regs]
        for i, r in enumerate(regs):
            for other in r.must_not_pair:
                j = self.index.get(other)
                if j is not None:
                    self.must_not[i].add(j)
                    self.must_not[j].add(i)

        # Goals: TF-IDF (sublinear tf, smooth idf) over 5-letter stems, rows L2-normalised.
        self.tokens = [goal_tokens(r.goals) for r in regs]
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, toks in enumerate(self.tokens):
            for stem, count in Counter(s for s, _ in toks).items():
                rows.append(i)
                cols.append(vocab.setdefault(stem, len(vocab)))
                vals.append(1.0 + math.log(count))
        tfidf = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float64)
        df = np.bincount(np.asarray(cols, np.int64), minlength=len(vocab))
        idf = np.log((1 + n) / (1 + df)) + 1.0
        tfidf = tfidf @ sparse.diags(idf)
        norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(1)).ravel())
        norms[norms == 0] = 1.0
        # [person, stem]: the goals text as a unit TF-IDF vector (dot product = cosine similarity)
        self.goal_vectors = sparse.csr_matrix(sparse.diags(1.0 / norms) @ tfidf)
        self.goal_vectors.sort_indices()
        self.vocab = vocab
        self._goal_weights: list[dict[str, float]] | None = None

    def side(self, idx) -> Side:
        return Side(self, idx)

    # Plain-set views used for reasons.
    def shared_languages(self, members: Sequence[int]) -> list[str]:
        common = frozenset.intersection(*(self.regs[i].languages for i in members))
        return sorted(common, key=lambda c: (LANGUAGE_ORDER.index(c) if c in LANGUAGE_ORDER else 9, c))

    def goals_overlap(self, i: int, j: int) -> tuple[float, list[str]]:
        """Cosine similarity of two goals texts and up to three shared words, weightiest first."""
        if self._goal_weights is None:
            stems = sorted(self.vocab, key=self.vocab.__getitem__)
            self._goal_weights = [
                {
                    stems[c]: v
                    for c, v in zip(
                        self.goal_vectors.indices[a:z].tolist(), self.goal_vectors.data[a:z].tolist(), strict=True
                    )
                }
                for a, z in zip(
                    self.goal_vectors.indptr[:-1].tolist(), self.goal_vectors.indptr[1:].tolist(), strict=True
                )
            ]
        wi, wj = self._goal_weights[i], self._goal_weights[j]
        shared = {stem: wi[stem] * wj[stem] for stem in wi.keys() & wj.keys()}
        similarity = min(1.0, max(0.0, sum(shared.values())))
        if similarity <= 0:
            return 0.0, []
        first_word: dict[str, str] = {}
        for stem, word in self.tokens[i]:
            first_word.setdefault(stem, word)
        ranked = sorted(shared, key=lambda stem: (-shared[stem], stem))
        return similarity, [first_word[stem] for stem in ranked[:3]]


class Block:
    """Pairwise arrays for a subset ``idx`` of the cohort (all free people, or one group)."""

    def __init__(self, cohort: Cohort, idx: Sequence[int]):
        c, w = cohort, cohort.weights
        self.cohort = cohort
        self.idx = np.asarray(idx, np.int64)
        self.pos = {int(p): k for k, p in enumerate(self.idx)}
        b = self.size = len(self.idx)
        ix = self.idx

        self.fit = (c.offers_theme[ix] @ c.wants_theme[ix].T).astype(np.int32)  # [p, q]: p offers, q wants
        cos = (c.goal_vectors[ix] @ c.goal_vectors[ix].T).toarray()
        np.clip(cos, 0.0, 1.0, out=cos)
        self.speaks = c.speaks[ix] > 0
        self.lang = (c.speaks[ix] @ c.speaks[ix].T) > 0
        self.mnp = np.zeros((b, b), bool)
        for k, p in enumerate(ix):
            for q in c.must_not[p]:
                j = self.pos.get(q)
                if j is not None:
                    self.mnp[k, j] = self.mnp[j, k] = True
        np.fill_diagonal(self.mnp, True)

        rows, cols = c.side(ix[:, None]), c.side(ix[None, :])
        base_ok = self.lang & ~self.mnp
        self.pair_ok, self.group_ok = mentoring_options(rows, cols, self.fit, base_ok)
        self.mentor_ok = self.pair_ok | self.group_ok
        self.peer_ok = base_ok & rows.can_peer & cols.can_peer

        nominee = np.array([self.pos.get(int(c.nominee[p]), -1) for p in ix], np.int64)
        nom = np.zeros((b, b), bool)
        has = nominee >= 0
        nom[np.flatnonzero(has), nominee[has]] = True
        self.nom = nom
        mutual = nom & nom.T
        self.protected = mutual & (self.pair_ok | self.pair_ok.T | self.peer_ok)
        # Few full-size temporaries: this runs on 2,000 x 2,000 arrays.
        common = cos
        common *= w.goals
        common += w.base
        if c.settings.prefer_cross_organisation:
            org = c.org[ix]
            np.add(common, w.cross_organisation, out=common, where=org[:, None] != org[None, :])
        ni, nj = np.nonzero(nom | nom.T)
        common[ni, nj] += np.where(self.protected[ni, nj], w.mutual_nomination, w.nomination)
        self.s_mentor = self.fit * (w.theme / c.wanted_count[ix])[None, :]  # [p, q]: p mentors q
        self.s_mentor += common
        self.s_peer = self.s_mentor + self.s_mentor.T  # theme both ways, common twice
        self.s_peer -= common

    def trio_ok(self, m: int, q1: int, q2: int) -> bool:
        return bool(
            self.group_ok[m, q1]
            and self.group_ok[m, q2]
            and not self.mnp[q1, q2]
            and (self.speaks[m] & self.speaks[q1] & self.speaks[q2]).any()
        )

    def unit_score(self, unit: Mentoring | Peers) -> float:
        if isinstance(unit, Peers):
            return float(self.s_peer[unit.first, unit.second])
        return float(sum(self.s_mentor[unit.mentor, q] for q in unit.aktoris))
