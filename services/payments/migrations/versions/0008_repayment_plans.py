"""payments: PAY-10 recovery of overpaid or misused money and its repayment plan. A recovery says what it
recovers (``kind``: surplus, overpaid, misused), the evidence of misuse, the plan's terms and what has been repaid;
it need not come from an audit. Each part of a plan (a deduction from an instalment, or a monthly invoice) is a row
of ``repayments``.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0008", "0007", None, None


def upgrade() -> None:
    with op.batch_alter_table("recoveries") as batch:
        batch.alter_column("audit_id", existing_type=sa.String(length=36), nullable=True)
        batch.add_column(sa.Column("kind", sa.String(length=10), nullable=False, server_default="surplus"))
        batch.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("plan", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("repaid_pence", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "repayments",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("recovery_id", sa.String(length=36), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("local_authority", sa.String(length=9), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("instalment_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("recovery_id", "seq", name=op.f("uq_repayments_recovery_id_seq")),
    )
    op.create_index("ix_repayments_recovery_id", "repayments", ["recovery_id"])
    op.create_index("ix_repayments_agreement_id", "repayments", ["agreement_id"])
    op.create_index("ix_repayments_instalment_id", "repayments", ["instalment_id"])


def downgrade() -> None:
    op.drop_table("repayments")
    with op.batch_alter_table("recoveries") as batch:
        batch.drop_column("repaid_pence")
        batch.drop_column("plan")
        batch.drop_column("evidence")
        batch.drop_column("kind")
        batch.alter_column("audit_id", existing_type=sa.String(length=36), nullable=False)
