"""Roster sync lease: at most one sync per course at a time

Revision ID: 0009
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("lti_course_services") as batch:
        batch.add_column(sa.Column("roster_locked_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("roster_lock_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("roster_attempted_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("lti_course_services") as batch:
        batch.drop_column("roster_attempted_at")
        batch.drop_column("roster_lock_until")
        batch.drop_column("roster_locked_by")
