"""Pure rules of the evaluation: when a survey is open, what its questions are, what an answer
must hold, what staff may see of the answers (the k ≥ 5 rule of ``core.anonymity``), the pair's
check-in trend and the themes wanted against those offered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import mean
from typing import Any

from app.core.anonymity import enough, shown_slices

MIDPOINT, CLOSING = "midpoint", "closing"
KINDS = (MIDPOINT, CLOSING)
SCALE, TEXT = "scale", "text"
SCALE_VALUES = (1, 2, 3, 4, 5)
LANGUAGES = ("fi", "sv", "en")
TEXT_MAX = 4000
QUESTION_MAX = 500
OPEN_DAYS = 21  # how long a survey stays open
CLOSING_REMINDER_DAYS = 3  # the second reminder goes in the survey's last three days

# The default questions, drawn from mentoring-programme evaluation practice: goals, the
# relationship, the material, sparring groups, events, recommending; scales and free text.
DEFAULT_QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "id": "goals",
        "kind": SCALE,
        "text": {
            "fi": "Olen edennyt kohti tavoitteitani, jotka asetin ohjelmalle.",
            "sv": "Jag har kommit närmare de mål jag satte för programmet.",
            "en": "I have moved towards the goals I set for the programme.",
        },
    },
    {
        "id": "relationship",
        "kind": SCALE,
        "text": {
            "fi": "Mentorointisuhteemme on ollut luottamuksellinen ja toimiva.",
            "sv": "Vår mentorrelation har varit förtroendefull och fungerande.",
            "en": "Our mentoring relationship has been trusting and has worked well.",
        },
    },
    {
        "id": "material",
        "kind": SCALE,
        "text": {
            "fi": "Perehdytysmateriaali ja vinkit olivat hyödyllisiä.",
            "sv": "Introduktionsmaterialet och tipsen var till nytta.",
            "en": "The onboarding material and tips were useful.",
        },
    },
    {
        "id": "sparring",
        "kind": SCALE,
        "text": {
            "fi": "Sparrausryhmä tuki oppimistani.",
            "sv": "Sparringgruppen stödde mitt lärande.",
            "en": "The sparring group supported my learning.",
        },
    },
    {
        "id": "events",
        "kind": SCALE,
        "text": {
            "fi": "Ohjelman yhteiset tilaisuudet olivat hyödyllisiä.",
            "sv": "Programmets gemensamma evenemang var till nytta.",
            "en": "The programme's joint events were useful.",
        },
    },
    {
        "id": "recommend",
        "kind": SCALE,
        "text": {
            "fi": "Suosittelisin ohjelmaa kollegalleni.",
            "sv": "Jag skulle rekommendera programmet till en kollega.",
            "en": "I would recommend the programme to a colleague.",
        },
    },
    {
        "id": "improve",
        "kind": TEXT,
        "text": {
            "fi": "Mitä ohjelmassa kannattaisi kehittää?",
            "sv": "Vad borde utvecklas i programmet?",
            "en": "What should be improved in the programme?",
        },
    },
)


def default_questions() -> list[dict[str, Any]]:
    return [{"id": q["id"], "kind": q["kind"], "text": dict(q["text"])} for q in DEFAULT_QUESTIONS]


@dataclass(frozen=True)
class Window:
    opens: date
    closes: date  # the last day answers are taken


def window(kind: str, kickoff: date, midpoint: date | None, closing: date) -> Window:
    """The midpoint survey opens on the midpoint date (halfway when set-up left it empty); the
    closing survey a week before the closing event; each stays open three weeks."""
    if kind == MIDPOINT:
        opens = midpoint or kickoff + (closing - kickoff) / 2
    else:
        opens = closing - timedelta(days=7)
    return Window(opens, opens + timedelta(days=OPEN_DAYS - 1))


def state(w: Window, today: date) -> str:
    if today < w.opens:
        return "upcoming"
    if today > w.closes:
        return "closed"
    return "open"


def reminder_stage(w: Window, today: date) -> str | None:
    """Which reminder an open survey calls for today: "opened" when it opens, "closing" in its last
    ``CLOSING_REMINDER_DAYS`` days; None when it is not open. Each is sent once per person, so a
    pass that first runs late in the window sends only the closing one."""
    if state(w, today) != "open":
        return None
    return "closing" if today > w.closes - timedelta(days=CLOSING_REMINDER_DAYS) else "opened"


def may_edit_questions(w: Window, today: date, has_answers: bool) -> bool:
    """Questions change only before the survey opens (and never once someone has answered)."""
    return today < w.opens and not has_answers


def question_text(question: Mapping[str, Any], locale: str) -> str:
    texts = question["text"]
    return str(texts.get(locale) or texts.get("fi") or next((t for t in texts.values() if t), ""))


@dataclass
class Problems:
    """What is wrong with submitted input: field → message code (the route words them)."""

    items: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.items)


def check_questions(rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], Problems]:
    """Edited questions: each keeps a kind and a Finnish text (Swedish and English fall back to
    it); at least one question remains. Returns the cleaned questions and the problems."""
    problems = Problems()
    cleaned: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        texts = {lang: str(row.get(lang) or "").strip() for lang in LANGUAGES}
        if row.get("remove") or not any(texts.values()):
            continue
        if row.get("kind") not in (SCALE, TEXT):
            problems.items[f"q{i}-kind"] = "kind"
        if not texts["fi"]:
            problems.items[f"q{i}-fi"] = "finnish_missing"
        if any(len(t) > QUESTION_MAX for t in texts.values()):
            problems.items[f"q{i}-fi"] = "too_long"
        cleaned.append({"id": str(row.get("id") or f"q{i + 1}"), "kind": row.get("kind"), "text": texts})
    ids = [q["id"] for q in cleaned]
    if len(set(ids)) != len(ids):
        # New rows get fresh ids; a clash can only come from a tampered form.
        problems.items["questions"] = "duplicate"
    if not cleaned:
        problems.items["questions"] = "none_left"
    return cleaned, problems


def check_answers(
    questions: Sequence[Mapping[str, Any]], submitted: Mapping[str, str]
) -> tuple[dict[str, int | str], Problems]:
    """A scale answer is one of 1–5 or left empty; free text is at most ``TEXT_MAX`` characters.
    At least one question must be answered."""
    answers: dict[str, int | str] = {}
    problems = Problems()
    for q in questions:
        raw = (submitted.get(q["id"]) or "").strip()
        if not raw:
            continue
        if q["kind"] == SCALE:
            if raw not in {str(v) for v in SCALE_VALUES}:
                problems.items[q["id"]] = "scale"
                continue
            answers[q["id"]] = int(raw)
        else:
            if len(raw) > TEXT_MAX:
                problems.items[q["id"]] = "text_long"
                continue
            answers[q["id"]] = raw
    if not answers and not problems:
        problems.items["answers"] = "empty"
    return answers, problems


# --------------------------------------------------------------------------------------------------
# Results under the k rule


@dataclass(frozen=True)
class Response:
    """One stored answer, as the results see it: who by role and organisation, never by person."""

    role: str
    organisation_id: int | None
    answers: Mapping[str, int | str]


@dataclass(frozen=True)
class ScaleSummary:
    count: int
    average: float
    distribution: tuple[int, ...]  # how many chose 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Slice:
    key: Any
    count: int
    scales: dict[str, ScaleSummary | None]  # None: fewer than K answered this question here


@dataclass(frozen=True)
class Results:
    count: int
    shown: bool  # whether anything but the count may be shown
    overall: Slice | None
    texts: dict[str, list[str]]  # free text per question, only when the whole holds ≥ K answers
    by_role: list[Slice]
    by_organisation: list[Slice]
    hidden_roles: int  # how many slices were held back
    hidden_organisations: int


def _summary(values: list[int]) -> ScaleSummary | None:
    if not enough(len(values)):
        return None
    counts = Counter(values)
    return ScaleSummary(len(values), round(mean(values), 2), tuple(counts.get(v, 0) for v in SCALE_VALUES))


def _slice(key: Any, responses: list[Response], questions: Sequence[Mapping[str, Any]]) -> Slice:
    scales: dict[str, ScaleSummary | None] = {}
    for q in questions:
        if q["kind"] == SCALE:
            values = [r.answers[q["id"]] for r in responses if isinstance(r.answers.get(q["id"]), int)]
            scales[q["id"]] = _summary([int(v) for v in values])
    return Slice(key, len(responses), scales)


def _slices(
    responses: list[Response], key_of: Callable[[Response], Any], questions: Sequence[Mapping[str, Any]]
) -> tuple[list[Slice], int]:
    groups: dict[Any, list[Response]] = {}
    for r in responses:
        groups.setdefault(key_of(r), []).append(r)
    shown = shown_slices({key: len(rows) for key, rows in groups.items()})
    ordered = sorted(shown, key=lambda key: (key is None, str(key)))
    return [_slice(key, groups[key], questions) for key in ordered], len(groups) - len(shown)


def results(
    questions: Sequence[Mapping[str, Any]], responses: Iterable[Response], organisation: int | None = None
) -> Results:
    """What staff may see of a survey's answers; ``organisation`` narrows them to one
    organisation's slice first (the agency contacts' view) under the same rule."""
    rows = [r for r in responses if organisation is None or r.organisation_id == organisation]
    if not enough(len(rows)):
        return Results(len(rows), False, None, {}, [], [], 0, 0)
    texts = {
        q["id"]: sorted(str(r.answers[q["id"]]) for r in rows if isinstance(r.answers.get(q["id"]), str))
        for q in questions
        if q["kind"] == TEXT
    }
    # Free text of a question only when at least K answered it; sorted so order says nothing.
    texts = {qid: values for qid, values in texts.items() if enough(len(values))}
    by_role, hidden_roles = _slices(rows, lambda r: r.role, questions)
    by_org, hidden_orgs = ([], 0) if organisation is not None else _slices(rows, lambda r: r.organisation_id, questions)
    return Results(len(rows), True, _slice(None, rows, questions), texts, by_role, by_org, hidden_roles, hidden_orgs)


# --------------------------------------------------------------------------------------------------
# Meeting check-ins

LOW_PULSE = 2


def low_streak(pulses_by_meeting: Sequence[Sequence[int]]) -> bool:
    """The pair's signal: the two latest meetings with check-ins were both low (their average
    is at most ``LOW_PULSE``). Input: each meeting's pulses, oldest meeting first."""
    averages = [mean(p) for p in pulses_by_meeting if p]
    return len(averages) >= 2 and all(a <= LOW_PULSE for a in averages[-2:])


def pulse_trend(pulses_by_month: Mapping[str, Sequence[int]]) -> list[tuple[str, int, float | None]]:
    """The programme's check-ins per month: (month, how many, average or None under K)."""
    return [
        (month, len(values), round(mean(values), 2) if enough(len(values)) else None)
        for month, values in sorted(pulses_by_month.items())
    ]


# --------------------------------------------------------------------------------------------------
# Themes wanted against themes offered


@dataclass(frozen=True)
class Wish:
    """A registration as the themes report sees it."""

    role: str  # the role the person registered for, or was matched to
    organisation_id: int | None
    wanted: frozenset[str]
    offered: frozenset[str]
    met: frozenset[str]  # wanted themes their matched mentor offers


@dataclass(frozen=True)
class ThemeRow:
    code: str
    wanted: int  # aktoris (and peers) who asked for the theme
    offered: int  # mentors (and peers) who offered it
    unmet: int  # who asked for it and were not matched with someone offering it


def themes(wishes: Iterable[Wish], codes: Sequence[str], organisation: int | None = None) -> list[ThemeRow]:
    """Per theme: demand, supply and the unmet demand the next cohort should recruit for; the
    unmet demand first. ``organisation`` counts one organisation's people only."""
    rows = [w for w in wishes if organisation is None or w.organisation_id == organisation]
    wanted = Counter(code for w in rows if w.role != "mentor" for code in w.wanted)
    offered = Counter(code for w in rows if w.role != "aktori" for code in w.offered)
    unmet = Counter(code for w in rows if w.role != "mentor" for code in w.wanted - w.met)
    known = list(codes) + sorted((set(wanted) | set(offered)) - set(codes))
    result = [ThemeRow(code, wanted[code], offered[code], unmet[code]) for code in known]
    return sorted(result, key=lambda r: (-r.unmet, -r.wanted, known.index(r.code)))
