"""Programme set-up and registration rules: pure functions, no Flask and no database.

Messages are English message ids marked with ``N_`` (extracted by pybabel); the web layer
translates them. Each check returns ``(field, message id, params)`` triples so a form can put
every message next to the field it is about.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from app.core.msgid import N_

Problem = tuple[str, str, dict[str, object]]

# --------------------------------------------------------------------------------------------------
# Seeds: the Tulanet institutes and the themes the programme text lists

#: (code, Finnish, Swedish, English). Codes follow the development platform's organisation codes.
TULANET_ORGANISATIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "GTK",
        "Geologian tutkimuskeskus (GTK)",
        "Geologiska forskningscentralen (GTK)",
        "Geological Survey of Finland (GTK)",
    ),
    ("FMI", "Ilmatieteen laitos", "Meteorologiska institutet", "Finnish Meteorological Institute"),
    ("LUKE", "Luonnonvarakeskus (Luke)", "Naturresursinstitutet (Luke)", "Natural Resources Institute Finland (Luke)"),
    ("NLS", "Maanmittauslaitos", "Lantmäteriverket", "National Land Survey of Finland"),
    ("RUOKAVIRASTO", "Ruokavirasto", "Livsmedelsverket", "Finnish Food Authority"),
    (
        "STUK",
        "Säteilyturvakeskus (STUK)",
        "Strålsäkerhetscentralen (STUK)",
        "Radiation and Nuclear Safety Authority (STUK)",
    ),
    ("SYKE", "Suomen ympäristökeskus (SYKE)", "Finlands miljöcentral (SYKE)", "Finnish Environment Institute (SYKE)"),
    (
        "THL",
        "Terveyden ja hyvinvoinnin laitos (THL)",
        "Institutet för hälsa och välfärd (THL)",
        "Finnish Institute for Health and Welfare (THL)",
    ),
    ("TTL", "Työterveyslaitos (TTL)", "Arbetshälsoinstitutet (TTL)", "Finnish Institute of Occupational Health (TTL)"),
    (
        "UPI",
        "Ulkopoliittinen instituutti (UPI)",
        "Utrikespolitiska institutet (UPI)",
        "Finnish Institute of International Affairs (UPI)",
    ),
    (
        "VTT",
        "Teknologian tutkimuskeskus VTT",
        "Teknologiska forskningscentralen VTT",
        "VTT Technical Research Centre of Finland",
    ),
)

#: (code, Finnish, Swedish, English): what the previous programme's participants asked mentors
#: for, the peer-support topics, staff groups such as assistants, the reverse-mentoring example
#: (new technology) and networking, all from the programme text.
PROGRAMME_THEMES: tuple[tuple[str, str, str, str], ...] = (
    ("project_management", "Projektien hallinta", "Projekthantering", "Project management"),
    ("project_leadership", "Projektien johtaminen", "Att leda projekt", "Leading projects"),
    ("leadership", "Johtaminen", "Ledarskap", "Leadership"),
    ("communication", "Viestintä", "Kommunikation", "Communication"),
    (
        "policy_influence",
        "Poliittiseen päätöksentekoon vaikuttaminen",
        "Att påverka politiskt beslutsfattande",
        "Influencing political decision-making",
    ),
    ("researcher_work", "Tutkijana toimiminen", "Att arbeta som forskare", "Working as a researcher"),
    ("career_development", "Urakehitys", "Karriärutveckling", "Career development"),
    ("supervisory_work", "Esimiestyö", "Chefsarbete", "Supervisory work"),
    ("assistant_work", "Assistenttien työ", "Assistentarbete", "Assistant work"),
    ("new_technology", "Uudet teknologiset ratkaisut", "Nya tekniska lösningar", "New technological solutions"),
    ("networking", "Verkostoituminen", "Nätverkande", "Networking"),
)

DEFAULT_REQUIRED_MEETINGS = 6
DEFAULT_MIN_MINUTES = 45
DEFAULT_MAX_MINUTES = 75

ROLE_WISHES = ("mentor", "aktori", "peer", "any")
FORMS = ("traditional", "reverse", "group", "peer")
MENTORING_FORMS = frozenset({"traditional", "reverse", "group"})

# --------------------------------------------------------------------------------------------------
# Dates

#: Every date the tool takes lies in these years: a mistyped year (0001, 9999) would otherwise
#: reach times that cannot be converted between time zones or have an end time.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def sane_day(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def programme_days(registration_opens: date | None, kickoff: date, closing: date) -> tuple[date, date]:
    """The first and last day a programme's events, sessions and meetings may fall on: from the
    opening of registration (info sessions) or the kickoff to the closing event."""
    return min(registration_opens or kickoff, kickoff), closing


def within_programme(day: date, registration_opens: date | None, kickoff: date, closing: date) -> bool:
    first, last = programme_days(registration_opens, kickoff, closing)
    return first <= day <= last


#: A link to a meeting or material: a web address, no spaces or control characters (a CR/LF
#: would break the calendar feed's lines).
LINK_MAX = 1024


def web_link(value: str) -> bool:
    return (
        value.lower().startswith(("https://", "http://"))
        and len(value) <= LINK_MAX
        and not any(c.isspace() or not c.isprintable() for c in value)
    )


# --------------------------------------------------------------------------------------------------
# Programme settings


def programme_problems(
    *,
    registration_opens: date | None,
    registration_closes: date | None,
    kickoff: date | None,
    midpoint: date | None,
    closing: date | None,
    required_meetings: int | None,
    min_meeting_minutes: int | None,
    max_meeting_minutes: int | None,
    languages: Sequence[str],
    offered_languages: Iterable[str] = ("fi", "sv", "en"),
) -> list[Problem]:
    """Every problem of a programme's settings (an empty list when they are consistent).

    Dates must run registration opens ≤ closes ≤ kickoff < midpoint < closing; counts are positive
    and the minimum duration is not above the maximum; at least one offered language.
    """
    problems: list[Problem] = []
    dates = (
        ("registration_opens", registration_opens),
        ("registration_closes", registration_closes),
        ("kickoff", kickoff),
        ("midpoint", midpoint),
        ("closing", closing),
    )
    for name, value in dates:
        if value and not sane_day(value):
            problems.append(
                (
                    name,
                    N_("Give a date between %(first)s and %(last)s."),
                    {"first": EARLIEST_DAY.year, "last": LATEST_DAY.year},
                )
            )
    # The order of a date typed wrong says nothing: leave it out of the checks below.
    registration_opens, registration_closes, kickoff, midpoint, closing = (
        value if value and sane_day(value) else None for _name, value in dates
    )
    if registration_opens and registration_closes and registration_closes < registration_opens:
        problems.append(("registration_closes", N_("Registration cannot close before it opens."), {}))
    if registration_closes and kickoff and registration_closes > kickoff:
        problems.append(("registration_closes", N_("Registration must close on or before the kickoff."), {}))
    if kickoff and midpoint and midpoint <= kickoff:
        problems.append(("midpoint", N_("The midpoint event must come after the kickoff."), {}))
    if kickoff and closing and closing <= kickoff:
        problems.append(("closing", N_("The closing event must come after the kickoff."), {}))
    elif midpoint and closing and closing <= midpoint:
        problems.append(("closing", N_("The closing event must come after the midpoint event."), {}))
    if required_meetings is not None and required_meetings < 1:
        problems.append(("required_meetings", N_("At least one meeting must be required."), {}))
    for name, minutes in (("min_meeting_minutes", min_meeting_minutes), ("max_meeting_minutes", max_meeting_minutes)):
        if minutes is not None and minutes < 1:
            problems.append((name, N_("A duration must be at least one minute."), {}))
    if min_meeting_minutes and max_meeting_minutes and min_meeting_minutes > max_meeting_minutes:
        problems.append(("max_meeting_minutes", N_("The longest meeting cannot be shorter than the shortest."), {}))
    offered = set(offered_languages)
    if not languages:
        problems.append(("languages", N_("Choose at least one language."), {}))
    elif not set(languages) <= offered:
        problems.append(("languages", N_("Unknown language."), {}))
    return problems


def registration_open(opens: date | None, closes: date | None, today: date) -> bool:
    """Whether new registrations are taken on ``today`` (a missing end is open-ended)."""
    return (opens is None or opens <= today) and (closes is None or today <= closes)


@dataclass(frozen=True)
class ProgrammeFacts:
    """What choosing a person's programme needs to know of one programme of the course."""

    id: int
    registration_opens: date | None
    registration_closes: date | None
    kickoff: date
    closing: date
    taking_part: bool  # the person has an active registration in it


def programme_needing(programmes: Sequence[ProgrammeFacts], today: date) -> int | None:
    """Which of a course's programmes (newest first) needs the person now: one they take part in
    that runs; else one whose registration is open; else one they take part in that has not begun;
    else the newest. A new cohort's registration so never hides the pair a person has today."""

    def running(p: ProgrammeFacts) -> bool:
        return p.taking_part and p.kickoff <= today <= p.closing

    def open_now(p: ProgrammeFacts) -> bool:
        return registration_open(p.registration_opens, p.registration_closes, today)

    def coming(p: ProgrammeFacts) -> bool:
        return p.taking_part and today < p.kickoff

    for wanted in (running, open_now, coming):
        for programme in programmes:
            if wanted(programme):
                return programme.id
    return programmes[0].id if programmes else None


# --------------------------------------------------------------------------------------------------
# Themes


def theme_code(name: str, taken: Iterable[str]) -> str:
    """A stable code for a new theme from its Finnish name, unique within ``taken``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:48] or "theme"
    taken = set(taken)
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def theme_in_use(code: str, registrations: Iterable[tuple[Iterable[str], Iterable[str]]]) -> int:
    """How many registrations offer or want ``code`` (given their (offered, wanted) pairs)."""
    return sum(1 for offered, wanted in registrations if code in offered or code in wanted)


T = TypeVar("T")


def moved(order: Sequence[T], item: T, step: int) -> list[T]:
    """``order`` with ``item`` moved ``step`` places (clamped at the ends)."""
    items = list(order)
    at = items.index(item)
    to = max(0, min(len(items) - 1, at + step))
    items.insert(to, items.pop(at))
    return items


# --------------------------------------------------------------------------------------------------
# Registration


@dataclass(frozen=True)
class RegistrationInput:
    """What a participant submitted, already parsed (ids as ints, lists of codes)."""

    user_id: int
    role_wish: str
    forms: Sequence[str]
    organisation_id: int | None
    unit: str
    themes_offered: Sequence[str]
    themes_wanted: Sequence[str]
    goals: str
    languages: Sequence[str]
    capacity: int
    counterpart_user_id: int | None = None
    counterpart_name: str = ""
    counterpart_contact: str = ""
    must_not_pair: Sequence[int] = ()


GOALS_MAX = 4000
TEXT_MAX = 255
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


def registration_problems(
    data: RegistrationInput,
    *,
    organisations: Iterable[int],
    themes: Iterable[str],
    languages: Iterable[str],
    roster: Iterable[int],
) -> list[Problem]:
    """Every problem of a registration, against the programme's organisations, themes and
    languages and the course roster (user ids someone may name or exclude)."""
    problems: list[Problem] = []
    themes, roster = set(themes), set(roster)
    forms = set(data.forms)
    if data.role_wish not in ROLE_WISHES:
        problems.append(("role_wish", N_("Choose the role you wish."), {}))
    if not forms:
        problems.append(("forms", N_("Choose at least one form of mentoring."), {}))
    elif not forms <= set(FORMS):
        problems.append(("forms", N_("Unknown form of mentoring."), {}))
    elif data.role_wish in ("mentor", "aktori") and not forms & MENTORING_FORMS:
        problems.append(
            (
                "forms",
                N_("A mentor or an aktori needs traditional, reverse or group mentoring; peer mentoring is for peers."),
                {},
            )
        )
    elif data.role_wish == "peer" and "peer" not in forms:
        problems.append(("forms", N_("To be a peer, accept peer mentoring."), {}))
    if data.organisation_id is None or data.organisation_id not in set(organisations):
        problems.append(("organisation_id", N_("Choose your organisation."), {}))
    if len(data.unit) > TEXT_MAX:
        problems.append(("unit", N_("Keep this under %(max)s characters."), {"max": TEXT_MAX}))
    if not set(data.themes_offered) <= themes or not set(data.themes_wanted) <= themes:
        problems.append(("themes_wanted", N_("Unknown theme."), {}))
    elif not data.themes_offered and not data.themes_wanted:
        problems.append(("themes_wanted", N_("Choose at least one theme you offer or want."), {}))
    elif data.role_wish == "mentor" and not data.themes_offered:
        problems.append(("themes_offered", N_("As a mentor, choose at least one theme you offer."), {}))
    elif data.role_wish == "aktori" and not data.themes_wanted:
        problems.append(("themes_wanted", N_("As an aktori, choose at least one theme you want to develop."), {}))
    if not data.goals.strip():
        problems.append(("goals", N_("Describe your goals: matching compares them."), {}))
    elif len(data.goals) > GOALS_MAX:
        problems.append(("goals", N_("Keep this under %(max)s characters."), {"max": GOALS_MAX}))
    if not data.languages:
        problems.append(("languages", N_("Choose at least one language."), {}))
    elif not set(data.languages) <= set(languages):
        problems.append(("languages", N_("This programme does not offer that language."), {}))
    if data.capacity not in (1, 2):
        problems.append(("capacity", N_("A mentor takes one or two aktoris."), {}))
    elif data.capacity == 2 and (data.role_wish not in ("mentor", "any") or "group" not in forms):
        problems.append(
            (
                "capacity",
                N_("Two aktoris means group mentoring: wish to be a mentor (or any role) and accept group mentoring."),
                {},
            )
        )
    if data.counterpart_user_id is not None:
        if data.counterpart_user_id == data.user_id:
            problems.append(("counterpart_user_id", N_("You cannot name yourself."), {}))
        elif data.counterpart_user_id not in roster:
            problems.append(("counterpart_user_id", N_("Choose a person on the course roster."), {}))
        elif data.counterpart_user_id in set(data.must_not_pair):
            problems.append(("counterpart_user_id", N_("You named a person you also must not be paired with."), {}))
    if len(data.counterpart_name) > TEXT_MAX:
        problems.append(("counterpart_name", N_("Keep this under %(max)s characters."), {"max": TEXT_MAX}))
    contact = data.counterpart_contact.strip()
    if contact and not (EMAIL.match(contact) or PHONE.match(contact)):
        problems.append(("counterpart_contact", N_("Give an email address or a phone number."), {}))
    elif contact and not data.counterpart_name.strip():
        problems.append(("counterpart_name", N_("Give the name of the person whose contact this is."), {}))
    if data.counterpart_name.strip() and data.counterpart_user_id is not None:
        problems.append(("counterpart_name", N_("Either choose a person on the roster or write a name, not both."), {}))
    excluded = set(data.must_not_pair)
    if data.user_id in excluded:
        problems.append(("must_not_pair", N_("You cannot exclude yourself."), {}))
    elif not excluded <= roster:
        problems.append(("must_not_pair", N_("Choose people on the course roster."), {}))
    return problems


def resolve_names(text: str, people: Iterable[tuple[int, str]]) -> tuple[list[int], list[str], list[str]]:
    """Names typed one per line, against (user id, name) pairs: (ids found, names not found,
    names that match several people). Case and extra spaces do not matter."""
    by_name: dict[str, list[int]] = {}
    for user_id, name in people:
        by_name.setdefault(" ".join(name.split()).casefold(), []).append(user_id)
    ids, missing, ambiguous = [], [], []
    for line in text.splitlines():
        name = " ".join(line.split())
        if not name:
            continue
        found = by_name.get(name.casefold(), [])
        if not found:
            missing.append(name)
        elif len(found) > 1:
            ambiguous.append(name)
        elif found[0] not in ids:
            ids.append(found[0])
    return ids, missing, ambiguous


# --------------------------------------------------------------------------------------------------
# Tips about colleagues not yet in the course


TIP_TO_CONTACT, TIP_CONTACTED, TIP_JOINED, TIP_DECLINED = "to_contact", "contacted", "joined", "declined"
TIP_STATUSES = (TIP_TO_CONTACT, TIP_CONTACTED, TIP_JOINED, TIP_DECLINED)
TIP_ROLES = ("mentor", "aktori", "peer")
TIP_WHY_MAX = 500


@dataclass(frozen=True)
class TipInput:
    name: str
    organisation_id: int | None
    email: str
    role: str
    why: str


def tip_problems(data: TipInput, *, organisations: Iterable[int]) -> list[Problem]:
    problems: list[Problem] = []
    if not data.name.strip():
        problems.append(("tip_name", N_("Give your colleague's name."), {}))
    elif len(data.name) > TEXT_MAX:
        problems.append(("tip_name", N_("Keep this under %(max)s characters."), {"max": TEXT_MAX}))
    if not EMAIL.match(data.email.strip()) or len(data.email) > 320:
        problems.append(("tip_email", N_("Give your colleague's e-mail address."), {}))
    if data.organisation_id is not None and data.organisation_id not in set(organisations):
        problems.append(("tip_organisation", N_("Choose an organisation from the list."), {}))
    if data.role not in TIP_ROLES:
        problems.append(("tip_role", N_("Choose the role you suggest."), {}))
    if len(data.why) > TIP_WHY_MAX:
        problems.append(("tip_why", N_("Keep this under %(max)s characters."), {"max": TIP_WHY_MAX}))
    return problems


def tip_given(data: TipInput) -> bool:
    """Whether any field of the registration's optional tip section was filled in."""
    return bool(data.name.strip() or data.email.strip() or data.role or data.why.strip()) or (
        data.organisation_id is not None
    )


def optional_tip_problems(data: TipInput, *, organisations: Iterable[int]) -> list[Problem]:
    """The registration's tip section is all or nothing: left empty, or a whole tip."""
    if not tip_given(data):
        return []
    problems = tip_problems(data, organisations=organisations)
    if problems:
        whole = N_("Complete the tip about a colleague (name, e-mail and role), or leave all its fields empty.")
        problems.insert(0, (problems[0][0], whole, {}))
    return problems


def same_email(a: str | None, b: str | None) -> bool:
    if a is None or b is None or not a.strip():
        return False
    return a.strip().casefold() == b.strip().casefold()


def tips_to_link(tips: Iterable[tuple[int, str, str, int | None]], email: str | None) -> list[int]:
    """Tips (id, e-mail, status, joined user) that name the person who just registered with
    ``email``: not yet linked and not declined."""
    return [
        tip_id
        for tip_id, tip_email, status, joined in tips
        if joined is None and status != TIP_DECLINED and same_email(tip_email, email)
    ]


def tip_nominations(tips: Iterable[tuple[int, int | None, str]]) -> dict[int, int]:
    """Nominator -> the colleague who joined, from tips (nominator, joined user, status): the
    nominator's wish counts as a nomination in matching (their earliest joined tip wins)."""
    wishes: dict[int, int] = {}
    for nominator, joined, status in tips:
        if joined is not None and status == TIP_JOINED and joined != nominator:
            wishes.setdefault(nominator, joined)
    return wishes


def tips_due_for_purge(closing: date, today: date) -> bool:
    """Tips go at the programme's end: the day after its closing event."""
    return today > closing
