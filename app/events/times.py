"""Naive UTC in the database, Europe/Helsinki on the page.

Everything the tool stores is naive UTC; people enter and read local time. ``zoneinfo`` does the
DST arithmetic (EET +02:00 in winter, EEST +03:00 from the last Sunday of March to the last Sunday
of October), so a session at 10:00 is 10:00 on both sides of the change.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


class LocalTimeError(ValueError):
    """A local time that does not exist (skipped by the spring change)."""


def to_utc(day: date, at: time) -> datetime:
    """Helsinki wall-clock ``day`` ``at`` as naive UTC. A time skipped by the spring change
    (03:00–03:59 on the last Sunday of March) is refused; an ambiguous autumn time means its
    first occurrence (summer time), as calendar applications read it."""
    local = datetime.combine(day, at, tzinfo=HELSINKI)
    utc = local.astimezone(timezone.utc)
    if utc.astimezone(HELSINKI).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise LocalTimeError(f"{day} {at} does not exist in Europe/Helsinki")
    return utc.replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """Naive UTC → aware Helsinki time."""
    return moment.replace(tzinfo=timezone.utc).astimezone(HELSINKI)


def aware_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc)


def ends(moment: datetime, minutes: int) -> datetime:
    return moment + timedelta(minutes=minutes)
