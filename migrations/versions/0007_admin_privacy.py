"""Administration: audit log, accessibility feedback, retention

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# On PostgreSQL the database itself keeps the audit log append-only: UPDATE is always refused, and
# DELETE only inside a transaction that declared itself maintenance (SET LOCAL
# app.audit_maintenance = 'on'), which the application never does (test clean-up does).
AUDIT_GUARD = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('app.audit_maintenance', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_entry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""


def upgrade():
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_audit_entry_actor_id_user_account")),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], name=op.f("fk_audit_entry_course_id_course")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_GUARD)

    op.create_table(
        "accessibility_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("page", sa.String(length=512), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=320), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_accessibility_feedback_user_id_user_account")),
        sa.ForeignKeyConstraint(["answered_by_id"], ["user_account.id"], name=op.f("fk_accessibility_feedback_answered_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessibility_feedback")),
    )
    with op.batch_alter_table("accessibility_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accessibility_feedback_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_accessibility_feedback_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_months", sa.Integer(), nullable=False, server_default="12"))


def downgrade():
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("retention_months")
    with op.batch_alter_table("accessibility_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accessibility_feedback_user_id"))
        batch_op.drop_index(batch_op.f("ix_accessibility_feedback_created_at"))
    op.drop_table("accessibility_feedback")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_action"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_course_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_created_at"))
    op.drop_table("audit_entry")
