"""What the evaluation keeps.

Survey answers are anonymous by construction: a ``SurveyResponse`` row holds the answers with
the respondent's role and organisation (for the k ≥ 5 slices) and nothing else: no person, no
time, and a random key rather than a running number, so neither its key nor its order can be
lined up with the ``SurveyParticipation`` rows, which say only who has answered (to remind and
to refuse a second answer).
"""

import secrets

from app.core.clock import utcnow
from app.core.db import Model, db


def _random_key() -> str:
    return secrets.token_hex(16)


class Survey(Model):
    """A programme's midpoint or closing survey, once facilitators edit its questions or the
    first answer arrives (until then the default questions apply)."""

    __tablename__ = "evaluation_survey"
    __table_args__ = (
        db.UniqueConstraint("programme_id", "kind"),
        db.CheckConstraint("kind IN ('midpoint', 'closing')", name="kind_known"),
    )

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(16), nullable=False)  # rules.KINDS
    questions = db.Column(db.JSON, nullable=False)  # [{"id", "kind", "text": {"fi", "sv", "en"}}]
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class SurveyResponse(Model):
    """One person's answers, joined to nobody (see the module's docstring)."""

    __tablename__ = "evaluation_response"

    key = db.Column(db.String(32), primary_key=True, default=_random_key)
    survey_id = db.Column(
        db.Integer, db.ForeignKey("evaluation_survey.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role = db.Column(db.String(16), nullable=False)  # mentor, aktori, peer
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True)
    answers = db.Column(db.JSON, nullable=False)  # question id → 1–5 or text


class SurveyParticipation(Model):
    """That a person has answered a survey; never what, nor when."""

    __tablename__ = "evaluation_participation"
    __table_args__ = (db.UniqueConstraint("survey_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    survey_id = db.Column(db.Integer, db.ForeignKey("evaluation_survey.id", ondelete="CASCADE"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)


class MeetingCheckIn(Model):
    """A member's one-click pulse after confirming a meeting: how useful it was, 1–5. Staff see
    only the pair's trend signal (``rules.low_streak``) and k ≥ 5 programme figures."""

    __tablename__ = "evaluation_checkin"
    __table_args__ = (
        db.UniqueConstraint("meeting_id", "user_id"),
        db.CheckConstraint("pulse BETWEEN 1 AND 5", name="pulse_range"),
    )

    id = db.Column(db.Integer, primary_key=True)
    meeting_id = db.Column(
        db.Integer, db.ForeignKey("mentoring_meeting.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    pulse = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
