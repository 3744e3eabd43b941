"""The private journal: reflection notes seen by their author only, encrypted at rest.

Entries are Fernet tokens (AES-128-CBC with HMAC-SHA256) under ``JOURNAL_KEY`` from the
configuration. Several comma-separated keys are accepted so the key can be rotated: the first
encrypts, any decrypts, and :func:`rekey_batch` (``flask --app app journal rekey``) re-encrypts
the entries still under an older key with the first. The text is decrypted only for its
author's own pages and for their own data export (:func:`entries_for_export`); no other view,
report or export reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core.db import db

from .models import JournalEntry

BODY_MAX = 20_000

# Reflection prompts the material links to; a prompt opens a new entry prefilled with its text.
PROMPTS = {
    "expectations": _l("What do I hope to learn in this programme, and how will I notice that I have?"),
    "after-meeting": _l("What stayed with me from our last meeting? What will I try before the next one?"),
    "midpoint": _l("Halfway through: how have my goals moved, and what do I want from the meetings that remain?"),
    "closing": _l("Looking back on the year: what changed in how I work, and what do I take with me?"),
}


class JournalKeyError(RuntimeError):
    """JOURNAL_KEY is not a usable Fernet key."""


KEY_FORMAT = "JOURNAL_KEY must be one or more comma-separated Fernet keys (32 bytes, URL-safe base64)."


def _keys(keys: str) -> list[Fernet]:
    try:
        fernets = [Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()]
    except (ValueError, TypeError) as exc:
        raise JournalKeyError(KEY_FORMAT) from exc
    if not fernets:
        raise JournalKeyError(KEY_FORMAT)
    return fernets


def init_app(app) -> None:
    """Check the key at start-up, so a bad key stops the app rather than the first entry."""
    keys = _keys(app.config.get("JOURNAL_KEY") or "")
    app.extensions["journal_cipher"] = MultiFernet(keys)
    app.extensions["journal_first_key"] = keys[0]


def encrypt(text: str) -> str:
    return current_app.extensions["journal_cipher"].encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return current_app.extensions["journal_cipher"].decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise JournalKeyError("A journal entry cannot be decrypted with the configured JOURNAL_KEY.") from exc


def own_entries(user_id: int, programme_id: int | None = None) -> list[JournalEntry]:
    query = db.select(JournalEntry).where(JournalEntry.user_id == user_id)
    if programme_id is not None:
        query = query.where(JournalEntry.programme_id == programme_id)
    return list(db.session.scalars(query.order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc())))


def entries_for_export(user_id: int) -> list[dict]:
    """Everything in this person's journal, decrypted, for THEIR OWN data export only."""
    return [
        {
            "id": entry.id,
            "programme_id": entry.programme_id,
            "prompt": entry.prompt_id,
            "text": decrypt(entry.body),
            "created_at": entry.created_at.isoformat(),
            "updated_at": entry.updated_at.isoformat(),
        }
        for entry in own_entries(user_id)
    ]


@dataclass(frozen=True)
class RekeyBatch:
    last_id: int | None  # the highest entry id looked at; None: no entries after ``after_id``
    rewritten: int  # re-encrypted with the first key
    current: int  # already under the first key (written since, or by an earlier run)
    unreadable: list[int]  # ids no configured key decrypts; nothing is rewritten then


def rekey_batch(after_id: int, size: int, *, write: bool = True) -> RekeyBatch:
    """Re-encrypt, with the first JOURNAL_KEY, up to ``size`` entries with ids above ``after_id``
    that an older key encrypted. Entries already under the first key are left as they are, so a
    run that stopped can simply run again. If any entry of the batch decrypts with no configured
    key, nothing in the batch changes and its ids are returned. ``write=False`` only checks.

    An entry its author saves meanwhile is not overwritten: the update matches the old ciphertext.
    Flushes; the caller commits each batch."""
    first: Fernet = current_app.extensions["journal_first_key"]
    cipher: MultiFernet = current_app.extensions["journal_cipher"]
    rows = db.session.execute(
        db.select(JournalEntry.id, JournalEntry.body)
        .where(JournalEntry.id > after_id)
        .order_by(JournalEntry.id)
        .limit(size)
    ).all()
    older: list[tuple[int, str, str]] = []
    unreadable: list[int] = []
    for entry_id, body in rows:
        token = body.encode("ascii")
        try:
            first.decrypt(token)
            continue
        except InvalidToken:
            pass
        try:
            # rotate keeps the token's original timestamp
            older.append((entry_id, body, cipher.rotate(token).decode("ascii")))
        except InvalidToken:
            unreadable.append(entry_id)
    if write and not unreadable:
        for entry_id, old, new in older:
            db.session.execute(
                db.update(JournalEntry)
                .where(JournalEntry.id == entry_id, JournalEntry.body == old)
                # re-encryption is not an edit: the author's "updated" time stays
                .values(body=new, updated_at=JournalEntry.updated_at)
            )
        db.session.flush()
    return RekeyBatch(
        last_id=rows[-1][0] if rows else None,
        rewritten=len(older),
        current=len(rows) - len(older) - len(unreadable),
        unreadable=unreadable,
    )
