"""What the matcher takes and gives: registrations, settings, groups, reasons, results.

Frozen dataclasses, plus the NamedTuples the solver passes between its steps (``Mentoring`` and
``Peers`` units, ``Relation`` and ``Relaxation``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from app.programme.kinds import Form, Role

# Input


FORM_ORDER = (Form.TRADITIONAL, Form.REVERSE, Form.GROUP, Form.PEER)  # column order of Cohort.accepts_form
LANGUAGE_ORDER = ("fi", "sv", "en")  # which shared language a reason names first


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
    forms: frozenset[Form] = frozenset(FORM_ORDER)
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
# Units: the solver's groups, as block positions (see cohort.Block)


class Mentoring(NamedTuple):
    """``mentor`` mentors one aktori (a pair) or two (a group)."""

    mentor: int
    aktoris: tuple[int, ...]


class Peers(NamedTuple):
    """Two peers; as a unit the lower position comes first."""

    first: int
    second: int
