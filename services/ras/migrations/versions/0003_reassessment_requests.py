"""ras: re-assessment requests on a change of circumstances (BUD-12), and the requests an assessment completed

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None


def upgrade() -> None:
    op.create_table(
        "ras_reassessment_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("source_event_id", sa.String(36), nullable=False),
        sa.Column("budget_id", sa.String(36), nullable=False),
        sa.Column("review_id", sa.String(36), nullable=True),
        sa.Column("plan_reference", sa.String(80), nullable=True),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("due_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("assessment_id", sa.String(36), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ras_reassessment_requests"),
        sa.UniqueConstraint("source_event_id", name="uq_ras_reassessment_requests_source_event_id"),
    )
    op.create_index("ix_ras_reassessment_requests_la_created", "ras_reassessment_requests",
                    ["local_authority", "created_at", "id"])
    op.create_index("ix_ras_reassessment_requests_la_child_status", "ras_reassessment_requests",
                    ["local_authority", "child_id", "status"])
    op.create_index("ix_ras_reassessment_requests_la_status_due", "ras_reassessment_requests",
                    ["local_authority", "status", "due_by"])
    with op.batch_alter_table("ras_assessments") as batch:
        batch.add_column(sa.Column("reassessment_request_ids", sa.JSON, nullable=False,
                                   server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("ras_assessments") as batch:
        batch.drop_column("reassessment_request_ids")
    op.drop_table("ras_reassessment_requests")
