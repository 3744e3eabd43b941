"""Gradebook: scores follow the placed activities (graded placements, per-line-item score keys,
claimed line-item creation)

Revision ID: 0011
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    # A link's ``resource`` stays NULL here: the link's next launch makes it a graded placement
    # (by the rule in app.lti.rules.placement_graded) and queues the current scores for it.
    with op.batch_alter_table("lti_resource_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("graded", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("resource", sa.String(length=255), nullable=True))
        batch_op.create_index("ix_lti_resource_link_course_resource", ["course_id", "resource"])
    # Existing line items were created by the tool and keep receiving scores until a placement exists.
    with op.batch_alter_table("lti_line_item", schema=None) as batch_op:
        batch_op.alter_column("url", existing_type=sa.String(length=1024), nullable=True)
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))
    # Existing keys are the tool's own line item's (link_id 0).
    with op.batch_alter_table("lti_score_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_id", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("uq_lti_score_key_course_id", type_="unique")
        batch_op.create_unique_constraint("uq_lti_score_key_course_id", ["course_id", "user_id", "resource", "link_id"])


def downgrade():
    # Keys of placements have no place in the old shape: their scores stay in the outbox history.
    op.execute("DELETE FROM lti_score_outbox WHERE key_id IN (SELECT id FROM lti_score_key WHERE link_id <> 0)")
    op.execute("DELETE FROM lti_score_key WHERE link_id <> 0")
    op.execute("DELETE FROM lti_line_item WHERE url IS NULL")
    with op.batch_alter_table("lti_score_key", schema=None) as batch_op:
        batch_op.drop_constraint("uq_lti_score_key_course_id", type_="unique")
        batch_op.create_unique_constraint("uq_lti_score_key_course_id", ["course_id", "user_id", "resource"])
        batch_op.drop_column("link_id")
    with op.batch_alter_table("lti_line_item", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
        batch_op.alter_column("url", existing_type=sa.String(length=1024), nullable=False)
    with op.batch_alter_table("lti_resource_link", schema=None) as batch_op:
        batch_op.drop_index("ix_lti_resource_link_course_resource")
        batch_op.drop_column("resource")
        batch_op.drop_column("graded")
