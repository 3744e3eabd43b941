"""Personal-data duties: a person's own export, erasure of one person, and the purge of a
programme after its retention period.

The export and the erasure walk the schema (``db.metadata``) rather than a fixed list of tables,
so a table added later is covered: every row whose owner column names the person is theirs.
"""

import json
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, Text, cast, delete, or_, select, update

from app.core.db import db, rowcount

from ..people.models import ERASED_SUBJECT_PREFIX, User

# Columns that say "this row is this person's": their registration, journal, membership, post…
OWNER_COLUMNS = ("user_id", "author_id")
# Never exported: session state, protocol secrets, token digests (they are keys, not data
# about the person) and ciphertext (the journal is exported decrypted instead).
SKIPPED_TABLES = {"web_session", "lti_used_nonce", "lti_access_token", "audit_entry"}
SKIPPED_COLUMNS = {"token_hash", "token", "locked_by"}
JOURNAL_TABLE = "mentoring_journal_entry"

# Rows that stay after an erasure because other people's records depend on them: the person's
# place in a pair or group, their attestations and acceptances (so meetings keep counting for
# the others), and posts in a shared discussion (kept, with the author removed).
KEPT_ON_ERASURE = {
    "group_member",
    "mentoring_meeting_attestation",
    "mentoring_agreement_acceptance",
    "sparring_post",
    "sparring_thread",
}
ERASED_TEXT = "[poistettu]"  # what replaces the person's name or address in others' texts


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _owner_columns(table):
    return [
        c
        for c in table.columns
        if c.name in OWNER_COLUMNS and any(fk.column.table.name == "user_account" for fk in c.foreign_keys)
    ]


def export_person(user: User) -> dict:
    """Everything the tool holds about ``user``, for their own download (GDPR Art. 15)."""
    from ..mentoring.journal import entries_for_export

    data: dict[str, Any] = {
        "account": {c.name: _jsonable(getattr(user, c.name)) for c in User.__table__.columns},
        "tables": {},
    }
    for table in db.metadata.sorted_tables:
        if table.name in SKIPPED_TABLES or table.name == JOURNAL_TABLE:
            continue
        owners = _owner_columns(table)
        if not owners:
            continue
        columns = [c for c in table.columns if c.name not in SKIPPED_COLUMNS]
        rows = (
            db.session.execute(
                select(*columns).where(or_(*(c == user.id for c in owners))).order_by(*table.primary_key.columns)
            )
            .mappings()
            .all()
        )
        if rows:
            data["tables"][table.name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
    data["journal"] = entries_for_export(user.id)
    data["meetings"] = _meetings(user.id)
    data["gradebook_scores"] = _scores(user.id)
    return data


def _meetings(user_id: int) -> list[dict]:
    """The meetings the person attended (their attestations name only a meeting id)."""
    from ..mentoring.models import Meeting, MeetingAttestation

    rows = (
        db.session.execute(
            select(
                Meeting.id,
                Meeting.group_id,
                Meeting.starts_at,
                Meeting.duration_minutes,
                Meeting.mode,
                MeetingAttestation.status,
            )
            .join(MeetingAttestation, MeetingAttestation.meeting_id == Meeting.id)
            .where(MeetingAttestation.user_id == user_id)
            .order_by(Meeting.starts_at)
        )
        .mappings()
        .all()
    )
    return [{k: _jsonable(v) for k, v in row.items()} for row in rows]


def _scores(user_id: int) -> list[dict]:
    from ..lti.models import ScoreOutbox
    from ..people.models import Enrolment

    rows = (
        db.session.execute(
            select(
                ScoreOutbox.resource,
                ScoreOutbox.score_given,
                ScoreOutbox.score_maximum,
                ScoreOutbox.activity_progress,
                ScoreOutbox.comment,
                ScoreOutbox.status,
                ScoreOutbox.created_at,
            )
            .join(Enrolment, Enrolment.id == ScoreOutbox.enrolment_id)
            .where(Enrolment.user_id == user_id)
            .order_by(ScoreOutbox.id)
        )
        .mappings()
        .all()
    )
    return [{k: _jsonable(v) for k, v in row.items()} for row in rows]


def export_json(user: User) -> bytes:
    return json.dumps(export_person(user), ensure_ascii=False, indent=2).encode("utf-8")


# --------------------------------------------------------------------------------------------
# Erasure
# --------------------------------------------------------------------------------------------


def identifying_strings(user: User) -> list[str]:
    """The person's name and address as they may appear in others' texts."""
    values = {user.name, user.email, " ".join(p for p in (user.given_name, user.family_name) if p)}
    if user.email:
        values.add(user.email.lower())
    return sorted((v for v in values if v and len(v) >= 3), key=len, reverse=True)


def _json_forms(term: str) -> list[str]:
    """``term`` as it appears inside stored JSON: as typed and with non-ASCII escaped."""
    escaped = json.dumps(term)[1:-1]
    return [term] if escaped == term else [term, escaped]


def _replace_in(value, terms):
    if isinstance(value, str):
        for term in terms:
            value = value.replace(term, ERASED_TEXT)
        return value
    if isinstance(value, list):
        return [_replace_in(v, terms) for v in value]
    if isinstance(value, dict):
        return {k: _replace_in(v, terms) for k, v in value.items()}
    return value


def scrub_texts(terms: list[str], *, skip=("user_account", "audit_entry")) -> int:
    """Replace ``terms`` in every text and JSON column of every table (others' goals,
    agreement texts, posts, nominations…). Returns the number of rows changed."""
    if not terms:
        return 0
    changed = 0
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        key = list(table.primary_key.columns)
        for column in table.columns:
            if column in key or column.name in SKIPPED_COLUMNS:
                continue
            if isinstance(column.type, (String, Text)):
                for term in terms:
                    result = db.session.execute(
                        update(table)
                        .where(column.contains(term, autoescape=True))
                        .values({column.name: db.func.replace(column, term, ERASED_TEXT)})
                    )
                    changed += rowcount(result)
            elif isinstance(column.type, JSON):
                matches = or_(
                    *(
                        cast(column, Text).contains(form, autoescape=True)
                        for term in terms
                        for form in _json_forms(term)
                    )
                )
                for row in db.session.execute(select(*key, column).where(matches)).all():
                    *ids, value = row
                    db.session.execute(
                        update(table)
                        .where(*(k == i for k, i in zip(key, ids, strict=True)))
                        .values({column.name: _replace_in(value, terms)})
                    )
                    changed += 1
    return changed


def erase_person(user: User) -> dict[str, int]:
    """Erase one person (GDPR Art. 17) in the caller's transaction; returns rows per table.

    Their own records go (registrations, journal, counts, attendance, read marks, memberships,
    sessions, feeds, gradebook queue, enrolments); their place in pairs and groups, their
    attestations and acceptances stay under an anonymous account, so the meetings they attended
    still count for the other members; their posts stay without an author; their name and
    address are replaced in every other text.
    """
    from app.groups.models import GroupMember

    from ..lti.models import ScoreKey, ScoreOutbox
    from ..mentoring.models import MeetingAttestation
    from ..people.models import Enrolment
    from ..programme.models import ColleagueTip, Registration

    terms = identifying_strings(user)
    counts: dict[str, int] = {}
    uid = user.id
    # References into rows about to go: from the group memberships that stay, and from others'
    # nominations of this person.
    own_registrations = select(Registration.id).where(Registration.user_id == uid)
    db.session.execute(
        update(GroupMember).where(GroupMember.registration_id.in_(own_registrations)).values(registration_id=None)
    )
    db.session.execute(
        update(Registration).where(Registration.counterpart_user_id == uid).values(counterpart_user_id=None)
    )
    db.session.execute(update(MeetingAttestation).where(MeetingAttestation.user_id == uid).values(reason=None))
    # Tips that named this person (their own tips go below with everything else they own).
    counts["colleague_tip_about"] = rowcount(
        db.session.execute(delete(ColleagueTip).where(ColleagueTip.joined_user_id == uid))
    )
    own_enrolments = select(Enrolment.id).where(Enrolment.user_id == uid)
    own_keys = select(ScoreKey.id).where(ScoreKey.user_id == uid)
    counts["lti_score_outbox"] = rowcount(
        db.session.execute(
            delete(ScoreOutbox).where(
                or_(ScoreOutbox.enrolment_id.in_(own_enrolments), ScoreOutbox.key_id.in_(own_keys))
            )
        )
    )
    for table in reversed(db.metadata.sorted_tables):
        if table.name in KEPT_ON_ERASURE or table.name == "audit_entry":
            continue
        for column in _owner_columns(table):
            if column.name == "user_id":
                counts[table.name] = rowcount(db.session.execute(delete(table).where(column == uid)))
    for table_name in ("sparring_post", "sparring_thread"):
        table = db.metadata.tables.get(table_name)
        if table is not None:
            counts[table_name] = rowcount(
                db.session.execute(update(table).where(table.c.author_id == uid).values(author_id=None))
            )
    counts["texts_scrubbed"] = scrub_texts(terms)
    user.name = user.given_name = user.family_name = user.email = user.picture = user.locale = None
    # A fresh subject: a later launch by the same Moodle account starts a new, empty record.
    user.subject = f"{ERASED_SUBJECT_PREFIX}{secrets.token_hex(8)}"
    return {k: v for k, v in counts.items() if v}


# --------------------------------------------------------------------------------------------
# Purge after the retention period
# --------------------------------------------------------------------------------------------


def purge_programme(programme) -> dict[str, int]:
    """Delete a finished programme's personal data in the caller's transaction; returns rows
    per table. The programme, its organisations, themes and events stay (they name no one).
    Participants with no registration left in any programme are then erased as people."""
    from app.groups.models import GroupMember, MentoringGroup

    from ..events.models import Attendance, AttendanceScore, ProgrammeEvent
    from ..mentoring.models import (
        Agreement,
        AgreementAcceptance,
        AgreementVersion,
        ChecklistTick,
        JournalEntry,
        Meeting,
        MeetingAttestation,
        MeetingCount,
    )
    from ..programme.models import ColleagueTip, Registration
    from ..sparring.models import (
        SparringGroup,
        SparringMaterial,
        SparringMember,
        SparringPost,
        SparringSession,
        SparringThread,
    )

    pid = programme.id
    people = set(db.session.scalars(select(Registration.user_id).where(Registration.programme_id == pid)))
    people |= set(
        db.session.scalars(
            select(GroupMember.user_id)
            .join(MentoringGroup, MentoringGroup.id == GroupMember.group_id)
            .where(MentoringGroup.programme_id == pid)
        )
    )
    groups = select(MentoringGroup.id).where(MentoringGroup.programme_id == pid)
    meetings = select(Meeting.id).where(Meeting.group_id.in_(groups))
    agreements = select(Agreement.id).where(Agreement.group_id.in_(groups))
    versions = select(AgreementVersion.id).where(AgreementVersion.agreement_id.in_(agreements))
    sparring = select(SparringGroup.id).where(SparringGroup.programme_id == pid)
    threads = select(SparringThread.id).where(SparringThread.group_id.in_(sparring))
    events = select(ProgrammeEvent.id).where(ProgrammeEvent.programme_id == pid)
    steps = [
        (MeetingAttestation, MeetingAttestation.meeting_id.in_(meetings)),
        (Meeting, Meeting.id.in_(meetings)),
        (AgreementAcceptance, AgreementAcceptance.version_id.in_(versions)),
        (AgreementVersion, AgreementVersion.id.in_(versions)),
        (Agreement, Agreement.id.in_(agreements)),
        (ChecklistTick, ChecklistTick.group_id.in_(groups)),
        (GroupMember, GroupMember.group_id.in_(groups)),
        (MentoringGroup, MentoringGroup.programme_id == pid),
        (SparringPost, SparringPost.thread_id.in_(threads)),
        (SparringThread, SparringThread.id.in_(threads)),
        (SparringMaterial, SparringMaterial.group_id.in_(sparring)),
        (SparringSession, SparringSession.group_id.in_(sparring)),
        (SparringMember, SparringMember.group_id.in_(sparring)),
        (SparringGroup, SparringGroup.programme_id == pid),
        (Attendance, Attendance.event_id.in_(events)),
        (AttendanceScore, AttendanceScore.programme_id == pid),
        (JournalEntry, JournalEntry.programme_id == pid),
        (MeetingCount, MeetingCount.programme_id == pid),
        (ColleagueTip, ColleagueTip.programme_id == pid),
        (Registration, Registration.programme_id == pid),
    ]
    counts = {}
    for model, condition in steps:
        counts[model.__tablename__] = rowcount(
            db.session.execute(delete(model).where(condition).execution_options(synchronize_session=False))
        )
    still_registered = (
        set(db.session.scalars(select(Registration.user_id).where(Registration.user_id.in_(people)).distinct()))
        if people
        else set()
    )
    erased = 0
    for user in db.session.scalars(select(User).where(User.id.in_(people - still_registered))):
        erase_person(user)
        erased += 1
    counts["people_erased"] = erased
    return {k: v for k, v in counts.items() if v}


def programmes_due(today: date) -> list:
    """Programmes whose retention period after the closing event has passed."""
    from ..programme.models import Programme
    from .rules import purge_due

    return [
        p
        for p in db.session.scalars(select(Programme).order_by(Programme.closing))
        if purge_due(p.closing, p.retention_months, today)
    ]
