"""LTI Advantage: resource links, gradebook outbox, line items, roster sync, tokens

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lti_course_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("lineitems_url", sa.String(length=1024), nullable=True),
        sa.Column("ags_scopes", sa.JSON(), nullable=False),
        sa.Column("memberships_url", sa.String(length=1024), nullable=True),
        sa.Column("roster_synced_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], name=op.f("fk_lti_course_services_course_id_course")),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platform.id"], name=op.f("fk_lti_course_services_platform_id_lti_platform")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_course_services")),
        sa.UniqueConstraint("course_id", name=op.f("uq_lti_course_services_course_id")),
    )
    op.create_table(
        "lti_resource_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("lineitem_url", sa.String(length=1024), nullable=True),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], name=op.f("fk_lti_resource_link_course_id_course")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_resource_link")),
        sa.UniqueConstraint("course_id", "resource_link_id", name=op.f("uq_lti_resource_link_course_id")),
    )
    op.create_table(
        "lti_line_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("score_maximum", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], name=op.f("fk_lti_line_item_course_id_course")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_line_item")),
        sa.UniqueConstraint("course_id", "resource", name=op.f("uq_lti_line_item_course_id")),
    )
    op.create_table(
        "lti_access_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("scopes", sa.String(length=1024), nullable=False),
        sa.Column("granted_scopes", sa.String(length=1024), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_access_token")),
        sa.UniqueConstraint("issuer", "client_id", "scopes", name=op.f("uq_lti_access_token_issuer")),
    )
    op.create_table(
        "lti_score_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("last_timestamp", sa.DateTime(), nullable=True),
        sa.Column("last_given_at", sa.DateTime(), nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], name=op.f("fk_lti_score_key_course_id_course")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_lti_score_key_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_score_key")),
        sa.UniqueConstraint("course_id", "user_id", "resource", name=op.f("uq_lti_score_key_course_id")),
    )
    op.create_table(
        "lti_score_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("score_given", sa.Float(), nullable=False),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.Column("activity_progress", sa.String(length=32), nullable=False),
        sa.Column("grading_progress", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_timestamp", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["lti_score_key.id"], name=op.f("fk_lti_score_outbox_key_id_lti_score_key")),
        sa.ForeignKeyConstraint(["course_id"], ["course.id"], name=op.f("fk_lti_score_outbox_course_id_course")),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"], name=op.f("fk_lti_score_outbox_enrolment_id_enrolment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_score_outbox")),
    )
    with op.batch_alter_table("lti_score_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_lti_score_outbox_key_status", ["key_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_lti_score_outbox_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lti_score_outbox_status"), ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("lti_score_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_score_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_lti_score_outbox_course_id"))
        batch_op.drop_index("ix_lti_score_outbox_key_status")
    op.drop_table("lti_score_outbox")
    op.drop_table("lti_score_key")
    op.drop_table("lti_access_token")
    op.drop_table("lti_line_item")
    op.drop_table("lti_resource_link")
    op.drop_table("lti_course_services")
