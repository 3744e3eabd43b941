"""Sounding out a published group; each agency's contact persons; tips about colleagues

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mentoring_group") as batch:
        batch.add_column(sa.Column("sounding_deadline", sa.Date(), nullable=True))
        batch.add_column(sa.Column("agreed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("group_member") as batch:
        batch.add_column(sa.Column("sounding_answer", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("sounding_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("answered_at", sa.DateTime(), nullable=True))
    op.create_table(
        "agency_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("named_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["named_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "user_id"),
    )
    op.create_index(op.f("ix_agency_contact_organisation_id"), "agency_contact", ["organisation_id"])
    op.create_index(op.f("ix_agency_contact_user_id"), "agency_contact", ["user_id"])
    op.create_table(
        "colleague_tip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_changed_by_id", sa.Integer(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(), nullable=True),
        sa.Column("joined_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["status_changed_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["joined_user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_colleague_tip_programme_id"), "colleague_tip", ["programme_id"])
    op.create_index(op.f("ix_colleague_tip_user_id"), "colleague_tip", ["user_id"])


def downgrade():
    op.drop_table("colleague_tip")
    op.drop_table("agency_contact")
    with op.batch_alter_table("group_member") as batch:
        batch.drop_column("answered_at")
        batch.drop_column("sounding_reason")
        batch.drop_column("sounding_answer")
    with op.batch_alter_table("mentoring_group") as batch:
        batch.drop_column("agreed_at")
        batch.drop_column("sounding_deadline")
