"""Mail notifications: the outbox, preferences, each person's chosen language, each programme's Moodle address

Revision ID: 0014
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("sending_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'skipped', 'unknown')", name=op.f("ck_mail_outbox_status_known")
        ),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], name=op.f("fk_mail_outbox_programme_id_programme")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_mail_outbox_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_mail_outbox_key")),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_mail_outbox_user_id"), "mail_outbox", ["user_id"])
    op.create_table(
        "mail_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("off", sa.JSON(), nullable=False),
        sa.Column("all_off", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_mail_preference_user_id_user_account")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mail_preference")),
    )
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("programme") as batch:
        batch.add_column(sa.Column("moodle_url", sa.String(length=1024), nullable=True))


def downgrade():
    with op.batch_alter_table("programme") as batch:
        batch.drop_column("moodle_url")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("language")
    op.drop_table("mail_preference")
    op.drop_index(op.f("ix_mail_outbox_user_id"), table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
