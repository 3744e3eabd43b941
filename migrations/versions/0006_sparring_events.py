"""Sparring groups, programme events, attendance, calendar feeds

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete=None):
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"), ondelete=ondelete
    )


def upgrade():
    op.create_table(
        "sparring_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        _fk("sparring_group", "programme_id", "programme.id"),
        _fk("sparring_group", "facilitator_id", "user_account.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sparring_group")),
    )
    op.create_index(op.f("ix_sparring_group_programme_id"), "sparring_group", ["programme_id"])

    op.create_table(
        "sparring_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        _fk("sparring_member", "group_id", "sparring_group.id", "CASCADE"),
        _fk("sparring_member", "user_id", "user_account.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sparring_member")),
        sa.UniqueConstraint("group_id", "user_id", name=op.f("uq_sparring_member_group_id")),
    )
    op.create_index(op.f("ix_sparring_member_group_id"), "sparring_member", ["group_id"])
    op.create_index(op.f("ix_sparring_member_user_id"), "sparring_member", ["user_id"])

    op.create_table(
        "sparring_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("video_url", sa.String(length=1024), nullable=True),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("sparring_session", "group_id", "sparring_group.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sparring_session")),
    )
    op.create_index(op.f("ix_sparring_session_group_id"), "sparring_session", ["group_id"])

    op.create_table(
        "sparring_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("module_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("sparring_material", "group_id", "sparring_group.id", "CASCADE"),
        _fk("sparring_material", "created_by_id", "user_account.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sparring_material")),
    )
    op.create_index(op.f("ix_sparring_material_group_id"), "sparring_material", ["group_id"])

    op.create_table(
        "sparring_thread",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        _fk("sparring_thread", "group_id", "sparring_group.id", "CASCADE"),
        _fk("sparring_thread", "author_id", "user_account.id"),
        _fk("sparring_thread", "deleted_by_id", "user_account.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sparring_thread")),
    )
    op.create_index(op.f("ix_sparring_thread_group_id"), "sparring_thread", ["group_id"])

    op.create_table(
        "sparring_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        _fk("sparring_post", "thread_id", "sparring_thread.id", "CASCADE"),
        _fk("sparring_post", "author_id", "user_account.id"),
        _fk("sparring_post", "deleted_by_id", "user_account.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sparring_post")),
    )
    op.create_index(op.f("ix_sparring_post_thread_id"), "sparring_post", ["thread_id"])

    op.create_table(
        "programme_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.String(length=16), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        _fk("programme_event", "programme_id", "programme.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_event")),
        sa.UniqueConstraint("programme_id", "slot", name=op.f("uq_programme_event_programme_id")),
    )
    op.create_index(op.f("ix_programme_event_programme_id"), "programme_event", ["programme_id"])

    op.create_table(
        "event_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        _fk("event_attendance", "event_id", "programme_event.id", "CASCADE"),
        _fk("event_attendance", "user_id", "user_account.id"),
        _fk("event_attendance", "recorded_by_id", "user_account.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_attendance")),
        sa.UniqueConstraint("event_id", "user_id", name=op.f("uq_event_attendance_event_id")),
    )
    op.create_index(op.f("ix_event_attendance_event_id"), "event_attendance", ["event_id"])
    op.create_index(op.f("ix_event_attendance_user_id"), "event_attendance", ["user_id"])

    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_fetched_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        _fk("calendar_feed", "user_id", "user_account.id"),
        _fk("calendar_feed", "course_id", "course.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )
    op.create_index(op.f("ix_calendar_feed_user_id"), "calendar_feed", ["user_id"])
    op.create_index(op.f("ix_calendar_feed_course_id"), "calendar_feed", ["course_id"])


def downgrade():
    for table in (
        "calendar_feed", "event_attendance", "programme_event", "sparring_post", "sparring_thread",
        "sparring_material", "sparring_session", "sparring_member", "sparring_group",
    ):
        op.drop_table(table)
