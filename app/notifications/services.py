"""What other rooms call to notify people, and what the pages of this room use.

``notify`` only queues: it adds an outbox row to the caller's session, so the mail commits (or
rolls back) with the change that causes it. The worker (``app/notifications/worker.py``) sends it.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func

from app.core.clock import helsinki_to_utc, utc_to_helsinki, utcnow
from app.core.db import db, insert

from ..groups.models import GroupMember, MentoringGroup
from ..lti.gradebook import failing_deliveries
from ..people.models import ADMINISTRATOR, PARTICIPANT, Enrolment, User
from ..programme.models import Programme, Registration
from ..programme.services import current_programme
from .models import PENDING, STATUSES, MailPreference, Notification
from .rules import KINDS, MSGID, Preferences, clean_params, in_digest, next_digest_at

_UNSUBSCRIBE_SALT = "mail-unsubscribe"


def notify(user_id: int, kind: str, key: str, programme: Programme | None = None, **params: Any) -> None:
    """Queue ``kind`` for ``user_id``, once per ``key`` (the event: a second call with the same
    key adds nothing). ``params`` beyond the kind's fields are dropped, never stored."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    prefs = preferences(user_id)
    now = utcnow()
    digest = in_digest(kind, prefs)
    db.session.execute(
        insert(Notification)
        .values(
            key=key[:255],
            user_id=user_id,
            programme_id=programme.id if programme is not None else None,
            kind=kind,
            params={name: portable(value) for name, value in clean_params(kind, params).items()},
            digest=digest,
            status=PENDING,
            attempts=0,
            next_attempt_at=next_digest_at(now) if digest else now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )


def portable(value: Any) -> Any:
    """A param as stored: a lazy gettext string (``_l``) as its message id and fields, so that the
    worker translates it into the recipient's language (``rules.localise``); turned into text
    here it would be in whatever language the queuing request or worker happened to use."""
    if isinstance(value, LazyString):
        if len(value._args) == 1:  # lazy_gettext(message, **fields); other lazy forms are text now
            fields = {name: portable(field) for name, field in value._kwargs.items()}
            return {MSGID: value._args[0], "fields": fields}
        return str(value)
    if isinstance(value, list | tuple):
        return [portable(item) for item in value]
    return value


def match_published(programme: Programme, group: MentoringGroup) -> None:
    """Tell each member of a newly published group whom they were matched with."""
    members = db.session.execute(
        db.select(GroupMember.user_id, User)
        .join(User, User.id == GroupMember.user_id)
        .where(GroupMember.group_id == group.id)
    ).all()
    names = {user_id: user.display_name for user_id, user in members}
    for user_id in names:
        others = [name for uid, name in names.items() if uid != user_id]
        notify(user_id, "match_published", f"match_published:{group.id}:{user_id}", programme, counterparts=others)


def match_withdrawn(programme: Programme, group: MentoringGroup) -> None:
    """Tell each member of a withdrawn match that the facilitators will find them a new one."""
    for member in group.members:
        notify(member.user_id, "match_withdrawn", f"match_withdrawn:{group.id}:{member.user_id}", programme)


def _day(moment: datetime) -> str:
    """A meeting's day as people read it (d.m.yyyy, Helsinki time)."""
    local = utc_to_helsinki(moment)
    return f"{local.day}.{local.month}.{local.year}"


def _name(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.display_name if user is not None else ""


def meeting_waiting(
    programme: Programme, meeting_id: int, logger_id: int, waiting_ids: set[int], starts_at: datetime
) -> None:
    """Tell the attendees whose confirmation a newly logged meeting waits for."""
    logger = _name(logger_id)
    for user_id in sorted(waiting_ids - {logger_id}):
        key = f"meeting_waiting:{meeting_id}:{user_id}"
        notify(user_id, "meeting_waiting", key, programme, logger=logger, date=_day(starts_at))


def meeting_disputed(
    programme: Programme, meeting_id: int, logger_id: int | None, starts_at: datetime, reason: str
) -> None:
    """Tell the person who logged a meeting that it was disputed, and why: only them."""
    if logger_id is None:  # logged by someone since erased
        return
    digest = hashlib.sha256(reason.encode()).hexdigest()[:16]
    key = f"meeting_disputed:{meeting_id}:{digest}"
    notify(logger_id, "meeting_disputed", key, programme, date=_day(starts_at), reason=reason)


def meeting_reminder(
    programme: Programme, meeting_id: int, logger_id: int | None, user_id: int, starts_at: datetime
) -> None:
    """Remind ``user_id`` once that a meeting logged days ago still waits for their answer."""
    logger = _name(logger_id) if logger_id is not None else ""
    key = f"meeting_reminder:{meeting_id}:{user_id}"
    notify(user_id, "meeting_reminder", key, programme, logger=logger, date=_day(starts_at))


def tomorrow(now: datetime) -> tuple[datetime, datetime]:
    """Tomorrow in Helsinki, as the naive UTC moments it begins and ends: what "an event or a
    sparring session tomorrow" is looked up by."""
    day = utc_to_helsinki(now).date() + timedelta(days=1)
    return helsinki_to_utc(day, time()), helsinki_to_utc(day + timedelta(days=1), time())


def event_tomorrow(
    programme: Programme,
    event_id: int | str,
    title: str | LazyString,
    starts_at: datetime,
    place: str | None,
    user_ids: list[int],
) -> None:
    """Tell each of ``user_ids`` the day before that an event starts (an .ics is attached). The key
    names the start, so a moved event is announced again and an unchanged one once."""
    local = utc_to_helsinki(starts_at)
    starts = local.isoformat(sep=" ", timespec="minutes")  # readable, and the .ics reads it back
    for user_id in sorted(set(user_ids)):
        key = f"event_tomorrow:{event_id}:{starts_at:%Y%m%d%H%M}:{user_id}"
        notify(user_id, "event_tomorrow", key, programme, title=title, starts=starts, place=place)


def sparring_tomorrow(
    programme: Programme, session_id: int, group_name: str, starts_at: datetime, user_ids: list[int]
) -> None:
    """A sparring session tomorrow, told as an event (same mail, same .ics) to the group's members."""
    title = _l("Sparring session: %(group)s", group=group_name)
    event_tomorrow(programme, f"sparring-{session_id}", title, starts_at, None, user_ids)


def at_risk_nudge(programme: Programme, group_id: int, member_ids: list[int], day: date) -> int:
    """A facilitator's nudge to a pair flagged at risk: one mail to each member, at most one a
    day however often it is pressed; returns how many were queued now."""
    queued = 0
    for user_id in sorted(set(member_ids)):
        key = f"at_risk_nudge:{group_id}:{day.isoformat()}:{user_id}"
        if db.session.scalar(db.select(Notification.id).where(Notification.key == key)) is None:
            notify(user_id, "at_risk_nudge", key, programme)
            queued += 1
    return queued


def meeting_change(
    programme: Programme, change_id: int, proposer_id: int, confirmer_ids: list[int], starts_at: datetime
) -> None:
    """Tell the people whose confirmation a proposed change to a counted meeting waits for."""
    for user_id in sorted(set(confirmer_ids) - {proposer_id}):
        notify(user_id, "meeting_change", f"meeting_change:{change_id}:{user_id}", programme, date=_day(starts_at))


def agreement_version(programme: Programme, group_id: int, number: int, author_id: int, member_ids: list[int]) -> None:
    """Tell the other members that a new agreement version waits for their acceptance."""
    for user_id in sorted(set(member_ids) - {author_id}):
        notify(
            user_id, "agreement_version", f"agreement_version:{group_id}:{number}:{user_id}", programme, version=number
        )


def accessibility_feedback(feedback_id: int, deadline: date) -> None:
    """Tell every administrator that accessibility feedback waits for an answer by ``deadline``."""
    when = f"{deadline.day}.{deadline.month}.{deadline.year}"
    for user_id in _administrators():
        notify(user_id, "accessibility_feedback", f"accessibility_feedback:{feedback_id}:{user_id}", deadline=when)


def _administrators(course_id: int | None = None) -> list[int]:
    """The active administrators (of ``course_id``; None: of any course)."""
    query = db.select(Enrolment.user_id).where(Enrolment.role == ADMINISTRATOR, Enrolment.active.is_(True))
    if course_id is not None:
        query = query.where(Enrolment.course_id == course_id)
    return sorted(set(db.session.scalars(query)))


def gradebook_failing(_sender: object, now: datetime) -> None:
    """A receiver of ``signals.mail_due``: tell the course's administrators when its scores have
    failed to reach the gradebook for more than a day, once per failing episode (named by the
    oldest failing score: a new episode begins when that one is delivered or replaced)."""
    for failing in failing_deliveries(now):
        programme = current_programme(failing.course_id)
        for user_id in _administrators(failing.course_id):
            key = f"gradebook_failing:{failing.course_id}:{failing.first_id}:{user_id}"
            notify(user_id, "gradebook_failing", key, programme, course=failing.course_title, count=failing.count)


def not_registered(programme: Programme) -> list[int]:
    """Participants on the course roster who have not registered for ``programme``."""
    registered = db.select(Registration.user_id).where(Registration.programme_id == programme.id)
    return list(
        db.session.scalars(
            db.select(Enrolment.user_id)
            .where(
                Enrolment.course_id == programme.course_id,
                Enrolment.role == PARTICIPANT,
                Enrolment.active.is_(True),
                Enrolment.user_id.not_in(registered),
            )
            .order_by(Enrolment.user_id)
        )
    )


def remind_registration(programme: Programme) -> int:
    """One reminder to each participant who has not registered (a second press adds none to
    those already reminded); returns how many were queued now."""
    closes = programme.registration_closes
    when = f"{closes.day}.{closes.month}.{closes.year}" if closes else ""
    queued = 0
    for user_id in not_registered(programme):
        key = f"registration_reminder:{programme.id}:{user_id}"
        if db.session.scalar(db.select(Notification.id).where(Notification.key == key)) is None:
            notify(user_id, "registration_reminder", key, programme, closes=when)
            queued += 1
    return queued


def survey_reminder(programme: Programme, survey: str, stage: str, closes: date, user_ids: list[int]) -> int:
    """Remind each of ``user_ids`` of the ``survey`` (its ``stage``: "opened" or "closing") once:
    a second call for the same survey and stage adds nothing. Returns how many were queued now."""
    keys = {user_id: f"survey_reminder:{programme.id}:{survey}:{stage}:{user_id}" for user_id in user_ids}
    sent = set(db.session.scalars(db.select(Notification.key).where(Notification.key.in_(list(keys.values())))))
    when = f"{closes.day}.{closes.month}.{closes.year}"
    queued = 0
    for user_id, key in keys.items():
        if key not in sent:
            notify(user_id, "survey_reminder", key, programme, survey=survey, stage=stage, closes=when)
            queued += 1
    return queued


def preferences(user_id: int) -> Preferences:
    row = db.session.get(MailPreference, user_id)
    if row is None:
        return Preferences()
    return Preferences(off=frozenset(row.off or ()), all_off=row.all_off, digest=row.digest)


def preferences_of(user_ids: set[int]) -> dict[int, Preferences]:
    """Several people's preferences in one query (the worker's batch)."""
    rows = db.session.scalars(db.select(MailPreference).where(MailPreference.user_id.in_(user_ids))).all()
    found = {r.user_id: Preferences(off=frozenset(r.off or ()), all_off=r.all_off, digest=r.digest) for r in rows}
    return {user_id: found.get(user_id, Preferences()) for user_id in user_ids}


def save_preferences(user_id: int, prefs: Preferences) -> None:
    row = db.session.get(MailPreference, user_id)
    if row is None:
        row = MailPreference(user_id=user_id)
        db.session.add(row)
    row.off = sorted(k for k in prefs.off if k in KINDS)
    row.all_off = prefs.all_off
    row.digest = prefs.digest
    row.updated_at = utcnow()


@cache
def _unsubscribe_serializer(secret: str) -> URLSafeSerializer:
    """One per secret key: building it is half the cost of a token, and the worker makes one a mail."""
    return URLSafeSerializer(secret, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int) -> str:
    return str(_unsubscribe_serializer(current_app.config["SECRET_KEY"]).dumps(user_id))


def unsubscriber(token: str) -> User | None:
    """The person a signed unsubscribe link names, or None for a link that is not ours."""
    try:
        user_id = _unsubscribe_serializer(current_app.config["SECRET_KEY"]).loads(token)
    except BadSignature:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def unsubscribe(user_id: int) -> None:
    current = preferences(user_id)
    save_preferences(user_id, Preferences(off=current.off, all_off=True, digest=current.digest))


def choose_language(user: User, language: str) -> None:
    """The language a person chose in the tool: their next launches and mails use it."""
    user.language = language


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, int]  # by status
    failed: list[tuple[str, str, str]]  # person, kind, reason


def summary(course_id: int | None = None) -> OutboxSummary:
    """The outbox by state (for administrators of ``course_id``; None: every course), with each
    failed mail's reason."""
    query = db.select(Notification.status, func.count()).group_by(Notification.status)
    failed_query = (
        db.select(User, Notification.kind, Notification.last_error)
        .join(User, User.id == Notification.user_id)
        .where(Notification.status == "failed")
        .order_by(Notification.id.desc())
        .limit(50)
    )
    if course_id is not None:
        programmes = db.select(Programme.id).where(Programme.course_id == course_id)
        query = query.where(Notification.programme_id.in_(programmes))
        failed_query = failed_query.where(Notification.programme_id.in_(programmes))
    counts: dict[str, int] = {status: 0 for status in STATUSES}
    for status, count in db.session.execute(query).all():
        counts[status] = count
    failed = [(user.display_name, kind, error or "") for user, kind, error in db.session.execute(failed_query).all()]
    return OutboxSummary(counts, failed)
