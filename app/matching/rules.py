"""Matching a cohort's registrations into mentoring pairs and small groups.

Pure domain code: frozen dataclasses in, frozen dataclasses out; no Flask, no database.

Entry points
------------
``match(registrations, settings, locked)``
    Suggested groups for the whole cohort at once, computed as an optimal weighted matching.
``greedy_match(...)``
    The baseline: candidate relationships sorted by score, the best feasible one taken each time.
``evaluate_group(...)``
    Score and reasons of any group (a locked one, or one the facilitator edited by hand).
``check_result(registrations, result)``
    Every rule the result breaks, in words (an empty list means none).
``group_problems(registrations_by_id, group)``
    What is wrong with one hand-made group, as reasons (``HARD_PROBLEM_CODES`` never overridable).
``describe(reason, gettext)`` / ``render(reason, gettext)``
    A reason as a message id with parameters, or as a localised sentence.

The rules
---------
Forms of mentoring and the roles in them:

* **traditional** and **reverse**: one mentor and one aktori. Both must accept the form. Reverse
  mentoring is the form where the (typically less experienced) mentor guides in their own strength,
  so it also needs a theme fit: something the mentor offers is something the aktori wants. A pair
  whose common forms include traditional is labelled traditional, otherwise reverse.
* **group**: one mentor with exactly two aktoris. The mentor has capacity 2, all three accept the
  form, the three share a language and none of them is on another's must-not-pair list.
* **peer**: two peers, each mentor in their own area and aktori in the other's. Both must wish to be
  a peer (or wish "any") and accept the peer form.

Role wishes: ``mentor`` can only be a mentor, ``aktori`` only an aktori, ``peer`` only a peer, and
``any`` whichever gives the best result for the whole cohort. A person is always used once.

Hard constraints: a shared language, forms as above, role wishes, must-not-pair (symmetric; never
broken, not even for a nomination), capacity. Locked groups are kept as they are and their members
take no part in matching.

Score of a mentor-aktori relationship (a group scores the sum of its two relationships)::

    base + theme * (share of the aktori's wanted themes the mentor offers)
         + goals * (TF-IDF cosine similarity of the two goals texts)
         + cross_organisation (only when the setting prefers cross-organisation pairs)
         + nomination bonus

A peer pair counts the theme term in both directions. The nomination bonus is ``nomination`` for a
one-sided nomination (either way) and ``Weights.mutual_nomination`` for a mutual nomination of two
people who could form a pair; that weight is derived from the others so that it dominates: a mutual
nomination is kept whenever it is possible at all.

The solver
----------
With role wish "any" and peers, who may sit on either side of a relationship, matching is a
weighted matching in a general (non-bipartite) graph; groups (a mentor with two aktoris who must
also suit each other) make it a small 3-dimensional matching problem, NP-hard in general. We use
SciPy's ``linear_sum_assignment`` on the symmetric "double cover" of the graph: an N x N matrix (one
row and one column per person, plus a second *slot* node for each mentor who can run a group) whose
entries are relationship scores, ``-inf`` where forbidden and ``0`` on the diagonal (unmatched). An
optimal permutation decomposes into 2-cycles (pairs), fixed points (unmatched) and longer cycles;
half its value bounds every feasible result from above. Even cycles split into two matchings of
equal value, so if there is no odd cycle and the slot rules hold (a slot is used only by a group
mentor whose primary node mentors the other aktori, both accept the group form and may meet
together) the relaxation is the optimum.

Otherwise, in order:

1. *Lagrangian prices* on the slot rule (a used slot needs a group-mentoring primary node): slot
   edges cost a price, the mentor's group edges earn it. Any prices >= 0 keep the relaxation an
   upper bound; a few subgradient rounds (Polyak steps) tighten it a lot.
2. *Polish*: fix every mentor's mode as in the best result so far (group mode, or the slot closed)
   and "dive": re-solve, fix every remaining broken rule by a local choice, repeat.
3. *Branch and bound*, best bound first: on an odd cycle, one child per vertex that must not be
   matched inside the cycle; on a slot conflict, either the slot is closed or the mentor is
   restricted to group mentoring (either way that mentor's price drops to zero, keeping the bound
   valid); on an invalid trio, one of the two aktoris leaves the mentor; on a lone group-only
   aktori, either they leave or the mentor must fill both slots. Every branching covers all
   feasible results, so the search is exact. Every node also yields a feasible result (the
   relaxation repaired, then a greedy fill of whoever is left).

The work is limited by a deterministic budget of assignment problems (no wall-clock limits: the
same input always gives the same result). Small cohorts (a hundred or so) are solved to proven
optimality; when the budget runs out first, the result is the best one found, never worse than
the greedy baseline (computed then, and used if it were better), with ``MatchingResult.optimal``
False and ``MatchingResult.upper_bound`` bounding the optimum. Registrations are sorted by id
first, so ties always go the same way: the lower id first, mentoring before peer mentoring.
"""
from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from app.core.msgid import N_
from app.programme.kinds import FORM_LABELS, ROLE_LABELS, Form, Role

__all__ = [
    "Form",
    "Role",
    "Registration",
    "Weights",
    "MatchingSettings",
    "Reason",
    "Member",
    "Group",
    "Unmatched",
    "MatchingResult",
    "match",
    "greedy_match",
    "evaluate_group",
    "check_result",
    "group_problems",
    "HARD_PROBLEM_CODES",
    "describe",
    "render",
    "REASON_CODES",
    "PARTICIPANT_REASON_CODES",
    "FORM_LABELS",
    "ROLE_LABELS",
    "CAUSE_LABELS",
]


# --------------------------------------------------------------------------------------------------
# Input


_FORM_ORDER = (Form.TRADITIONAL, Form.REVERSE, Form.GROUP, Form.PEER)
_MENTORING_FORMS = frozenset({Form.TRADITIONAL, Form.REVERSE, Form.GROUP})
_LANGUAGE_ORDER = ("fi", "sv", "en")


@dataclass(frozen=True)
class Registration:
    """One registrant, as matching sees them.

    Ids may be ints or strings but must be comparable with each other (they break ties). Iterables
    are turned into frozensets and strings into the enums, so lists and plain strings are accepted.
    ``capacity`` is how many aktoris the person takes when mentoring (2 = can run a group).
    ``nominated`` is the registration id of the counterpart they named, if any; unknown ids are
    ignored. ``must_not_pair`` holds registration ids; the constraint is symmetric.
    """

    id: Any
    name: str
    organisation: str
    role: Role = Role.ANY
    forms: frozenset[Form] = frozenset(_FORM_ORDER)
    themes_offered: frozenset[str] = frozenset()
    themes_wanted: frozenset[str] = frozenset()
    goals: str = ""
    languages: frozenset[str] = frozenset({"fi"})
    capacity: int = 1
    nominated: Any = None
    must_not_pair: frozenset[Any] = frozenset()

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        if isinstance(self.forms, str) or isinstance(self.languages, str):
            raise ValueError("forms and languages are collections, not a single string")
        put("role", Role(self.role))
        put("forms", frozenset(Form(f) for f in self.forms))
        put("themes_offered", frozenset(str(t) for t in self.themes_offered))
        put("themes_wanted", frozenset(str(t) for t in self.themes_wanted))
        put("languages", frozenset(lang.strip().lower() for lang in self.languages if lang.strip()))
        put("goals", self.goals or "")
        if self.capacity not in (1, 2):
            raise ValueError(f"registration {self.id!r}: capacity must be 1 or 2")
        if self.nominated is not None and self.nominated == self.id:
            raise ValueError(f"registration {self.id!r} nominates itself")
        put("must_not_pair", frozenset(x for x in self.must_not_pair if x != self.id))


@dataclass(frozen=True)
class Weights:
    """Weights of the score parts; all non-negative, ``base`` positive."""

    base: float = 1.0  # any compatible relationship: matching more people is worth more
    theme: float = 4.0  # times the share of the aktori's wanted themes that the mentor offers
    goals: float = 2.0  # times the cosine similarity of the goals texts (0..1)
    nomination: float = 5.0  # a one-sided nomination, either way
    cross_organisation: float = 1.0  # only when MatchingSettings.prefer_cross_organisation

    def __post_init__(self):
        for name in ("base", "theme", "goals", "nomination", "cross_organisation"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"weight {name} must be a finite number >= 0")
        if self.base <= 0:
            raise ValueError("weight base must be positive")

    @property
    def relationship_ceiling(self) -> float:
        """The highest score one relationship can reach without a mutual nomination."""
        return self.base + 2 * self.theme + self.goals + self.nomination + self.cross_organisation

    @property
    def mutual_nomination(self) -> float:
        """Bonus of a mutual nomination: keeping one costs at most four other relationships."""
        return 8 * self.relationship_ceiling


@dataclass(frozen=True)
class MatchingSettings:
    prefer_cross_organisation: bool = False
    weights: Weights = field(default_factory=Weights)


# --------------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class Reason:
    """A structured reason: a code from ``REASON_CODES`` and its parameters (see ``describe``)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Member:
    registration_id: Any
    role: Role  # MENTOR, AKTORI or PEER


@dataclass(frozen=True)
class Group:
    """A pair or small group. As input (a locked group) only ``form`` and ``members`` matter."""

    form: Form
    members: tuple[Member, ...]
    score: float = 0.0
    reasons: tuple[Reason, ...] = ()
    locked: bool = False

    @property
    def ids(self) -> tuple:
        return tuple(m.registration_id for m in self.members)

    @property
    def mentor(self):
        return next((m.registration_id for m in self.members if m.role == Role.MENTOR), None)

    @property
    def aktoris(self) -> tuple:
        return tuple(m.registration_id for m in self.members if m.role == Role.AKTORI)


@dataclass(frozen=True)
class Unmatched:
    registration_id: Any
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class MatchingResult:
    groups: tuple[Group, ...]  # locked groups first (as given), then suggestions by first id
    unmatched: tuple[Unmatched, ...]  # by id
    optimal: bool = False  # proven optimal (always False for greedy_match)
    upper_bound: float = math.inf  # no result for this cohort can score more
    nodes: int = 0  # branch-and-bound nodes solved

    @property
    def total_score(self) -> float:
        return float(sum(g.score for g in self.groups))

    @property
    def suggestions(self) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if not g.locked)


# --------------------------------------------------------------------------------------------------
# Reasons and their messages

# Every code, what it means, and its parameters. Messages use %(name)s placeholders (Flask-Babel).
REASON_CODES: dict[str, str] = {
    # Why a group was formed (Group.reasons)
    "form": "The form of mentoring used. params: form (Form value).",
    "shared_theme": "A theme the mentor offers and the aktori wants (peers: either way). "
    "params: themes (list), offered_by, wanted_by (names).",
    "similar_goals": "The goals texts are similar. params: words (list of shared words), "
    "similarity (0..1), between (list of two names).",
    "same_language": "The members share a language. params: language (code of the first shared "
    "language by fi, sv, en, then alphabetical), languages (all shared codes).",
    "nominated": "A member named another as their counterpart. params: by, nominee (names), "
    "mutual (bool: they named each other).",
    "cross_organisation": "The relationship crosses organisations and the programme prefers that. "
    "params: organisations (list).",
    "same_organisation": "All members are from one organisation (allowed; for information). "
    "params: organisation.",
    "locked": "The facilitator fixed the group by hand. No params.",
    "nomination_not_kept": "Someone's nomination was not followed. params: by, nominee (names), "
    "cause (a CAUSE_LABELS key). Facilitators only.",
    # Why a registration stayed unmatched (Unmatched.reasons)
    "no_form_for_role": "The forms accepted do not allow the role wished. params: role.",
    "no_compatible_counterpart": "Nobody in the cohort wishes a complementary role. params: role.",
    "no_shared_language": "No possible counterpart shares a language. params: languages (list).",
    "no_compatible_form": "No possible counterpart accepts a common form. params: forms (list).",
    "must_not_pair_blocked": "Every otherwise compatible counterpart is on a must-not-pair list "
    "(theirs or this person's). params: count.",
    "group_not_formed": "Only group mentoring fits and no valid group could be formed. No params.",
    "capacity_exhausted": "Compatible counterparts exist but the best overall result matched them "
    "with others. params: candidates (count).",
    # What is wrong with a group made or edited by hand (group_problems); facilitators only
    "wrong_shape": "The members' roles do not fit the form. params: form.",
    "role_not_wished": "A member has a role they did not wish. params: name, role (the wish).",
    "form_not_accepted": "A member does not accept the group's form. params: name, form.",
    "over_capacity": "A mentor has more aktoris than their capacity. params: name.",
    "reverse_without_theme": "Reverse mentoring without a theme fit. params: mentor, aktori (names).",
    "no_common_language": "No language shared by all members. No params.",
    "must_not_pair": "Two members must not be paired (a hard constraint). params: a, b (names).",
}

# Codes safe to show to the members of a group; the others are for facilitators.
PARTICIPANT_REASON_CODES = frozenset(
    {"form", "shared_theme", "similar_goals", "same_language", "nominated", "cross_organisation",
     "same_organisation", "locked"}
)

_TEMPLATES: dict[str, str] = {
    "form": N_("form of mentoring: %(form)s"),
    "shared_theme": N_("both: %(themes)s"),
    "similar_goals": N_("similar goals: %(words)s"),
    "same_language": N_("same language: %(language)s"),
    "nominated": N_("nominated by %(by)s"),
    "nominated/mutual": N_("%(by)s and %(nominee)s nominated each other"),
    "cross_organisation": N_("across organisations: %(organisations)s"),
    "same_organisation": N_("same organisation: %(organisation)s"),
    "locked": N_("fixed by the facilitator"),
    "nomination_not_kept": N_("nomination of %(nominee)s by %(by)s not kept: %(cause)s"),
    "no_form_for_role": N_("the forms of mentoring chosen do not allow the role wished (%(role)s)"),
    "no_compatible_counterpart": N_("nobody registered for a role that complements %(role)s"),
    "no_shared_language": N_("no possible counterpart shares a language (%(languages)s)"),
    "no_compatible_form": N_("no possible counterpart accepts the same form of mentoring (%(forms)s)"),
    "must_not_pair_blocked": N_("every compatible counterpart is excluded by a must-not-pair entry"),
    "group_not_formed": N_("only group mentoring fits, and no group could be formed"),
    "capacity_exhausted": N_(
        "compatible counterparts (%(candidates)s) were matched with others for a better overall result"
    ),
    "wrong_shape": N_("the members' roles do not fit %(form)s"),
    "role_not_wished": N_("%(name)s wished another role (%(role)s)"),
    "form_not_accepted": N_("%(name)s does not accept %(form)s"),
    "over_capacity": N_("%(name)s takes only one aktori"),
    "reverse_without_theme": N_("reverse mentoring, but %(mentor)s offers no theme %(aktori)s wants"),
    "no_common_language": N_("the members share no language"),
    "must_not_pair": N_("%(a)s and %(b)s must not be paired"),
}

CAUSE_LABELS = {
    "must_not_pair": N_("they must not be paired"),
    "no_shared_language": N_("no shared language"),
    "incompatible": N_("their roles or forms of mentoring do not fit"),
    "locked": N_("one of them is in a group fixed by the facilitator"),
    "not_registered": N_("the person nominated has not registered"),
    "better_overall": N_("a better overall result placed them elsewhere"),
}


def _identity(text: str) -> str:
    return text


def describe(
    reason: Reason,
    gettext: Callable[[str], str] = _identity,
    theme_label: Callable[[str], str] = _identity,
    language_label: Callable[[str], str] = _identity,
) -> tuple[str, dict[str, Any]]:
    """The untranslated message id for ``reason`` and its parameters, ready for ``%`` formatting.

    Lists are joined with ", "; form, role and cause values become their labels passed through
    ``gettext``; themes and languages go through ``theme_label`` and ``language_label``.
    """
    code, raw = reason.code, dict(reason.params)
    if code not in REASON_CODES:
        raise KeyError(f"unknown reason code {code!r}")
    msgid = _TEMPLATES["nominated/mutual"] if code == "nominated" and raw.get("mutual") else _TEMPLATES[code]
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "form":
            params[key] = gettext(FORM_LABELS[Form(value)])
        elif key == "forms":
            params[key] = ", ".join(gettext(FORM_LABELS[Form(v)]) for v in value)
        elif key == "role":
            params[key] = gettext(ROLE_LABELS[Role(value)])
        elif key == "cause":
            params[key] = gettext(CAUSE_LABELS[value])
        elif key == "themes":
            params[key] = ", ".join(theme_label(v) for v in value)
        elif key in ("language",):
            params[key] = language_label(value)
        elif key == "languages":
            params[key] = ", ".join(language_label(v) for v in value)
        elif key == "similarity":
            params[key] = f"{value:.2f}"
        elif isinstance(value, list | tuple | frozenset | set):
            params[key] = ", ".join(str(v) for v in value)
        else:
            params[key] = value
    return msgid, params


def render(reason: Reason, gettext: Callable[[str], str] = _identity, **labels) -> str:
    """``reason`` as one localised phrase, e.g. ``render(r, flask_babel.gettext)``."""
    msgid, params = describe(reason, gettext, **labels)
    return gettext(msgid) % params


# --------------------------------------------------------------------------------------------------
# Goals text

_STOP_WORDS = frozenset(
    """
    ja sekä tai että kuin mutta myös vaan jos kun niin koska jotta joka jotka mikä mitkä mitä miten
    miksi missä mistä mihin kuka ken tämä tuo se ne nämä nuo tämän sen niiden näiden tässä siinä
    siitä tästä tähän siihen olla olen olet olemme olette ovat oli olin olisi olisin ollut ollaan
    on ei en et emme ette eivät minä sinä hän me te he minun sinun hänen meidän teidän heidän
    mua mulle minulle minua itse oma oman omaa omia omat kanssa ilman mukaan kautta lisäksi
    erityisesti hyvin paljon vähän enemmän vielä jo nyt sitten siis esim esimerkiksi jne yms
    haluan haluaisin haluamme toivon toivoisin voisin voisi voin voida saada saan pitää tulee
    uusi uusia uutta asia asioita asioihin tapa tapoja kaikki kaikkea joitain jotain muita muut
    och att det som en ett är för med på av till den de jag vi ni han hon inte har kan vill
    skulle också eller men om så sig min mitt mina vår våra
    and the of to in for on with at by from a an is are be been being it its this that these
    those i me my we our you your he she they them their not or but if so as also would like
    want wish can could should more some any
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+")
_STEM_LENGTH = 5  # crude but robust for Finnish: johtaminen, johtamisen, johtajuus -> johta


def _goal_tokens(text: str) -> list[tuple[str, str]]:
    """(stem, word) pairs of ``text``: letters only, casefolded, stop words and short words out."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    return [(w[:_STEM_LENGTH], w) for w in words if len(w) >= 3 and w not in _STOP_WORDS]


# --------------------------------------------------------------------------------------------------
# The cohort as arrays


class _Side:
    """Per-person attributes of the cohort indexed by ``idx`` (broadcasts with another side)."""

    def __init__(self, cohort: _Cohort, idx):
        self.can_mentor = cohort.can_mentor[idx]
        self.can_aktori = cohort.can_aktori[idx]
        self.can_peer = cohort.can_peer[idx]
        self.trad = cohort.F[idx, 0]
        self.rev = cohort.F[idx, 1]
        self.group = cohort.F[idx, 2]
        self.group_mentor = cohort.F[idx, 2] & cohort.cap2[idx]


def _mentoring(a: _Side, b: _Side, fit_ab, base_ok):
    """(pair_ok, group_ok): can ``a`` mentor ``b`` as a pair (traditional/reverse), in a group."""
    mentoring = base_ok & a.can_mentor & b.can_aktori
    pair = mentoring & ((a.trad & b.trad) | (a.rev & b.rev & (fit_ab > 0)))
    group = mentoring & a.group_mentor & b.group
    return pair, group


class _Cohort:
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
        self.F = np.array([[f in r.forms for f in _FORM_ORDER] for r in regs], bool).reshape(n, 4)
        mentoring_form = self.F[:, 0] | self.F[:, 1] | self.F[:, 2]
        self.can_mentor = self.role_mentor & mentoring_form
        self.can_aktori = self.role_aktori & mentoring_form
        self.can_peer = self.role_peer & self.F[:, 3]
        self.cap2 = np.array([r.capacity == 2 for r in regs], bool)

        themes = sorted(set().union(*(r.themes_offered | r.themes_wanted for r in regs)))
        t_index = {t: k for k, t in enumerate(themes)}
        self.O = np.zeros((n, len(themes)), np.float32)
        self.Wt = np.zeros((n, len(themes)), np.float32)
        for i, r in enumerate(regs):
            self.O[i, [t_index[t] for t in r.themes_offered]] = 1
            self.Wt[i, [t_index[t] for t in r.themes_wanted]] = 1
        self.wanted_count = np.maximum(self.Wt.sum(1), 1)

        languages = sorted(set().union(*(r.languages for r in regs)))
        l_index = {lang: k for k, lang in enumerate(languages)}
        self.L = np.zeros((n, len(languages)), np.float32)
        for i, r in enumerate(regs):
            self.L[i, [l_index[lang] for lang in r.languages]] = 1

        organisations = {o: k for k, o in enumerate(sorted({r.organisation for r in regs}))}
        self.org = np.array([organisations[r.organisation] for r in regs], np.int64)
        self.nominee = np.array(
            [self.index.get(r.nominated, -1) if r.nominated is not None else -1 for r in regs],
            np.int64,
        )
        self.must_not = [set() for _ in regs]
        for i, r in enumerate(regs):
            for other in r.must_not_pair:
                j = self.index.get(other)
                if j is not None:
                    self.must_not[i].add(j)
                    self.must_not[j].add(i)

        # Goals: TF-IDF (sublinear tf, smooth idf) over 5-letter stems, rows L2-normalised.
        self.tokens = [_goal_tokens(r.goals) for r in regs]
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, toks in enumerate(self.tokens):
            for stem, count in Counter(s for s, _ in toks).items():
                rows.append(i)
                cols.append(vocab.setdefault(stem, len(vocab)))
                vals.append(1.0 + math.log(count))
        X = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float64)
        df = np.bincount(np.asarray(cols, np.int64), minlength=len(vocab))
        idf = np.log((1 + n) / (1 + df)) + 1.0
        X = X @ sparse.diags(idf)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(1)).ravel())
        norms[norms == 0] = 1.0
        self.X = sparse.csr_matrix(sparse.diags(1.0 / norms) @ X)
        self.X.sort_indices()
        self.vocab = vocab
        self._goal_weights = None

    def side(self, idx) -> _Side:
        return _Side(self, idx)

    # Plain-set views used for reasons.
    def shared_languages(self, members: Sequence[int]) -> list[str]:
        common = frozenset.intersection(*(self.regs[i].languages for i in members))
        return sorted(common, key=lambda c: (_LANGUAGE_ORDER.index(c) if c in _LANGUAGE_ORDER else 9, c))

    def goals_overlap(self, i: int, j: int) -> tuple[float, list[str]]:
        """Cosine similarity of two goals texts and up to three shared words, weightiest first."""
        if self._goal_weights is None:
            stems = sorted(self.vocab, key=self.vocab.get)
            self._goal_weights = [
                {stems[c]: v for c, v in zip(self.X.indices[a:z].tolist(), self.X.data[a:z].tolist())}
                for a, z in zip(self.X.indptr[:-1].tolist(), self.X.indptr[1:].tolist())
            ]
        wi, wj = self._goal_weights[i], self._goal_weights[j]
        shared = {stem: wi[stem] * wj[stem] for stem in wi.keys() & wj.keys()}
        similarity = min(1.0, max(0.0, sum(shared.values())))
        if similarity <= 0:
            return 0.0, []
        first_word = {}
        for stem, word in self.tokens[i]:
            first_word.setdefault(stem, word)
        ranked = sorted(shared, key=lambda stem: (-shared[stem], stem))
        return similarity, [first_word[stem] for stem in ranked[:3]]


class _Block:
    """Pairwise arrays for a subset ``idx`` of the cohort (all free people, or one group)."""

    def __init__(self, cohort: _Cohort, idx: Sequence[int]):
        c, w = cohort, cohort.weights
        self.cohort = cohort
        self.idx = np.asarray(idx, np.int64)
        self.pos = {int(p): k for k, p in enumerate(self.idx)}
        b = self.size = len(self.idx)
        ix = self.idx

        self.fit = (c.O[ix] @ c.Wt[ix].T).astype(np.int32)  # [p, q]: p offers, q wants
        cos = (c.X[ix] @ c.X[ix].T).toarray()
        np.clip(cos, 0.0, 1.0, out=cos)
        self.L = c.L[ix] > 0
        self.lang = (c.L[ix] @ c.L[ix].T) > 0
        self.mnp = np.zeros((b, b), bool)
        for k, p in enumerate(ix):
            for q in c.must_not[p]:
                j = self.pos.get(q)
                if j is not None:
                    self.mnp[k, j] = self.mnp[j, k] = True
        np.fill_diagonal(self.mnp, True)

        rows, cols = c.side(ix[:, None]), c.side(ix[None, :])
        base_ok = self.lang & ~self.mnp
        self.pair_ok, self.group_ok = _mentoring(rows, cols, self.fit, base_ok)
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
            and (self.L[m] & self.L[q1] & self.L[q2]).any()
        )

    def unit_score(self, unit) -> float:
        if unit[0] == "p":
            return float(self.s_peer[unit[1], unit[2]])
        return float(sum(self.s_mentor[unit[1], q] for q in unit[2]))


# Units (block positions): ("m", mentor, (aktori,) or (aktori, aktori)) or ("p", peer, peer).


# --------------------------------------------------------------------------------------------------
# Greedy: the baseline, and the fill step of the repair heuristic

_CHUNK = 4096


class _Candidates:
    """Every feasible relationship of a block, best first (ties: lower positions first)."""

    def __init__(self, block: _Block):
        mu, mv = np.nonzero(block.mentor_ok)
        pu, pv = np.nonzero(np.triu(block.peer_ok, 1))
        self.u = np.concatenate([mu, pu])
        self.v = np.concatenate([mv, pv])
        self.peer = np.concatenate([np.zeros(len(mu), bool), np.ones(len(pu), bool)])
        score = np.concatenate([block.s_mentor[mu, mv], block.s_peer[pu, pv]])
        order = np.lexsort((self.peer, self.v, self.u, -score))
        self.u, self.v, self.peer, self.score = self.u[order], self.v[order], self.peer[order], score[order]


def _fill(block: _Block, candidates: _Candidates, units: list) -> list:
    """Extend ``units`` greedily: the best candidate that keeps every unit valid, until none is left."""
    b = block.size
    used = np.zeros(b, bool)
    units = [u for u in units]
    open_group = {}  # mentor -> unit index, for a mentor with one aktori who could take a second
    for k, unit in enumerate(units):
        if unit[0] == "p":
            used[[unit[1], unit[2]]] = True
        else:
            used[unit[1]] = True
            used[list(unit[2])] = True
            if len(unit[2]) == 1 and block.group_ok[unit[1], unit[2][0]]:
                open_group[unit[1]] = k
    is_open = np.zeros(b, bool)
    if open_group:
        is_open[list(open_group)] = True
    cu, cv, cpeer = candidates.u, candidates.v, candidates.peer
    for start in range(0, len(cu), _CHUNK):
        if used.all():
            break
        u, v, peer = cu[start:start + _CHUNK], cv[start:start + _CHUNK], cpeer[start:start + _CHUNK]
        live = ~used[v] & (~used[u] | (~peer & is_open[u]))
        for t in np.flatnonzero(live).tolist():
            x, y = int(u[t]), int(v[t])
            if used[y]:
                continue
            if peer[t]:
                if not used[x]:
                    units.append(("p", x, y))
                    used[x] = used[y] = True
            elif not used[x]:
                if block.pair_ok[x, y]:
                    units.append(("m", x, (y,)))
                    used[x] = used[y] = True
                    if block.group_ok[x, y]:
                        open_group[x] = len(units) - 1
                        is_open[x] = True
            elif is_open[x]:
                k = open_group[x]
                q1 = units[k][2][0]
                if block.trio_ok(x, q1, y):
                    units[k] = ("m", x, (q1, y))
                    used[y] = True
                    del open_group[x]
                    is_open[x] = False
    return units


# --------------------------------------------------------------------------------------------------
# The exact solver: LSA relaxation on the double cover, branch and bound


@dataclass(frozen=True)
class _Node:
    forbid: frozenset = frozenset()  # node pairs (u, v), u < v, that must not be matched
    closed: frozenset = frozenset()  # slot nodes that must stay unmatched
    forced: frozenset = frozenset()  # nodes that must be matched
    restricted: frozenset = frozenset()  # people who may only mentor a group (primary node)

    def child(self, forbid=(), closed=(), forced=(), restricted=()) -> _Node | None:
        node = _Node(
            self.forbid | {(min(u, v), max(u, v)) for u, v in forbid},
            self.closed | set(closed),
            self.forced | set(forced),
            self.restricted | set(restricted),
        )
        return None if node.closed & node.forced else node


class _Solver:
    def __init__(self, block: _Block, candidates: _Candidates):
        self.block, self.candidates = block, candidates
        b = self.b = block.size
        cohort = block.cohort
        group_mentor = cohort.F[block.idx, 2] & cohort.cap2[block.idx]
        self.slot_person = np.flatnonzero(group_mentor & block.group_ok.any(1))
        self.slot_of = {int(p): b + k for k, p in enumerate(self.slot_person)}
        self.N = b + len(self.slot_person)

        self.mentor_weights = np.where(block.mentor_ok, block.s_mentor, -np.inf)
        self.peer_weights = np.where(block.peer_ok, block.s_peer, -np.inf)
        sp = self.slot_person
        self.slot_weights = np.where(block.group_ok[sp], block.s_mentor[sp], -np.inf)
        self.prices = self.base_prices = self.W0 = self._unpriced = None

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

    def matrix(self, node: _Node) -> np.ndarray:
        if node == _Node():
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

    def relation(self, node: _Node, u: int, v: int):
        b = self.b
        if u >= b:
            return ("m", int(self.slot_person[u - b]), v, True)
        if v >= b:
            return ("m", int(self.slot_person[v - b]), u, True)
        if u in node.restricted:
            return ("m", u, v, False)
        if v in node.restricted:
            return ("m", v, u, False)
        r = self.rel[u, v]
        if r == 0:
            return ("m", u, v, False)
        if r == 1:
            return ("m", v, u, False)
        return ("p", u, v)

    def solve(self, node: _Node):
        """The relaxation of ``node``: (bound, matched node pairs, odd cycles, W, permutation).

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
        perm = perm.tolist()
        seen = [False] * self.N
        edges, odd = [], []
        for start in range(self.N):
            if seen[start]:
                continue
            cycle, j = [], start
            while not seen[j]:
                seen[j] = True
                cycle.append(j)
                j = perm[j]
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
        return value / 2.0, edges, odd, W, perm

    # -- reading a node's matching as units -------------------------------------------------------

    def interpret(self, node: _Node, edges, odd=()):
        """Units of a node-level matching (the valid ones) and every rule it breaks.

        People on an odd cycle are not in ``edges``; a lone aktori whose mentor's other node is on
        one is left to the odd-cycle branching (branching on it would not exclude this solution).
        """
        block = self.block
        on_cycle = {v for cycle in odd for v in cycle}
        mentors: dict[int, dict] = {}
        busy = set()  # people whose primary node is used as aktori or peer
        units = []
        for u, v in edges:
            rel = self.relation(node, u, v)
            if rel[0] == "p":
                units.append(("p", min(rel[1], rel[2]), max(rel[1], rel[2])))
                busy.update((rel[1], rel[2]))
            else:
                _, m, a, via_slot = rel
                mentors.setdefault(m, {})["slot" if via_slot else "primary"] = a
                busy.add(a)
        violations = []
        for m in sorted(mentors):
            q1, q2 = mentors[m].get("primary"), mentors[m].get("slot")
            if q2 is not None and (m in busy or (q1 is not None and not block.group_ok[m, q1])):
                violations.append(("slot", m))
            elif q1 is not None and q2 is not None:
                if block.trio_ok(m, q1, q2):
                    units.append(("m", m, (q1, q2)))
                else:
                    violations.append(("trio", m, q1, q2))
            else:
                q = q1 if q1 is not None else q2
                if block.pair_ok[m, q]:
                    units.append(("m", m, (q,)))
                elif m not in on_cycle and self.slot_of.get(m) not in on_cycle:
                    violations.append(("one", m, q))
        return units, violations

    def branch(self, node: _Node, violation) -> list[_Node]:
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
            s = slot_of.get(m)
            if s is None:
                children = [node.child(forbid=[(m, q)])]
            else:
                children = [
                    node.child(forbid=[(m, q), (s, q)]),
                    node.child(forced=[m, s], restricted=[m]),
                ]
        else:  # odd cycle: in any matching some vertex of it is not matched inside it
            cycle = violation[1]
            children = [
                node.child(forbid=[(v, w) for w in cycle if w != v]) for v in cycle
            ]
        children = [c for c in children if c is not None]
        if node in children:  # would loop; every violation raised excludes the current solution
            raise RuntimeError(f"branching on {violation} does not progress")
        return children

    # -- a feasible result from an infeasible relaxation ------------------------------------------

    def repair(self, node: _Node, edges, odd, W) -> list:
        block = self.block
        edges = list(edges)
        for cycle in odd:  # best matching of the cycle with one vertex left out
            edges.extend(_cycle_without_one(cycle, W)[1])
        rels = [self.relation(node, u, v) for u, v in edges]
        primary_use = {}  # person -> index of the relation that uses their primary node
        slot_rel = {}
        for k, rel in enumerate(rels):
            if rel[0] == "p":
                primary_use[rel[1]] = primary_use[rel[2]] = k
            else:
                _, m, a, via_slot = rel
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
            if rel[0] == "m" and rel[1] == m and block.group_ok[m, rel[2]]:
                continue  # a proper group; checked below
            alone = block.s_mentor[m, rels[k][2]] if block.pair_ok[m, rels[k][2]] else 0.0
            if alone > W[edges[j][0], edges[j][1]]:
                dropped.add(j)
            else:
                dropped.add(k)
        units, mentors = [], {}
        for k, rel in enumerate(rels):
            if k in dropped:
                continue
            if rel[0] == "p":
                units.append(("p", min(rel[1], rel[2]), max(rel[1], rel[2])))
            else:
                mentors.setdefault(rel[1], []).append(rel[2])
        for m, aktoris in sorted(mentors.items()):
            aktoris = sorted(aktoris)
            if len(aktoris) == 2 and block.trio_ok(m, *aktoris):
                units.append(("m", m, tuple(aktoris)))
                continue
            singles = [q for q in aktoris if block.pair_ok[m, q]]
            if singles:
                q = max(singles, key=lambda q: (block.s_mentor[m, q], -q))
                units.append(("m", m, (q,)))
        return _fill(block, self.candidates, units)

    def dive(self, node: _Node, solved, steps: int):
        """Primal heuristic: fix every broken rule at once by a local choice, re-solve, repeat.

        Returns (units, LSA solves used). Slot conflicts close the slot when the primary node's
        relationship is worth at least the slot's, else restrict the mentor to group mentoring;
        an invalid trio loses its weaker aktori; a lone group-only aktori leaves the mentor; an odd
        cycle loses the vertex whose absence costs least.
        """
        block = self.block
        best, best_value, used = [], -math.inf, 0
        if solved is None:
            solved, used = self.solve(node), 1
            if solved is None:
                return best, used
        while True:
            _, edges, odd, W, _ = solved
            units, violations = self.interpret(node, edges, odd)
            if not violations and not odd:
                units = _fill(block, self.candidates, units)
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
                    w_primary = W[m, partner[m]] if m in partner else 0.0
                    if w_primary >= W[s, partner[s]]:
                        closed.append(s)
                    else:
                        restricted.append(m)
                elif kind == "trio":
                    q1, q2 = violation[2:]
                    weaker = q1 if (block.s_mentor[m, q1], -q1) < (block.s_mentor[m, q2], -q2) else q2
                    forbid += [(m, weaker), (s, weaker)]
                elif m in node.restricted and s not in node.forced:  # no second aktori: pair mode
                    restricted_out.append(m)
                    closed.append(s)
                else:
                    q = violation[2]
                    forbid += [(m, q)] + ([(s, q)] if s is not None else [])
            for cycle in odd:
                v = _cycle_without_one(cycle, W)[0]
                forbid += [(v, w) for w in cycle if w != v]
            if restricted_out:
                node = _Node(node.forbid, node.closed, node.forced, node.restricted - set(restricted_out))
            child = node.child(forbid=forbid, closed=closed, restricted=restricted)
            if child is None or child == node:
                return best, used
            used += 1
            solved_child = self.solve(child)
            if solved_child is None:
                return best, used
            node, solved = child, solved_child

    # -- branch and bound ----------------------------------------------------------------------

    def subgradient(self, node: _Node, perm: list[int]) -> np.ndarray:
        """Per person: slot used (1) minus primary mentoring a group-capable aktori (1)."""
        block, b = self.block, self.b
        g = np.zeros(b)
        for k, m in enumerate(self.slot_person.tolist()):
            s = b + k
            q = perm[m]
            primary_group = (
                q != m and q < b and self.relation(node, m, q)[:2] == ("m", m) and block.group_ok[m, q]
            )
            g[m] = float(perm[s] != s) - float(primary_group)
        return g

    def modes_of(self, units) -> _Node:
        """A node fixing every group mentor's mode as in ``units``: group mode for those running
        a group, the slot closed for everyone else."""
        grouped = {u[1] for u in units if u[0] == "m" and len(u[2]) == 2}
        return _Node(
            closed=frozenset(self.slot_of[m] for m in self.slot_person.tolist() if m not in grouped),
            restricted=frozenset(grouped),
        )

    def node_prices(self, node: _Node) -> np.ndarray | None:
        """The base prices, zero for mentors whose slot is decided (closed, or group mode)."""
        if self.base_prices is None:
            return None
        prices = self.base_prices.copy()
        for m in node.restricted:
            prices[m] = 0.0
        for slot in node.closed:
            prices[self.slot_person[slot - self.b]] = 0.0
        return prices

    def slack(self, node: _Node, edges) -> int | None:
        """A priced mentor whose group-mentoring primary node goes without a used slot."""
        if self.prices is None:
            return None
        used = {u for edge in edges for u in edge}
        for u, v in edges:
            rel = self.relation(node, u, v)
            if rel[0] == "m" and not rel[3]:
                m = rel[1]
                if self.prices[m] > 0 and self.block.group_ok[m, rel[2]] and self.slot_of[m] not in used:
                    return m
        return None

    def run(self, max_nodes: int):
        """Exact root; Lagrangian prices and a dive for a good result; then branch and bound.

        Returns (units, value, proven optimal, upper bound, assignment problems solved).
        ``max_nodes`` bounds the number of assignment problems, so the result is deterministic.
        """
        block = self.block

        def close_enough(value, bound):
            return bound <= value + 1e-9 * max(1.0, abs(value))

        root = _Node()
        prices = np.zeros(self.b)
        self.set_prices(None)
        solved = self.solve(root)
        nodes = 1
        units, violations = self.interpret(root, solved[1], solved[2])
        if not violations and not solved[2] and self.slack(root, solved[1]) is None:
            value = sum(block.unit_score(u) for u in units)
            return units, value, True, value, nodes
        incumbent = self.repair(root, *solved[1:4])
        incumbent_value = sum(block.unit_score(u) for u in incumbent)
        upper = solved[0]

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
        best_solved, last = solved, solved
        for _ in range(rounds):
            if close_enough(incumbent_value, upper):
                break
            g = self.subgradient(root, last[4])
            g[(prices <= 0) & (g < 0)] = 0.0
            norm = float((g * g).sum())
            if norm == 0:
                break
            prices = np.maximum(0.0, prices + 0.5 * (last[0] - incumbent_value) / norm * g)
            self.set_prices(prices)
            last = self.solve(root)
            nodes += 1
            better(self.repair(root, *last[1:4]))
            if last[0] < upper:
                upper, best_solved, self.base_prices = last[0], last, prices.copy()
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
            return incumbent, incumbent_value, True, upper, nodes

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
            if node == root:
                node_solved = best_solved
            else:
                node_solved = self.solve(node)
                nodes += 1
            if node_solved is None:
                continue
            bound, edges, odd, W, _ = node_solved
            if close_enough(incumbent_value, bound):
                continue
            units, violations = self.interpret(node, edges, odd)
            if not violations and not odd:
                better(units)
                m = self.slack(node, edges)
                if m is None or close_enough(incumbent_value, bound):
                    continue
                children = [node.child(closed=[self.slot_of[m]]), node.child(restricted=[m])]
                children = [c for c in children if c is not None]
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
            return incumbent, incumbent_value, True, incumbent_value, nodes
        upper = min(upper, max(incumbent_value, -heap[0][0]))
        return incumbent, incumbent_value, False, upper, nodes


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


# --------------------------------------------------------------------------------------------------
# Building the result


class _Context:
    def __init__(self, registrations, settings, locked):
        self.settings = settings or MatchingSettings()
        self.cohort = _Cohort(registrations, self.settings)
        cohort = self.cohort
        self.locked_groups = []
        self.locked_ids = set()
        for group in locked or ():
            for member in group.members:
                if member.registration_id not in cohort.index:
                    raise ValueError(f"locked group member {member.registration_id!r} is not registered")
                if member.registration_id in self.locked_ids:
                    raise ValueError(f"{member.registration_id!r} is in two locked groups")
                self.locked_ids.add(member.registration_id)
            self.locked_groups.append(group)
        free = [i for i, r in enumerate(cohort.regs) if r.id not in self.locked_ids]
        self.block = _Block(cohort, free)

    def locked_result(self) -> list[Group]:
        return [
            evaluate_group_in(self.cohort, g.form, g.members, locked=True, locked_ids=self.locked_ids)
            for g in self.locked_groups
        ]

    def result(self, units, optimal, upper, nodes) -> MatchingResult:
        block, cohort = self.block, self.cohort
        groups = self.locked_result()
        matched = set()
        suggestions = []
        for unit in units:
            if unit[0] == "p":
                members = (Member(cohort.regs[block.idx[unit[1]]].id, Role.PEER),
                           Member(cohort.regs[block.idx[unit[2]]].id, Role.PEER))
                form = Form.PEER
                matched.update((unit[1], unit[2]))
            else:
                m, aktoris = unit[1], sorted(unit[2])
                members = (Member(cohort.regs[block.idx[m]].id, Role.MENTOR),) + tuple(
                    Member(cohort.regs[block.idx[q]].id, Role.AKTORI) for q in aktoris
                )
                if len(aktoris) == 2:
                    form = Form.GROUP
                else:
                    form = Form.TRADITIONAL if cohort.F[block.idx[m], 0] and cohort.F[block.idx[aktoris[0]], 0] else Form.REVERSE
                matched.add(m)
                matched.update(aktoris)
            group = evaluate_group_in(cohort, form, members, locked_ids=self.locked_ids, block=block)
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
            tuple(groups), tuple(unmatched), optimal=optimal,
            upper_bound=float(max(total, upper + locked_total)), nodes=nodes,
        )

    def unmatched_reasons(self, k: int) -> tuple[Reason, ...]:
        block, cohort = self.block, self.cohort
        i = int(block.idx[k])
        r = cohort.regs[i]
        reasons = []
        me, them = cohort.side(i), cohort.side(block.idx)
        complement = (
            (cohort.role_mentor[i] & cohort.role_aktori[block.idx])
            | (cohort.role_aktori[i] & cohort.role_mentor[block.idx])
            | (cohort.role_peer[i] & cohort.role_peer[block.idx])
        )
        complement[k] = False
        lang = block.lang[k] & complement
        pair_ab, group_ab = _mentoring(me, them, block.fit[k], lang)
        pair_ba, group_ba = _mentoring(them, me, block.fit[:, k], lang)
        peer = lang & me.can_peer & them.can_peer
        forms = pair_ab | group_ab | pair_ba | group_ba | peer
        allowed = forms & ~block.mnp[k]
        if not (me.can_mentor | me.can_aktori | me.can_peer):
            reasons.append(Reason("no_form_for_role", {"role": r.role.value}))
        elif not complement.any():
            reasons.append(Reason("no_compatible_counterpart", {"role": r.role.value}))
        elif not lang.any():
            reasons.append(Reason("no_shared_language", {"languages": sorted(r.languages)}))
        elif not forms.any():
            reasons.append(Reason("no_compatible_form", {
                "forms": [f.value for f in _FORM_ORDER if f in r.forms]}))
        elif not allowed.any():
            reasons.append(Reason("must_not_pair_blocked", {"count": int(forms.sum())}))
        elif not (allowed & (pair_ab | pair_ba | peer)).any():
            reasons.append(Reason("group_not_formed"))
        else:
            reasons.append(Reason("capacity_exhausted", {"candidates": int(allowed.sum())}))
        reasons.extend(_nomination_not_kept(cohort, [i], self.locked_ids))
        return tuple(reasons)


def _nomination_not_kept(cohort: _Cohort, members: Sequence[int], locked_ids) -> list[Reason]:
    reasons = []
    for i in members:
        r = cohort.regs[i]
        if r.nominated is None:
            continue
        j = cohort.index.get(r.nominated)
        if j is None:
            reasons.append(Reason("nomination_not_kept", {
                "by": r.name, "nominee": str(r.nominated), "cause": "not_registered"}))
            continue
        if j in members:
            continue
        other = cohort.regs[j]
        a, b = cohort.side(i), cohort.side(j)
        pair_ab, group_ab = _mentoring(a, b, cohort.O[i] @ cohort.Wt[j], True)
        pair_ba, group_ba = _mentoring(b, a, cohort.O[j] @ cohort.Wt[i], True)
        if r.id in locked_ids or other.id in locked_ids:
            cause = "locked"
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


def evaluate_group_in(cohort: _Cohort, form, members, *, locked=False, locked_ids=(), block=None) -> Group:
    """Score and reasons of a group; ``block`` (holding all members) saves building a small one."""
    form = Form(form)
    members = tuple(Member(m.registration_id, Role(m.role)) for m in members)
    try:
        positions = [cohort.index[m.registration_id] for m in members]
    except KeyError as exc:
        raise ValueError(f"group member {exc.args[0]!r} is not registered") from None
    if block is None or any(p not in block.pos for p in positions):
        block = _Block(cohort, positions)
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
    for a, b, is_peer in relationships:
        score += float(block.s_peer[at[a], at[b]] if is_peer else block.s_mentor[at[a], at[b]])
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
                reasons.append(Reason("shared_theme", {
                    "themes": themes, "offered_by": regs[x].name, "wanted_by": regs[y].name}))
    for a, b, _ in relationships:
        similarity, words = cohort.goals_overlap(positions[a], positions[b])
        if similarity >= 0.1 and words:
            reasons.append(Reason("similar_goals", {
                "words": words, "similarity": round(similarity, 2), "between": [regs[a].name, regs[b].name]}))
    languages = cohort.shared_languages(positions)
    if languages:
        reasons.append(Reason("same_language", {"language": languages[0], "languages": languages}))
    organisations = sorted({r.organisation for r in regs})
    if len(organisations) == 1:
        reasons.append(Reason("same_organisation", {"organisation": organisations[0]}))
    elif cohort.settings.prefer_cross_organisation:
        reasons.append(Reason("cross_organisation", {"organisations": organisations}))
    reasons.extend(_nomination_not_kept(cohort, positions, locked_ids))
    return Group(form, members, score, tuple(reasons), locked)


# --------------------------------------------------------------------------------------------------
# Public functions


def match(
    registrations: Iterable[Registration],
    settings: MatchingSettings | None = None,
    locked: Sequence[Group] = (),
    *,
    max_nodes: int | None = None,
) -> MatchingResult:
    """Suggested pairs and groups for the whole cohort (see the module docstring for the rules).

    ``locked`` groups are kept as they are (re-scored, ``locked=True``) and their members take no
    part. ``max_nodes`` bounds the branch-and-bound search (default: by cohort size).
    """
    context = _Context(registrations, settings, locked)
    block = context.block
    if block.size == 0:
        return context.result([], True, 0.0, 0)
    candidates = _Candidates(block)
    solver = _Solver(block, candidates)
    limit = max_nodes if max_nodes is not None else _default_node_limit(solver.N)
    units, value, optimal, upper, nodes = solver.run(max(1, limit))
    if not optimal:
        greedy_units = _fill(block, candidates, [])
        if sum(block.unit_score(u) for u in greedy_units) > value:
            units = greedy_units
    return context.result(units, optimal, upper, nodes)


def greedy_match(
    registrations: Iterable[Registration],
    settings: MatchingSettings | None = None,
    locked: Sequence[Group] = (),
) -> MatchingResult:
    """Baseline: candidate relationships by score, best first; take each that keeps all rules."""
    context = _Context(registrations, settings, locked)
    if context.block.size == 0:
        return context.result([], False, math.inf, 0)
    units = _fill(context.block, _Candidates(context.block), [])
    return context.result(units, False, math.inf, 0)


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
    cohort = _Cohort(registrations, settings or MatchingSettings())
    return evaluate_group_in(cohort, form, members, locked=locked, locked_ids=set(locked_ids))


def check_result(registrations: Iterable[Registration], result: MatchingResult) -> list[str]:
    """Every rule ``result`` breaks, in words; ``[]`` if none. Locked groups are checked too.

    Checks: known and unique members, everyone placed (in a group or unmatched), group shapes,
    role wishes, capacity, forms accepted by every member (reverse needs a theme fit), a language
    shared by all members, must-not-pair, and mutual nominations dropped although the two could
    have formed a pair and neither is in a locked group.
    """
    regs = {r.id: r for r in registrations}
    problems: list[str] = []
    where: dict[Any, str] = {}
    locked_ids = set()

    def place(rid, label):
        if rid not in regs:
            problems.append(f"{label}: {rid!r} is not a registration")
        elif rid in where:
            problems.append(f"{label}: {rid!r} is also in {where[rid]}")
        else:
            where[rid] = label

    for number, group in enumerate(result.groups, 1):
        label = f"group {number} ({', '.join(map(str, group.ids))})"
        for member in group.members:
            place(member.registration_id, label)
            if group.locked:
                locked_ids.add(member.registration_id)
        members = [(regs[m.registration_id], m.role) for m in group.members if m.registration_id in regs]
        if len(members) != len(group.members):
            continue
        roles = Counter(role for _, role in members)
        shape = {
            Form.TRADITIONAL: {Role.MENTOR: 1, Role.AKTORI: 1},
            Form.REVERSE: {Role.MENTOR: 1, Role.AKTORI: 1},
            Form.GROUP: {Role.MENTOR: 1, Role.AKTORI: 2},
            Form.PEER: {Role.PEER: 2},
        }[group.form]
        if dict(roles) != shape:
            problems.append(f"{label}: {group.form.value} needs {shape}, has {dict(roles)}")
        allowed_roles = {Role.MENTOR: (Role.MENTOR, Role.ANY), Role.AKTORI: (Role.AKTORI, Role.ANY),
                         Role.PEER: (Role.PEER, Role.ANY)}
        for r, role in members:
            if role not in allowed_roles or r.role not in allowed_roles[role]:
                problems.append(f"{label}: {r.id!r} wished {r.role.value}, not {role.value}")
            if group.form not in r.forms:
                problems.append(f"{label}: {r.id!r} does not accept {group.form.value}")
        mentor = next((r for r, role in members if role == Role.MENTOR), None)
        aktoris = [r for r, role in members if role == Role.AKTORI]
        if group.form == Form.GROUP and mentor is not None and mentor.capacity < len(aktoris):
            problems.append(f"{label}: mentor {mentor.id!r} has capacity {mentor.capacity}")
        if group.form == Form.REVERSE and mentor is not None:
            for a in aktoris:
                if not mentor.themes_offered & a.themes_wanted:
                    problems.append(f"{label}: reverse, but {mentor.id!r} offers nothing {a.id!r} wants")
        if not frozenset.intersection(*(r.languages for r, _ in members)):
            problems.append(f"{label}: no language shared by all members")
        for k, (x, _) in enumerate(members):
            for y, _ in members[k + 1:]:
                if y.id in x.must_not_pair or x.id in y.must_not_pair:
                    problems.append(f"{label}: {x.id!r} and {y.id!r} must not be paired")
    for entry in result.unmatched:
        place(entry.registration_id, "the unmatched list")
    for rid in regs:
        if rid not in where:
            problems.append(f"{rid!r} is neither in a group nor listed as unmatched")
    for x in regs.values():
        y = regs.get(x.nominated) if x.nominated is not None else None
        if y is None or y.nominated != x.id or not (x.id < y.id):
            continue
        if x.id in locked_ids or y.id in locked_ids:
            continue
        if where.get(x.id) == where.get(y.id) and where.get(x.id, "").startswith("group"):
            continue
        if _could_pair(x, y):
            problems.append(f"mutual nomination of {x.id!r} and {y.id!r} dropped although they could pair")
    return problems


#: Problems a facilitator cannot override.
HARD_PROBLEM_CODES = frozenset({"must_not_pair"})

_SHAPES = {
    Form.TRADITIONAL: {Role.MENTOR: 1, Role.AKTORI: 1},
    Form.REVERSE: {Role.MENTOR: 1, Role.AKTORI: 1},
    Form.GROUP: {Role.MENTOR: 1, Role.AKTORI: 2},
    Form.PEER: {Role.PEER: 2},
}


def group_problems(registrations: Mapping[Any, Registration], group: Group) -> tuple[Reason, ...]:
    """What is wrong with one group (made or edited by hand), as reasons the facilitator reads.

    The same rules as ``check_result`` for one group; ``registrations`` maps ids to every
    member's registration. Codes in ``HARD_PROBLEM_CODES`` may never be overridden.
    """
    members = [(registrations[m.registration_id], Role(m.role)) for m in group.members]
    form = Form(group.form)
    problems: list[Reason] = []
    if dict(Counter(role for _, role in members)) != _SHAPES[form]:
        problems.append(Reason("wrong_shape", {"form": form.value}))
    for r, role in members:
        if r.role not in (role, Role.ANY):
            problems.append(Reason("role_not_wished", {"name": r.name, "role": r.role.value}))
        if form not in r.forms:
            problems.append(Reason("form_not_accepted", {"name": r.name, "form": form.value}))
    mentor = next((r for r, role in members if role == Role.MENTOR), None)
    aktoris = [r for r, role in members if role == Role.AKTORI]
    if mentor is not None and len(aktoris) > mentor.capacity:
        problems.append(Reason("over_capacity", {"name": mentor.name}))
    if form == Form.REVERSE and mentor is not None:
        for a in aktoris:
            if not mentor.themes_offered & a.themes_wanted:
                problems.append(Reason("reverse_without_theme", {"mentor": mentor.name, "aktori": a.name}))
    if members and not frozenset.intersection(*(r.languages for r, _ in members)):
        problems.append(Reason("no_common_language"))
    for k, (x, _) in enumerate(members):
        for y, _ in members[k + 1:]:
            if y.id in x.must_not_pair or x.id in y.must_not_pair:
                problems.append(Reason("must_not_pair", {"a": x.name, "b": y.name}))
    return tuple(problems)


def _could_pair(x: Registration, y: Registration) -> bool:
    """Whether two registrations could form a pair on their own (independent of the solver)."""
    if not x.languages & y.languages or y.id in x.must_not_pair or x.id in y.must_not_pair:
        return False

    def mentors(m: Registration, a: Registration) -> bool:
        if m.role not in (Role.MENTOR, Role.ANY) or a.role not in (Role.AKTORI, Role.ANY):
            return False
        common = m.forms & a.forms
        return Form.TRADITIONAL in common or (
            Form.REVERSE in common and bool(m.themes_offered & a.themes_wanted)
        )

    peers = (x.role in (Role.PEER, Role.ANY) and y.role in (Role.PEER, Role.ANY)
             and Form.PEER in x.forms and Form.PEER in y.forms)
    return mentors(x, y) or mentors(y, x) or peers
