"""Meeting changes that wait for the other side; the scores last sent, for recomputing

Revision ID: 0012
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mentoring_meeting_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("meeting_starts_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("attendee_ids", sa.JSON(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("confirmers", sa.JSON(), nullable=False),
        sa.Column("confirmed_ids", sa.JSON(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('delete', 'correct')", name=op.f("ck_mentoring_meeting_change_kind_known")),
        sa.CheckConstraint(
            "status IN ('pending', 'applied', 'declined', 'withdrawn', 'superseded', 'facilitator')",
            name=op.f("ck_mentoring_meeting_change_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["mentoring_group.id"],
            name=op.f("fk_mentoring_meeting_change_group_id_mentoring_group"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["mentoring_meeting.id"],
            name=op.f("fk_mentoring_meeting_change_meeting_id_mentoring_meeting"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["user_account.id"],
            name=op.f("fk_mentoring_meeting_change_proposed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"],
            name=op.f("fk_mentoring_meeting_change_decided_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_meeting_change")),
    )
    op.create_index(op.f("ix_mentoring_meeting_change_group_id"), "mentoring_meeting_change", ["group_id"])
    op.create_index(
        "uq_mentoring_meeting_change_one_pending", "mentoring_meeting_change", ["meeting_id"], unique=True,
        sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"),
    )

    # The N each stored count's last score used: the programme's current N (the only one known).
    with op.batch_alter_table("mentoring_meeting_count", schema=None) as batch_op:
        batch_op.add_column(sa.Column("required", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE mentoring_meeting_count SET required = "
        "(SELECT required_meetings FROM programme WHERE programme.id = mentoring_meeting_count.programme_id)"
    )

    # Starts empty on purpose: attendance recorded before any score was sent for it is sent at
    # the programme's next recompute.
    op.create_table(
        "event_attendance_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("attended", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_event_attendance_score_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_event_attendance_score_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_attendance_score")),
        sa.UniqueConstraint("programme_id", "user_id", name=op.f("uq_event_attendance_score_programme_id")),
    )
    op.create_index(op.f("ix_event_attendance_score_programme_id"), "event_attendance_score", ["programme_id"])
    op.create_index(op.f("ix_event_attendance_score_user_id"), "event_attendance_score", ["user_id"])


def downgrade():
    op.drop_table("event_attendance_score")
    with op.batch_alter_table("mentoring_meeting_count", schema=None) as batch_op:
        batch_op.drop_column("required")
    op.drop_index("uq_mentoring_meeting_change_one_pending", table_name="mentoring_meeting_change")
    op.drop_table("mentoring_meeting_change")
