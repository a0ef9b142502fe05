"""budget: handovers to adult social care (ELIG-14)

One row per child of an LA whose ``eligibility.adulthood_approaching.v1`` the budget service received: the budgets
it found open (or ``no_budget``), when the young person turns 18 and the eligibility's part of the handover.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0011", "0010", None, None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("turns_18_on", sa.Date(), nullable=False),
        sa.Column("care_leaver", sa.Boolean(), nullable=False),
        sa.Column("eligibility_summary", sa.Text(), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("budget_ids", sa.JSON(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handovers"),
        sa.UniqueConstraint("local_authority", "child_id", name="uq_handovers_local_authority_child_id"),
    )


def downgrade() -> None:
    op.drop_table("handovers")
