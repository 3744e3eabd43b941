"""Evaluation: programme surveys (answers kept apart from who answered) and meeting check-ins

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluation_survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('midpoint', 'closing')", name=op.f("ck_evaluation_survey_kind_known")),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"],
            name=op.f("fk_evaluation_survey_programme_id_programme"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_survey")),
        sa.UniqueConstraint("programme_id", "kind", name=op.f("uq_evaluation_survey_programme_id")),
    )
    # No person, no time, a random key: nothing joins an answer to who gave it.
    op.create_table(
        "evaluation_response",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["evaluation_survey.id"],
            name=op.f("fk_evaluation_response_survey_id_evaluation_survey"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"],
            name=op.f("fk_evaluation_response_organisation_id_organisation"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_evaluation_response")),
    )
    op.create_index(op.f("ix_evaluation_response_survey_id"), "evaluation_response", ["survey_id"])
    op.create_table(
        "evaluation_participation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["evaluation_survey.id"],
            name=op.f("fk_evaluation_participation_survey_id_evaluation_survey"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_evaluation_participation_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_participation")),
        sa.UniqueConstraint("survey_id", "user_id", name=op.f("uq_evaluation_participation_survey_id")),
    )
    op.create_index(op.f("ix_evaluation_participation_user_id"), "evaluation_participation", ["user_id"])
    op.create_table(
        "evaluation_checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pulse", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("pulse BETWEEN 1 AND 5", name=op.f("ck_evaluation_checkin_pulse_range")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["mentoring_meeting.id"],
            name=op.f("fk_evaluation_checkin_meeting_id_mentoring_meeting"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_evaluation_checkin_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_checkin")),
        sa.UniqueConstraint("meeting_id", "user_id", name=op.f("uq_evaluation_checkin_meeting_id")),
    )
    op.create_index(op.f("ix_evaluation_checkin_meeting_id"), "evaluation_checkin", ["meeting_id"])
    op.create_index(op.f("ix_evaluation_checkin_user_id"), "evaluation_checkin", ["user_id"])


def downgrade():
    op.drop_table("evaluation_checkin")
    op.drop_table("evaluation_participation")
    op.drop_table("evaluation_response")
    op.drop_table("evaluation_survey")
