"""budget: insufficient streams (BUD-05) and why the next review falls due (BUD-09)

An ICB cut can leave the health stream of an agreed budget below the cost of its agreed provision: the budget is
flagged (a row per stream, open until funding or a variation covers the provision again, kept afterwards) and an
early review falls due, whose kind and reason the budget now keeps next to ``next_review_due``.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0007", "0006", None, None

ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "insufficiencies",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("budget_id", sa.String(36),
                  sa.ForeignKey("budgets.id", name="fk_insufficiencies_budget_id_budgets"), nullable=False),
        sa.Column("stream", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(10), nullable=False),
        sa.Column("agreed_pence", sa.BigInteger, nullable=False),
        sa.Column("provision_cost_pence", sa.BigInteger, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("icb_event_id", sa.String(64)),
        sa.Column("flagged_at", ts, nullable=False),
        sa.Column("cleared_on", sa.Date),
        sa.Column("cleared_at", ts),
        sa.Column("cleared_by", sa.String(120)),
        sa.PrimaryKeyConstraint("id", name="pk_insufficiencies"),
    )
    op.create_index("ix_insufficiencies_budget_id", "insufficiencies", ["budget_id"])
    with op.batch_alter_table("budgets") as batch:
        batch.add_column(sa.Column("next_review_kind", sa.String(30), nullable=True))
        batch.add_column(sa.Column("next_review_reason", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("budgets") as batch:
        batch.drop_column("next_review_reason")
        batch.drop_column("next_review_kind")
    op.drop_index("ix_insufficiencies_budget_id", table_name="insufficiencies")
    op.drop_table("insufficiencies")
