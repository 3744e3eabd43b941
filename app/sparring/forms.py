"""Reading the sparring pages' form fields: each parser returns the clean value, or records a
field's error in ``errors`` (field key → message) and returns None."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import gettext as _

from app.core.clock import NonexistentTime, helsinki_to_utc
from app.programme.models import Programme

from ..programme.rules import web_link
from ..programme.services import outside_programme

TITLE_MAX = 200
BODY_MAX = 20_000
NAME_MAX = 255


def _line(value: str, errors: dict[str, str], key: str, missing: str, too_long: str, limit: int) -> str:
    line = value.strip()
    if not line:
        errors[key] = missing
    elif len(line) > limit:
        errors[key] = too_long
    return line


def parse_name(value: str, errors: dict[str, str]) -> str:
    too_long = _("The name can be at most %(n)s characters.", n=NAME_MAX)
    return _line(value, errors, "name", _("Give the group a name."), too_long, NAME_MAX)


def parse_local(programme: Programme, day: str, at: str, errors: dict[str, str], key: str) -> datetime | None:
    try:
        parsed_day = date.fromisoformat(day.strip())
        parsed_time = time.fromisoformat(at.strip())
    except ValueError:
        errors[key] = _("Give the date as YYYY-MM-DD and the time as HH:MM.")
        return None
    refusal = outside_programme(programme, parsed_day)
    if refusal:
        errors[key] = refusal
        return None
    try:
        return helsinki_to_utc(parsed_day, parsed_time)
    except NonexistentTime:
        errors[key] = _("That time does not exist in Finland: clocks skip from 03:00 to 04:00 that night.")
        return None


def parse_minutes(value: str, errors: dict[str, str], key: str) -> int | None:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = 0
    if not 5 <= minutes <= 600:
        errors[key] = _("Give the length in minutes, between 5 and 600.")
        return None
    return minutes


def parse_url(value: str, errors: dict[str, str], key: str) -> str:
    value = value.strip()
    if value and not web_link(value):
        errors[key] = _("The link must be a web address starting with https://.")
    return value


def parse_body(value: str, errors: dict[str, str], key: str = "body") -> str:
    too_long = _("The text can be at most %(n)s characters.", n=BODY_MAX)
    return _line(value, errors, key, _("Write something first."), too_long, BODY_MAX)


def parse_title(value: str, errors: dict[str, str]) -> str:
    too_long = _("The title can be at most %(n)s characters.", n=TITLE_MAX)
    return _line(value, errors, "title", _("Give the thread a title."), too_long, TITLE_MAX)
