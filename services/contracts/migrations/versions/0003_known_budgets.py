"""contracts: what contracts knows of budgets (from the budget's events), and a transfer the budget refused

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None


def upgrade() -> None:
    op.create_table(
        "known_budgets",
        sa.Column("budget_id", sa.String(length=36), nullable=False),
        sa.Column("local_authority", sa.String(length=9), nullable=False),
        sa.Column("child_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("budget_id", name=op.f("pk_known_budgets")),
    )
    with op.batch_alter_table("transfer_requests") as batch:
        batch.add_column(sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("refusal", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transfer_requests") as batch:
        batch.drop_column("refusal")
        batch.drop_column("refused_at")
    op.drop_table("known_budgets")
