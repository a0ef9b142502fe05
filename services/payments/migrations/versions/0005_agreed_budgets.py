"""payments: what payments knows of agreed budgets (a projection fed by the budget's events), the latest
eligibility decision on direct payments per child, written notices on agreements, and a date from which an
agreement given notice is not paid

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0005", "0004", None, None


def upgrade() -> None:
    op.create_table(
        "agreed_budgets",
        sa.Column("budget_id", sa.String(length=36), nullable=False),
        sa.Column("local_authority", sa.String(length=9), nullable=False),
        sa.Column("child_id", sa.String(length=64), nullable=False),
        sa.Column("plan_reference", sa.String(length=200), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("budget_id", name=op.f("pk_agreed_budgets")),
    )
    op.create_index(op.f("ix_agreed_budgets_local_authority"), "agreed_budgets", ["local_authority"])
    op.create_table(
        "agreed_streams",
        sa.Column("budget_id", sa.String(length=36), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("agreed_pence", sa.BigInteger(), nullable=False),
        sa.Column("direct_payment_pence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("budget_id", "stream", name=op.f("pk_agreed_streams")),
    )
    op.create_table(
        "direct_payment_decisions",
        sa.Column("local_authority", sa.String(length=9), nullable=False),
        sa.Column("child_id", sa.String(length=64), nullable=False),
        sa.Column("decision_id", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("local_authority", "child_id", name=op.f("pk_direct_payment_decisions")),
    )
    op.create_table(
        "agreement_notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("local_authority", sa.String(length=9), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("from_pence", sa.BigInteger(), nullable=True),
        sa.Column("to_pence", sa.BigInteger(), nullable=True),
        sa.Column("reconsider_by", sa.Date(), nullable=True),
        sa.Column("reconsideration_reason", sa.Text(), nullable=True),
        sa.Column("reconsideration_outcome", sa.String(length=12), nullable=True),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_notices")),
    )
    op.create_index(op.f("ix_agreement_notices_agreement_id"), "agreement_notices", ["agreement_id"])
    with op.batch_alter_table("agreements") as batch:
        batch.add_column(sa.Column("pay_before", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agreements") as batch:
        batch.drop_column("pay_before")
    op.drop_index(op.f("ix_agreement_notices_agreement_id"), table_name="agreement_notices")
    op.drop_table("agreement_notices")
    op.drop_table("direct_payment_decisions")
    op.drop_table("agreed_streams")
    op.drop_index(op.f("ix_agreed_budgets_local_authority"), table_name="agreed_budgets")
    op.drop_table("agreed_budgets")
