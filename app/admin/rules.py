"""Pure rules of the administration area: feedback deadlines, retention, and the completion
report's aggregates and chart geometry. No Flask, no database."""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

ANSWER_WITHIN_DAYS = 14  # Act 306/2019, section 12: feedback is answered within two weeks
FEEDBACK_MAX_CHARS = 5000
CONTACT_MAX_CHARS = 320
PAGE_MAX_CHARS = 512


@dataclass(frozen=True)
class FeedbackInput:
    message: str
    contact: str
    page: str


def validate_feedback(
    message: str | None, contact: str | None, page: str | None, *, signed_in: bool
) -> tuple[FeedbackInput, dict[str, str]]:
    """Clean the feedback form; returns the cleaned input and error codes by field.

    A signed-in sender can be answered through the address their launch gave, so the contact
    is only required from visitors who have not launched the tool.
    """
    cleaned = FeedbackInput(message=(message or "").strip(), contact=(contact or "").strip(), page=(page or "").strip())
    errors = {}
    if not cleaned.message:
        errors["message"] = "required"
    elif len(cleaned.message) > FEEDBACK_MAX_CHARS:
        errors["message"] = "too_long"
    if not cleaned.contact and not signed_in:
        errors["contact"] = "required"
    elif len(cleaned.contact) > CONTACT_MAX_CHARS:
        errors["contact"] = "too_long"
    if len(cleaned.page) > PAGE_MAX_CHARS:
        errors["page"] = "too_long"
    return cleaned, errors


def feedback_age_days(created_at: datetime, now: datetime) -> int:
    return max(0, (now.date() - created_at.date()).days)


def feedback_overdue(created_at: datetime, now: datetime) -> bool:
    return feedback_age_days(created_at, now) > ANSWER_WITHIN_DAYS


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb);
    beyond year 9999, the last day there is."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > date.max.year:  # a closing date stored before dates were bounded: never due
        return date.max
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


RETENTION_MIN_MONTHS = 0
RETENTION_MAX_MONTHS = 120


def parse_retention_months(value: str | None) -> int | None:
    """A retention period typed by an administrator: whole months within bounds, else None."""
    value = (value or "").strip()
    if not value.isdigit():
        return None
    months = int(value)
    return months if RETENTION_MIN_MONTHS <= months <= RETENTION_MAX_MONTHS else None


def purge_due(closing: date, retention_months: int, today: date) -> bool:
    """Personal data is purged once ``retention_months`` have passed since the closing event."""
    return today >= add_months(closing, retention_months)


# --------------------------------------------------------------------------------------------
# Completion report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One group of the report's SQL aggregate: the participants of one organisation who share
    ``matched`` and ``counted``, with their sums."""

    organisation_id: int | None
    matched: bool
    counted: int
    people: int
    agreements_accepted: int
    events_attended: int


@dataclass
class Summary:
    """The report's line for one organisation (or for everyone)."""

    registered: int = 0
    matched: int = 0
    agreements_accepted: int = 0
    completed: int = 0
    events_attended: int = 0
    counted_meetings: int = 0
    # Matched participants by counted meetings: index i = i meetings, the last = N or more.
    distribution: list[int] = field(default_factory=list)
    median: float | None = None


def is_complete(counted: int, required: int) -> bool:
    """The gradebook's rule (app.mentoring.rules.completion_score): N counted meetings, N ≥ 1."""
    return counted >= max(1, required)


def median_of(counts: dict[int, int]) -> float | None:
    """The median of a multiset given as value → how many times it occurs."""
    total = sum(counts.values())
    if total == 0:
        return None
    middle = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return sum(found) / 2


def summarise(cells: list[Cell], required: int) -> tuple[dict[int | None, Summary], Summary]:
    """Per organisation and in total: registered, matched, agreements accepted, meetings counted
    (median and distribution over the matched participants), completed, events attended."""
    required = max(1, required)
    by_org: dict[int | None, Summary] = {}
    counts: dict[int | None, dict[int, int]] = {}
    total = Summary(distribution=[0] * (required + 1))
    total_counts: dict[int, int] = {}
    for cell in cells:
        summary = by_org.setdefault(cell.organisation_id, Summary(distribution=[0] * (required + 1)))
        for s in (summary, total):
            s.registered += cell.people
            s.events_attended += cell.events_attended
            s.counted_meetings += cell.counted * cell.people
            if is_complete(cell.counted, required):
                s.completed += cell.people
            if cell.matched:
                s.matched += cell.people
                s.agreements_accepted += cell.agreements_accepted
                s.distribution[min(cell.counted, required)] += cell.people
        if cell.matched:
            org_counts = counts.setdefault(cell.organisation_id, {})
            org_counts[cell.counted] = org_counts.get(cell.counted, 0) + cell.people
            total_counts[cell.counted] = total_counts.get(cell.counted, 0) + cell.people
    for org_id, summary in by_org.items():
        summary.median = median_of(counts.get(org_id, {}))
    total.median = median_of(total_counts)
    return by_org, total


def month_series(start: date, end: date, counts: dict[tuple[int, int], int]) -> list[tuple[date, int]]:
    """One value per calendar month from ``start``'s month to ``end``'s (and any month with
    counts outside that span), as (first day of the month, value)."""
    months = set(counts)
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.add((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [(date(y, m, 1), counts.get((y, m), 0)) for y, m in sorted(months)]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) gridlines


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(1, step * factor)
        step *= 10


def bar_chart(
    values: list[int], *, width: int = 640, height: int = 260, left: int = 48, bottom: int = 40, top: int = 12
) -> Chart:
    """Geometry of a vertical bar chart for a server-rendered SVG."""
    ceiling = nice_ceiling(max(values, default=0))
    plot_height = height - bottom - top
    plot_width = width - left - 8
    slot = plot_width / max(len(values), 1)
    bars = []
    for i, value in enumerate(values):
        h = plot_height * value / ceiling
        bars.append(
            Bar(
                x=round(left + i * slot + slot * 0.15, 1),
                y=round(height - bottom - h, 1),
                width=round(slot * 0.7, 1),
                height=round(h, 1),
                value=value,
            )
        )
    ticks = [
        (round(height - bottom - plot_height * k / 4, 1), ceiling * k // 4) for k in range(5) if (ceiling * k) % 4 == 0
    ]
    return Chart(width, height, left, height - bottom, bars, ticks)


# --------------------------------------------------------------------------------------------------
# Agency contact persons


def may_see_agency(contact_for: int | None, organisation_id: int) -> bool:
    """A contact person sees their own agency only (``contact_for``: the organisation they were
    named for in the programme, or None); anyone else's is "not found"."""
    return contact_for is not None and contact_for == organisation_id


def hidden_from_contact(may_use: bool, is_contact: bool) -> bool:
    """Whether an administrators' page is "not found" (404) rather than refused (403): for an
    agency contact person whose role may not use it (a Learner, or a facilitator on an
    administrator-only page) it does not exist, like another agency's pages, so they learn nothing
    of it. Whoever may use the page keeps their access; anyone else is refused as before."""
    return is_contact and not may_use


@dataclass(frozen=True)
class CostSharing:
    """What each agency's HR pays for: its participants, how many were matched (and how many are
    still sounding out whether their match fits, counted apart), completed, events attended."""

    participants: int
    matched: int
    sounding_out: int
    completed: int
    events_attended: int


def cost_sharing(rows: Iterable[tuple[bool, bool, bool, int]]) -> CostSharing:
    """``rows``: (matched, sounding out, completed, events attended) per participant; a person
    sounding out counts there, not as matched."""
    participants = matched = sounding = completed = events = 0
    for is_matched, is_sounding, is_completed, attended in rows:
        participants += 1
        sounding += is_sounding
        matched += is_matched and not is_sounding
        completed += is_completed
        events += attended
    return CostSharing(participants, matched, sounding, completed, events)
