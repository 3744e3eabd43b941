"""Pure rules of LTI Advantage delivery: what a score may be, when it is sent, how long to wait.

No database, no HTTP: unit-tested in tests/lti_advantage/test_rules.py.
"""

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")


class ScoreRejected(ValueError):
    """A score that no platform would accept; the message says why."""


def check_score(score_given: float, score_maximum: float, activity_progress: str, grading_progress: str) -> None:
    """Refuse a score the AGS specification (and Moodle) would refuse, before it is queued."""
    if activity_progress not in ACTIVITY_PROGRESS:
        raise ScoreRejected(
            f"activity_progress must be one of {', '.join(ACTIVITY_PROGRESS)}, not {activity_progress!r}"
        )
    if grading_progress not in GRADING_PROGRESS:
        raise ScoreRejected(f"grading_progress must be one of {', '.join(GRADING_PROGRESS)}, not {grading_progress!r}")
    for name, value in (("score_given", score_given), ("score_maximum", score_maximum)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ScoreRejected(f"{name} must be a number, not {value!r}")
    if score_maximum <= 0:
        raise ScoreRejected(f"score_maximum must be greater than 0, not {score_maximum!r}")
    if score_given < 0:
        raise ScoreRejected(f"score_given must not be negative, not {score_given!r}")


def send_timestamp(given_at: datetime, last_sent: datetime | None) -> datetime:
    """The timestamp to send with a score given at ``given_at``.

    The original time if it is later than the last score sent for this participant and line
    item at Moodle's one-second resolution; otherwise the next whole second after it, since
    Moodle refuses (409) a score whose timestamp is not later than the stored one.
    """
    if last_sent is None or given_at.replace(microsecond=0) > last_sent.replace(microsecond=0):
        return given_at
    return last_sent.replace(microsecond=0) + timedelta(seconds=1)


def iso_timestamp(value: datetime) -> str:
    """ISO 8601 with a UTC offset, as AGS requires (naive datetimes are UTC here)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, (when.replace(tzinfo=None) - now).total_seconds())


def is_retryable(status: int | None) -> bool:
    """Network errors (no status), 408, 429 and 5xx are worth retrying; other 4xx are definite."""
    return status is None or status in (408, 425, 429) or status >= 500


def service_url(url: str, suffix: str) -> str:
    """Moodle's service URLs carry ``?type_id=N``: ``/scores`` and ``/results`` go into the
    path, before the query, and the query is kept verbatim."""
    path, sep, query = url.partition("?")
    return path.rstrip("/") + suffix + sep + query


def roster_role(current_role: str | None, has_launched: bool, mapped_role: str) -> str:
    """The tool role a roster sync gives a member.

    A launch carries every role (institution administrators included); the membership service
    only the course roles, so a member who has launched keeps the role their launch gave.
    """
    if has_launched and current_role:
        return current_role
    return mapped_role


TARGET_KINDS = ("mentoring", "tools", "content", "sparring")


def parse_target(value: object) -> tuple[str, str | int | None] | None:
    """A deep-linked item's ``target`` custom parameter: ``mentoring``, ``tools``,
    ``content:<module id>`` or ``sparring:<group id>``; None for anything else."""
    if not isinstance(value, str):
        return None
    kind, _, arg = value.strip().partition(":")
    if kind in ("mentoring", "tools") and not arg:
        return kind, None
    if kind == "content" and arg and len(arg) <= 100 and all(c.isalnum() or c in "-_" for c in arg):
        return kind, arg
    if kind == "sparring" and arg.isdigit() and len(arg) < 10:
        return kind, int(arg)
    return None


def choose_items(selected: list[str], offered: list[str], accept_multiple: bool) -> tuple[list[str], str | None]:
    """The offered items a facilitator picked, in the picker's order, or an error code:
    ``unknown`` (not offered), ``too_many`` (the platform accepts one) or ``none``."""
    if any(s not in offered for s in selected):
        return [], "unknown"
    chosen = [o for o in offered if o in selected]
    if not chosen:
        return [], "none"
    if len(chosen) > 1 and not accept_multiple:
        return [], "too_many"
    return chosen, None


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def platform_url_problem(url: object, app_env: str) -> str | None:
    """Why a platform URL is not acceptable, or None: HTTPS only, except plain http to a
    loopback address with APP_ENV=development. ``plain_http`` or ``not_https``."""
    if not isinstance(url, str):
        return "not_https"
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        return "not_https"
    if parts.scheme == "https" and hostname:
        return None
    if parts.scheme == "http" and hostname in LOOPBACK_HOSTS:
        return None if app_env == "development" else "plain_http"
    return "not_https"


def same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


UNGRADED_KINDS = ("tools", "content", "sparring")  # deep-linked modules and spaces


def placement_graded(target: object, lineitem_url: str | None, graded: bool | None) -> bool:
    """Whether a placed link receives the programme's mentoring score in its own line item.

    Only a link with a line item can (Moodle: one activity, one line item). A deep-linked
    module, tips section or sparring space never does. Otherwise a facilitator's choice
    (``graded``) decides; without one, "My mentoring" placed by deep linking and an activity
    added by hand (no target, or one the tool does not know: it opens the home page) do.
    """
    if not lineitem_url:
        return False
    parsed = parse_target(target)
    if parsed is not None and parsed[0] in UNGRADED_KINDS:
        return False
    return True if graded is None else graded


def placement_switch_refusal(is_staff: bool, target: object, lineitem_url: str | None) -> str | None:
    """Why a placement's mentoring score cannot be switched on or off by this person, or None:
    ``not_staff`` (only facilitators and administrators), ``not_gradable`` (a module or space)
    or ``no_line_item`` (the platform gave the activity no grade item)."""
    if not is_staff:
        return "not_staff"
    parsed = parse_target(target)
    if parsed is not None and parsed[0] in UNGRADED_KINDS:
        return "not_gradable"
    if not lineitem_url:
        return "no_line_item"
    return None


def resource_tag(resource: str) -> str:
    """The ``tag`` of a line item the tool creates for ``resource``: the kind of score
    (``mentoring``, ``events``); with the ``resourceId`` (which names the programme) it finds the
    item again and tells it apart from any other programme's or tool's."""
    return resource.partition(":")[0]
