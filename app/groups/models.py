"""Mentoring pairs and small groups ("matches"): drafts the facilitator reviews, then published.

Participants only ever see published groups. A group records its form and each member's role;
``app.mentoring`` hangs the agreement, meetings and completion on it.
"""

from typing import TYPE_CHECKING

from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, relationship

from app.core.clock import utcnow
from app.core.db import Model, db

if TYPE_CHECKING:
    from app.people.models import User
    from app.programme.models import Programme, Registration

DRAFT = "draft"
# Published, the members first sound out whether goals and expectations meet (app.groups.rules);
# when every member says go on, the group becomes PUBLISHED (agreed) and the agreement step opens.
SOUNDING_OUT = "sounding_out"
PUBLISHED = "published"
ENDED = "ended"  # ended early (or closed); counted meetings stay counted
DISSOLVED = "dissolved"  # a member asked for another match while sounding out
WITHDRAWN = "withdrawn"  # a facilitator took the match back before its members met (app.matching)
STATUSES = (DRAFT, SOUNDING_OUT, PUBLISHED, ENDED, DISSOLVED, WITHDRAWN)
# Participants see agreed and ended groups in their mentoring, never drafts; a group sounding out
# is shown on the match page only (app.matching), so no agreement or meeting is made before.
VISIBLE = (PUBLISHED, ENDED)
# Published to its members: sounding out or agreed; its members are no longer free for matching.
MATCHED = (SOUNDING_OUT, PUBLISHED)

MEMBER_ROLES = ("mentor", "aktori", "peer")


class MentoringGroup(Model):
    __tablename__ = "mentoring_group"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    form = db.Column(db.String(16), nullable=False)  # traditional, reverse, group, peer
    status = db.Column(db.String(16), nullable=False, default=DRAFT, index=True)
    locked = db.Column(db.Boolean, nullable=False, default=False)
    score = db.Column(db.Float)
    reasons = db.Column(db.JSON, nullable=False, default=list)  # [{"code":…, "params":{…}}]
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    published_at = db.Column(db.DateTime)
    ended_at = db.Column(db.DateTime)
    ended_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    end_reason = db.Column(db.Text)  # for the facilitator only, never shown to HR
    sounding_deadline = db.Column(db.Date)  # by default the programme's kickoff
    agreed_at = db.Column(db.DateTime)

    programme: Mapped["Programme"] = relationship("Programme")
    members: Mapped[list["GroupMember"]] = relationship(
        "GroupMember",
        back_populates="group",
        cascade="all, delete-orphan",
        order_by="GroupMember.id",
        lazy="selectin",
    )

    @hybrid_property
    def visible_to_participants(self) -> bool:
        return self.status in VISIBLE

    @visible_to_participants.inplace.expression
    @classmethod
    def _visible_to_participants(cls):
        return cls.status.in_(VISIBLE)


class GroupMember(Model):
    __tablename__ = "group_member"
    __table_args__ = (db.UniqueConstraint("group_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(
        db.Integer, db.ForeignKey("mentoring_group.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    registration_id = db.Column(db.Integer, db.ForeignKey("registration.id"), nullable=True)
    role = db.Column(db.String(16), nullable=False)  # mentor, aktori, peer
    sounding_answer = db.Column(db.String(16))  # None, go_on or rematch (app.groups.rules)
    sounding_reason = db.Column(db.Text)  # why a rematch; facilitators only, never the other members
    answered_at = db.Column(db.DateTime)

    group: Mapped["MentoringGroup"] = relationship("MentoringGroup", back_populates="members")
    user: Mapped["User"] = relationship("User")
    registration: Mapped["Registration | None"] = relationship("Registration")
