"""Time: naive UTC as stored, Helsinki wall-clock time as shown, and the page's date formatters."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import get_locale

HELSINKI = ZoneInfo("Europe/Helsinki")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class NonexistentTime(ValueError):
    """A wall-clock time skipped by the spring DST change (e.g. 03:30 on the last Sunday of March)."""


def helsinki_to_utc(day: date, at: time) -> datetime:
    """Naive UTC for a Helsinki date and time. An autumn time that occurs twice means the first
    (summer-time) occurrence; a spring time that never occurs raises :class:`NonexistentTime`."""
    local = datetime.combine(day, at).replace(tzinfo=HELSINKI)
    utc = local.astimezone(UTC)
    if utc.astimezone(HELSINKI).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentTime(f"{day} {at} does not exist in Europe/Helsinki")
    return utc.replace(tzinfo=None)


def utc_to_helsinki(naive_utc: datetime) -> datetime:
    """The aware Helsinki time of a stored naive UTC datetime."""
    try:
        return naive_utc.replace(tzinfo=UTC).astimezone(HELSINKI)
    except OverflowError:  # within hours of year 9999 (no form takes such a date, old rows may hold one)
        return naive_utc.replace(tzinfo=HELSINKI)


def helsinki_today() -> date:
    return utc_to_helsinki(utcnow()).date()


# Template filters (registered app-wide by core.web): naive UTC in, Helsinki time out, in the
# page's language.
def local_datetime(moment: datetime) -> str:
    local = utc_to_helsinki(moment)
    locale = get_locale()
    return f"{format_date(local.date(), 'full', locale=locale)} {format_time(local, 'short', locale=locale)}"


def local_moment(moment: datetime) -> str:
    """A compact date and time for lists (e.g. "4.12.2026 17.06" in Finnish)."""
    local = utc_to_helsinki(moment)
    locale = get_locale()
    return f"{format_date(local.date(), 'medium', locale=locale)} {format_time(local, 'short', locale=locale)}"


def local_time(moment: datetime) -> str:
    return format_time(utc_to_helsinki(moment), "short", locale=get_locale())


def local_iso_date(moment: datetime) -> str:
    return utc_to_helsinki(moment).date().isoformat()


def local_iso_time(moment: datetime) -> str:
    return utc_to_helsinki(moment).strftime("%H:%M")
