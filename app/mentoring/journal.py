"""The private journal: reflection notes seen by their author only, encrypted at rest.

Entries are Fernet tokens (AES-128-CBC with HMAC-SHA256) under ``JOURNAL_KEY`` from the
configuration. Several comma-separated keys are accepted so the key can be rotated: the first
encrypts, any decrypts. The text is decrypted only for its author's own pages and for their own
data export (:func:`entries_for_export`); no other view, report or export reads it.
"""

from __future__ import annotations

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


def _cipher(keys: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])
    except (ValueError, TypeError) as exc:
        raise JournalKeyError(
            "JOURNAL_KEY must be one or more comma-separated Fernet keys (32 bytes, URL-safe base64)."
        ) from exc


def init_app(app) -> None:
    """Check the key at start-up, so a bad key stops the app rather than the first entry."""
    app.extensions["journal_cipher"] = _cipher(app.config.get("JOURNAL_KEY") or "")


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
