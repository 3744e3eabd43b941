"""Single-use codes that hand a launch without its state cookie to a new window; a programme's
main language (the grade items the tool creates are named in it)

Revision ID: 0018
Revises: 0017
"""

from alembic import op
import sqlalchemy as sa


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lti_launch_handoff",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("agent_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["lti_platform.id"],
            name=op.f("fk_lti_launch_handoff_platform_id_lti_platform"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_launch_handoff")),
    )
    op.create_index(op.f("ix_lti_launch_handoff_expires_at"), "lti_launch_handoff", ["expires_at"], unique=False)
    op.add_column("programme", sa.Column("main_language", sa.String(length=8), server_default="fi", nullable=False))


def downgrade():
    with op.batch_alter_table("programme") as batch:
        batch.drop_column("main_language")
    op.drop_index(op.f("ix_lti_launch_handoff_expires_at"), table_name="lti_launch_handoff")
    op.drop_table("lti_launch_handoff")
