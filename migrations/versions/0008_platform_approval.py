"""Platform approval and one-time dynamic registration URLs

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("lti_platform", sa.Column("approved_at", sa.DateTime(), nullable=True))
    # Platforms registered before approval existed were trusted already; they stay usable.
    op.execute("UPDATE lti_platform SET approved_at = created_at")
    op.create_table(
        "lti_registration_url",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platform.id"], name=op.f("fk_lti_registration_url_platform_id_lti_platform")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_registration_url")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_lti_registration_url_secret_hash")),
    )


def downgrade():
    op.drop_table("lti_registration_url")
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch table copy would drop
    # lti_platform, which the foreign keys of other tables forbid.
    op.execute("ALTER TABLE lti_platform DROP COLUMN approved_at")
