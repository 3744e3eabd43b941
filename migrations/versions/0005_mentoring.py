"""Mentoring: agreements, meetings, attestations, journal, pair checklists

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mentoring_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["mentoring_group.id"],
            name=op.f("fk_mentoring_agreement_group_id_mentoring_group"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_agreement")),
        sa.UniqueConstraint("group_id", name=op.f("uq_mentoring_agreement_group_id")),
    )
    op.create_table(
        "mentoring_agreement_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("confidentiality", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("time_use", sa.Text(), nullable=False),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["mentoring_agreement.id"],
            name=op.f("fk_mentoring_agreement_version_agreement_id_mentoring_agreement"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"],
            name=op.f("fk_mentoring_agreement_version_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_agreement_version")),
        sa.UniqueConstraint("agreement_id", "number", name=op.f("uq_mentoring_agreement_version_agreement_id")),
    )
    with op.batch_alter_table("mentoring_agreement_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_agreement_version_agreement_id"), ["agreement_id"], unique=False)

    op.create_table(
        "mentoring_agreement_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["mentoring_agreement_version.id"],
            name=op.f("fk_mentoring_agreement_acceptance_version_id_mentoring_agreement_version"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_mentoring_agreement_acceptance_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_agreement_acceptance")),
        sa.UniqueConstraint("version_id", "user_id", name=op.f("uq_mentoring_agreement_acceptance_version_id")),
    )
    with op.batch_alter_table("mentoring_agreement_acceptance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_agreement_acceptance_version_id"), ["version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentoring_agreement_acceptance_user_id"), ["user_id"], unique=False)

    op.create_table(
        "mentoring_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("logged_by_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_mentoring_meeting_duration_positive")),
        sa.ForeignKeyConstraint(
            ["group_id"], ["mentoring_group.id"],
            name=op.f("fk_mentoring_meeting_group_id_mentoring_group"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["logged_by_id"], ["user_account.id"], name=op.f("fk_mentoring_meeting_logged_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_meeting")),
        sa.UniqueConstraint("group_id", "starts_at", name=op.f("uq_mentoring_meeting_group_id")),
    )
    with op.batch_alter_table("mentoring_meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_meeting_group_id"), ["group_id"], unique=False)

    op.create_table(
        "mentoring_meeting_attestation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["mentoring_meeting.id"],
            name=op.f("fk_mentoring_meeting_attestation_meeting_id_mentoring_meeting"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_mentoring_meeting_attestation_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_meeting_attestation")),
        sa.UniqueConstraint("meeting_id", "user_id", name=op.f("uq_mentoring_meeting_attestation_meeting_id")),
    )
    with op.batch_alter_table("mentoring_meeting_attestation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_meeting_attestation_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentoring_meeting_attestation_user_id"), ["user_id"], unique=False)

    op.create_table(
        "mentoring_meeting_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_mentoring_meeting_count_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_mentoring_meeting_count_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_meeting_count")),
        sa.UniqueConstraint("programme_id", "user_id", name=op.f("uq_mentoring_meeting_count_programme_id")),
    )
    with op.batch_alter_table("mentoring_meeting_count", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_meeting_count_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentoring_meeting_count_user_id"), ["user_id"], unique=False)

    op.create_table(
        "mentoring_checklist_tick",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=128), nullable=False),
        sa.Column("ticked_by_id", sa.Integer(), nullable=True),
        sa.Column("ticked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["mentoring_group.id"],
            name=op.f("fk_mentoring_checklist_tick_group_id_mentoring_group"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticked_by_id"], ["user_account.id"], name=op.f("fk_mentoring_checklist_tick_ticked_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_checklist_tick")),
        sa.UniqueConstraint("group_id", "item_id", name=op.f("uq_mentoring_checklist_tick_group_id")),
    )
    with op.batch_alter_table("mentoring_checklist_tick", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_checklist_tick_group_id"), ["group_id"], unique=False)

    op.create_table(
        "mentoring_journal_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_mentoring_journal_entry_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_mentoring_journal_entry_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_journal_entry")),
    )
    with op.batch_alter_table("mentoring_journal_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_journal_entry_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentoring_journal_entry_programme_id"), ["programme_id"], unique=False)


def downgrade():
    for table in (
        "mentoring_journal_entry",
        "mentoring_checklist_tick",
        "mentoring_meeting_count",
        "mentoring_meeting_attestation",
        "mentoring_meeting",
        "mentoring_agreement_acceptance",
        "mentoring_agreement_version",
        "mentoring_agreement",
    ):
        op.drop_table(table)
