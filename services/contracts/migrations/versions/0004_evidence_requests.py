"""contracts: evidence of delivery asked for on family-provided services (CON-09)

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0004", "0003", None, None


def upgrade() -> None:
    op.create_table(
        "evidence_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("transfer_id", sa.String(length=36), nullable=False),
        sa.Column("local_authority", sa.String(length=9), nullable=False),
        sa.Column("child_id", sa.String(length=64), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("evidence_description", sa.Text(), nullable=True),
        sa.Column("evidenced_by", sa.String(length=120), nullable=True),
        sa.Column("evidenced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfer_requests.id"],
                                name=op.f("fk_evidence_requests_transfer_id_transfer_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_requests")),
    )
    op.create_index("ix_evidence_requests_transfer", "evidence_requests", ["transfer_id", "created_at", "id"])
    op.create_index("ix_evidence_requests_la_status_due", "evidence_requests",
                    ["local_authority", "status", "due_on"])


def downgrade() -> None:
    op.drop_index("ix_evidence_requests_la_status_due", table_name="evidence_requests")
    op.drop_index("ix_evidence_requests_transfer", table_name="evidence_requests")
    op.drop_table("evidence_requests")
