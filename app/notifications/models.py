"""The mail outbox and each person's mail preferences."""

from app.core.clock import utcnow
from app.core.db import Model, db

PENDING = "pending"
SENT = "sent"
FAILED = "failed"  # refused for good (5xx), or no address
SKIPPED = "skipped"  # the person turned this kind off before it was sent
UNKNOWN = "unknown"  # a worker stopped between handing it to the server and recording it
STATUSES = (PENDING, SENT, FAILED, SKIPPED, UNKNOWN)


class Notification(Model):
    """One mail to one person. ``key`` names the event that causes it: the same event never
    mails twice (a unique key, inserted with on-conflict-do-nothing)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        db.CheckConstraint("status IN ('pending', 'sent', 'failed', 'skipped', 'unknown')", name="status_known"),
        db.Index("ix_mail_outbox_due", "status", "next_attempt_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(255), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=True)
    kind = db.Column(db.String(40), nullable=False)
    # Only the fields the kind's templates may use (app/notifications/rules.py KINDS).
    params = db.Column(db.JSON, nullable=False, default=dict)
    digest = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(db.String(16), nullable=False, default=PENDING)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    locked_by = db.Column(db.String(64))
    locked_until = db.Column(db.DateTime)
    # Set in the transaction before the mail goes to the server, cleared with its outcome: a row
    # found with it set was interrupted in between, and is never sent again.
    sending_at = db.Column(db.DateTime)
    last_status = db.Column(db.Integer)
    last_error = db.Column(db.String(255))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime)


class MailPreference(Model):
    """What a person wants by mail; no row means everything, one mail each."""

    __tablename__ = "mail_preference"

    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), primary_key=True)
    off = db.Column(db.JSON, nullable=False, default=list)  # kinds turned off
    all_off = db.Column(db.Boolean, nullable=False, default=False)
    digest = db.Column(db.Boolean, nullable=False, default=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
