"""Pure rules of mail notifications: the kinds and the fields each may carry, who wants what,
when the digest goes, the mail server's address and what an SMTP answer means.

No database, no SMTP: unit-tested in tests/notifications/test_rules.py.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Kind:
    fields: frozenset[str]  # the only params its template may use (never confidential content)
    service: bool = False  # stays on unless the person turns off all mail
    digest: bool = True  # may wait for the daily digest


_COMMON = frozenset({"programme", "moodle_url", "name"})

KINDS: dict[str, Kind] = {
    "match_published": Kind(_COMMON | {"counterparts"}),
    "match_withdrawn": Kind(_COMMON),  # never the facilitator's reason
    "meeting_waiting": Kind(_COMMON | {"logger", "date"}, service=True, digest=False),
    "meeting_reminder": Kind(_COMMON | {"logger", "date"}, service=True),
    # The reason goes only to the person who logged the meeting, the one it was written for.
    "meeting_disputed": Kind(_COMMON | {"date", "reason"}, service=True, digest=False),
    "meeting_change": Kind(_COMMON | {"date"}, service=True, digest=False),
    "agreement_version": Kind(_COMMON | {"version"}),
    "event_tomorrow": Kind(_COMMON | {"title", "starts", "place"}, digest=False),
    "registration_reminder": Kind(_COMMON | {"closes"}),
    "at_risk_nudge": Kind(_COMMON),
    "accessibility_feedback": Kind(_COMMON | {"deadline"}, digest=False),
    "gradebook_failing": Kind(_COMMON | {"course", "count"}),
    # survey: "midpoint" or "closing"; stage: "opened" or "closing" (the template words them).
    "survey_reminder": Kind(_COMMON | {"survey", "stage", "closes"}, digest=False),
}

# Fields that are confidential wherever they come from: no template may name them.
CONFIDENTIAL = frozenset({"notes", "agreement_text", "journal", "discussion", "post", "goals", "message", "body"})

DIGEST_HOUR_UTC = 5  # 07:00 or 08:00 in Helsinki: the day's items arrive in the morning


def clean_params(kind: str, params: dict[str, object]) -> dict[str, object]:
    """The params a notification of ``kind`` stores: only its fields (others are dropped)."""
    allowed = KINDS[kind].fields
    return {name: value for name, value in params.items() if name in allowed}


#: A stored param that is a message to translate: ``{MSGID: "Kickoff", "fields": {...}}``.
MSGID = "msgid"


def localise(value: Any, gettext: Callable[[str], str]) -> Any:
    """A stored param in the recipient's language: each message id (``MSGID``) translated with
    ``gettext`` and its fields filled in (themselves localised); other values as they are."""
    if isinstance(value, dict) and isinstance(value.get(MSGID), str):
        fields = {name: localise(field, gettext) for name, field in (value.get("fields") or {}).items()}
        translated = gettext(value[MSGID])
        return translated % fields if fields else translated
    if isinstance(value, list):
        return [localise(item, gettext) for item in value]
    return value


@dataclass(frozen=True)
class Preferences:
    off: frozenset[str] = frozenset()
    all_off: bool = False
    digest: bool = False


def wants(kind: str, prefs: Preferences) -> bool:
    """Whether a person with ``prefs`` is mailed ``kind``: service messages about something
    waiting for them stay on unless they turn off all mail."""
    if prefs.all_off:
        return False
    return KINDS[kind].service or kind not in prefs.off


def in_digest(kind: str, prefs: Preferences) -> bool:
    return prefs.digest and KINDS[kind].digest


def next_digest_at(now: datetime) -> datetime:
    """The next daily digest after ``now`` (naive UTC)."""
    today = datetime.combine(now.date(), time(DIGEST_HOUR_UTC))
    return today if today > now else today + timedelta(days=1)


def language_of(chosen: str | None, launch: str | None, languages: tuple[str, ...] = ("fi", "sv", "en")) -> str:
    """The language a person reads mail in: the one they chose in the tool, else the launch's."""
    for code in (chosen, launch):
        language = (code or "").replace("-", "_").split("_")[0].lower()
        if language in languages:
            return language
    return languages[0]


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: str  # plain, starttls or tls
    username: str | None
    password: str | None


_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


def parse_mail_url(url: str) -> MailServer:
    """``smtp://``, ``smtp+starttls://`` or ``smtps://`` with optional user:password@host:port;
    a ValueError names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise ValueError(f"MAIL_URL must start with smtp://, smtp+starttls:// or smtps://, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("MAIL_URL has no host")
    security, default_port = _SCHEMES[parts.scheme]
    return MailServer(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def is_temporary(code: int | None) -> bool:
    """An SMTP answer worth trying again: no answer (connection lost) or 4xx; 5xx is final."""
    return code is None or 400 <= code < 500
