"""Sparring groups and their spaces: members, sessions, materials, discussion threads and posts.

Times are naive UTC in the database (as everywhere in the tool); pages show and take
Europe/Helsinki times (``helsinki_to_utc``, ``utc_to_helsinki`` in :mod:`app.mentoring.rules`).
"""

from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, relationship

from app.core.clock import utcnow
from app.core.db import Model, db

if TYPE_CHECKING:
    from app.people.models import User
    from app.programme.models import Programme

MENTORS = "mentors"
AKTORIS = "aktoris"
AUDIENCES = (MENTORS, AKTORIS)

MODULE = "module"  # a link to a content module
NOTE = "note"  # a Markdown note


class SparringGroup(Model):
    __tablename__ = "sparring_group"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False, index=True)
    name = db.Column(db.String(255), nullable=False)
    audience = db.Column(db.String(16), nullable=False)  # mentors or aktoris
    facilitator_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    archived_at = db.Column(db.DateTime)

    programme: Mapped["Programme"] = relationship("Programme")
    facilitator: Mapped["User | None"] = relationship("User")
    members: Mapped[list["SparringMember"]] = relationship(
        "SparringMember",
        back_populates="group",
        cascade="all, delete-orphan",
        order_by="SparringMember.id",
        lazy="selectin",
    )

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class SparringMember(Model):
    __tablename__ = "sparring_member"
    __table_args__ = (db.UniqueConstraint("group_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(db.Integer, db.ForeignKey("sparring_group.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False, index=True)
    added_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    group: Mapped["SparringGroup"] = relationship("SparringGroup", back_populates="members")
    user: Mapped["User"] = relationship("User", lazy="joined")


class SparringSession(Model):
    """A meeting of the whole sparring group (not a pair's mentoring meeting)."""

    __tablename__ = "sparring_session"

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(db.Integer, db.ForeignKey("sparring_group.id", ondelete="CASCADE"), nullable=False, index=True)
    starts_at = db.Column(db.DateTime, nullable=False)  # naive UTC
    duration_minutes = db.Column(db.Integer, nullable=False)
    video_url = db.Column(db.String(1024))
    agenda = db.Column(db.Text, nullable=False, default="")  # Markdown
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    group: Mapped["SparringGroup"] = relationship("SparringGroup")


class SparringMaterial(Model):
    """A link to a content module, or a note in Markdown (no file uploads)."""

    __tablename__ = "sparring_material"

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(db.Integer, db.ForeignKey("sparring_group.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)  # module or note
    module_id = db.Column(db.String(64))
    title = db.Column(db.String(255), nullable=False, default="")
    body = db.Column(db.Text, nullable=False, default="")  # Markdown, for notes
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class SparringThread(Model):
    __tablename__ = "sparring_thread"

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(db.Integer, db.ForeignKey("sparring_group.id", ondelete="CASCADE"), nullable=False, index=True)
    title = db.Column(db.String(200), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    deleted_at = db.Column(db.DateTime)
    deleted_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)

    author: Mapped["User | None"] = relationship("User", foreign_keys=[author_id])
    posts: Mapped[list["SparringPost"]] = relationship(
        "SparringPost",
        back_populates="thread",
        cascade="all, delete-orphan",
        order_by="SparringPost.id",
    )


class SparringPost(Model):
    """The thread's opening post and its replies. ``body`` is the author's Markdown source; it is
    rendered and sanitised on display, so a change of the allow-list applies to old posts too."""

    __tablename__ = "sparring_post"

    id = db.Column(db.Integer, primary_key=True)
    thread_id = db.Column(
        db.Integer, db.ForeignKey("sparring_thread.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    edited_at = db.Column(db.DateTime)
    deleted_at = db.Column(db.DateTime)
    deleted_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=True)

    thread: Mapped["SparringThread"] = relationship("SparringThread", back_populates="posts")
    author: Mapped["User | None"] = relationship("User", foreign_keys=[author_id])
