"""budget: disputes of a budget's amount or contents and their steps (BUD-13)

A family may dispute the amount or the contents of a budget: reconsideration by the LA, a return to panel, the
council's complaints process, the Ombudsman, in that order. A dispute row per dispute, a row per step taken (unique
per dispute and step, and per dispute and position), with its dates, outcome, reasons and who decided.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0008", "0007", None, None

ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("budget_id", sa.String(36),
                  sa.ForeignKey("budgets.id", name="fk_disputes_budget_id_budgets"), nullable=False),
        sa.Column("subject", sa.String(20), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("raised_by", sa.String(200), nullable=False),
        sa.Column("variation_id", sa.String(36)),
        sa.Column("panel_decision_id", sa.String(36)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disputes"),
    )
    op.create_index("ix_disputes_budget_id", "disputes", ["budget_id"])
    op.create_table(
        "dispute_steps",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("dispute_id", sa.String(36),
                  sa.ForeignKey("disputes.id", name="fk_dispute_steps_dispute_id_disputes"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("opened_by", sa.String(120), nullable=False),
        sa.Column("decided_on", sa.Date),
        sa.Column("outcome", sa.String(20)),
        sa.Column("reasons", sa.Text),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("recorded_by", sa.String(120)),
        sa.Column("variation_id", sa.String(36)),
        sa.Column("panel_decision_id", sa.String(36)),
        sa.PrimaryKeyConstraint("id", name="pk_dispute_steps"),
        sa.UniqueConstraint("dispute_id", "seq", name="uq_dispute_steps_dispute_id_seq"),
        sa.UniqueConstraint("dispute_id", "step", name="uq_dispute_steps_dispute_id_step"),
    )
    op.create_index("ix_dispute_steps_dispute_id", "dispute_steps", ["dispute_id"])


def downgrade() -> None:
    op.drop_index("ix_dispute_steps_dispute_id", table_name="dispute_steps")
    op.drop_table("dispute_steps")
    op.drop_index("ix_disputes_budget_id", table_name="disputes")
    op.drop_table("disputes")
