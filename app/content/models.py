"""What the tool stores about the reading material: who marked which module read, per course.

Only counts ever leave this table for staff (how many participants of a course have read a
module); no view shows who read what.
"""

from app.core.clock import utcnow
from app.core.db import Model, db


class ContentReadMark(Model):
    """A participant's own "I have read this" for one module in one course."""

    __tablename__ = "content_read_mark"
    __table_args__ = (db.UniqueConstraint("user_id", "course_id", "module_id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False)  # the unique key leads with it
    course_id = db.Column(db.Integer, db.ForeignKey("course.id"), nullable=False, index=True)
    module_id = db.Column(db.String(100), nullable=False)
    read_at = db.Column(db.DateTime, nullable=False, default=utcnow)
