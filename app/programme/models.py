"""A programme (cohort) run inside one course; a course can hold successive programmes."""
from ..extensions import db
from ..lti.models import utcnow


class Programme(db.Model):
    __tablename__ = "programme"

    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False, index=True)
    name = db.Column(db.String(255), nullable=False)
    registration_opens = db.Column(db.Date)
    registration_closes = db.Column(db.Date)
    kickoff = db.Column(db.Date, nullable=False)
    midpoint = db.Column(db.Date)
    closing = db.Column(db.Date, nullable=False)
    required_meetings = db.Column(db.Integer, nullable=False, default=6)
    min_meeting_minutes = db.Column(db.Integer, nullable=False, default=45)
    max_meeting_minutes = db.Column(db.Integer, nullable=False, default=75)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    course = db.relationship("Course")
