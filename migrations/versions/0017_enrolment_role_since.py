"""Enrolments remember when a launch last changed their role (sessions begun before it end)

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enrolment") as batch:
        batch.add_column(sa.Column("role_since", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("enrolment") as batch:
        batch.drop_column("role_since")
