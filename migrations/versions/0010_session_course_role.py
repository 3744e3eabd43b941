"""Sessions know their course and launch role (sessions end on a role change or inactive enrolment)

Revision ID: 0010
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # Existing sessions carry neither column; everyone launches again (sessions last hours anyway).
    op.execute("DELETE FROM web_session")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("role", sa.String(length=32), nullable=False))
        batch_op.create_foreign_key(batch_op.f("fk_web_session_course_id_course"), "course", ["course_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_web_session_course_id"), ["course_id"], unique=False)


def downgrade():
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_course_id"))
        batch_op.drop_constraint(batch_op.f("fk_web_session_course_id_course"), type_="foreignkey")
        batch_op.drop_column("role")
        batch_op.drop_column("course_id")
