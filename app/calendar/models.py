"""Calendar feed tokens. Only a SHA-256 of the token is stored: the URL is the credential (a
calendar application fetches it without a session), so a database leak must not reveal it."""

from app.core.clock import utcnow
from app.core.db import db


class CalendarFeed(db.Model):
    __tablename__ = "calendar_feed"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_fetched_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)

    user = db.relationship("User")
    course = db.relationship("Course")
