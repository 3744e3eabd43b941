"""Calendar items → an iCalendar (RFC 5545) document, with the ``icalendar`` package.

Times are written as UTC instants (``DTSTART:20230326T070000Z``): every calendar application
shows them in its own zone, and no VTIMEZONE has to be right for it. The feed names
Europe/Helsinki as its zone (``X-WR-TIMEZONE``) for the applications that group by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

PRODID = "-//Tulanet mentoring//Calendar//FI"


@dataclass(frozen=True)
class Item:
    uid: str  # stable across fetches, so applications update instead of duplicating
    title: str
    starts_at: datetime  # naive UTC
    minutes: int
    location: str = ""
    url: str = ""
    description: str = ""
    kind: str = ""  # event, session or meeting (for the page)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def build(items: list[Item], name: str, stamp: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Helsinki")
    for item in items:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", _utc(stamp))
        event.add("dtstart", _utc(item.starts_at))
        try:
            event.add("dtend", _utc(item.starts_at + timedelta(minutes=item.minutes)))
        except OverflowError:  # at the end of year 9999 (stored before dates were bounded)
            event.add("duration", timedelta(minutes=item.minutes))
        event.add("summary", item.title)
        if item.location:
            event.add("location", item.location)
        if item.url:
            event.add("url", item.url)
        if item.description:
            event.add("description", item.description)
        calendar.add_component(event)
    return calendar.to_ical()
