"""budget: children, budgets, provisions, panel decisions, ledger, health funding, variations, reviews

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0002", "0001", None, None

big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "children",
        sa.Column("local_authority", sa.String(9), primary_key=True),
        sa.Column("child_id", sa.String(64), primary_key=True),
        sa.Column("eligibility_request_id", sa.String(36)),
        sa.Column("eligibility_status", sa.String(20)),
        sa.Column("eligible_streams", sa.JSON),
        sa.Column("eligibility_decided_at", ts),
        sa.Column("requested_on", sa.Date),
        sa.Column("ras_assessment_id", sa.String(36)),
        sa.Column("ras_indicative", sa.JSON),
        sa.Column("ras_completed_at", ts),
        sa.PrimaryKeyConstraint("local_authority", "child_id", name="pk_children"),
    )
    op.create_table(
        "budgets",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("plan_reference", sa.String(80), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_from", sa.String(10), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("agreed_at", ts),
        sa.Column("next_review_due", sa.Date),
        sa.PrimaryKeyConstraint("id", name="pk_budgets"),
        sa.UniqueConstraint("local_authority", "child_id", "period_start",
                            name="uq_budgets_local_authority_child_id_period_start"),
    )
    op.create_index("ix_budgets_local_authority", "budgets", ["local_authority"])
    op.create_index("ix_budgets_child_id", "budgets", ["child_id"])
    op.create_index("ix_budgets_next_review_due", "budgets", ["next_review_due"])
    op.create_table(
        "provisions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "budget_id",
            sa.String(36),
            sa.ForeignKey("budgets.id", name="fk_provisions_budget_id_budgets"),
            nullable=False,
        ),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("outcome", sa.String(500), nullable=False),
        sa.Column("stream", sa.String(20), nullable=False),
        sa.Column("category", sa.String(60), nullable=False),
        sa.Column("annual_cost_pence", sa.BigInteger, nullable=False),
        sa.Column("arrangement", sa.String(20), nullable=False),
        sa.Column("on_setting_premises", sa.Boolean, nullable=False),
        sa.Column("setting_agreement", sa.Boolean, nullable=False),
        sa.Column("contract_id", sa.String(36)),
        sa.Column("created_at", ts, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_provisions"),
    )
    op.create_index("ix_provisions_budget_id", "provisions", ["budget_id"])
    op.create_table(
        "panel_decisions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "budget_id",
            sa.String(36),
            sa.ForeignKey("budgets.id", name="fk_panel_decisions_budget_id_budgets"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("stream", sa.String(20), nullable=False),
        sa.Column("requested", sa.String(20), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("agreed_pence", sa.BigInteger, nullable=False),
        sa.Column("extra_pence", sa.BigInteger, nullable=False),
        sa.Column("authority", sa.String(20), nullable=False),
        sa.Column("limit_pence", sa.BigInteger, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", ts, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_panel_decisions"),
    )
    op.create_index("ix_panel_decisions_budget_id", "panel_decisions", ["budget_id"])
    op.create_table(
        "ledger_transactions",
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column(
            "budget_id",
            sa.String(36),
            sa.ForeignKey("budgets.id", name="fk_ledger_transactions_budget_id_budgets"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("memo", sa.Text, nullable=False),
        sa.Column("reference", sa.String(120)),
        sa.Column("reverses_id", sa.BigInteger),
        sa.Column("created_at", ts, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_transactions"),
        sa.UniqueConstraint("reference", name="uq_ledger_transactions_reference"),
        sa.UniqueConstraint("reverses_id", name="uq_ledger_transactions_reverses_id"),
    )
    op.create_index("ix_ledger_transactions_budget_id", "ledger_transactions", ["budget_id"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column(
            "transaction_id",
            big_id,
            sa.ForeignKey(
                "ledger_transactions.id", name="fk_ledger_entries_transaction_id_ledger_transactions"
            ),
            nullable=False,
        ),
        sa.Column("budget_id", sa.String(36), nullable=False),
        sa.Column("stream", sa.String(20), nullable=False),
        sa.Column("account", sa.String(20), nullable=False),
        sa.Column("amount_pence", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
    )
    op.create_index("ix_ledger_entries_transaction_id", "ledger_entries", ["transaction_id"])
    op.create_index("ix_ledger_entries_budget_id", "ledger_entries", ["budget_id"])
    op.create_table(
        "health_funding_events",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("annual_amount_pence", sa.BigInteger, nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("budget_id", sa.String(36)),
        sa.Column("received_at", ts, nullable=False),
        sa.Column("applied_at", ts),
        sa.PrimaryKeyConstraint("event_id", name="pk_health_funding_events"),
    )
    op.create_index("ix_health_funding_events_child_id", "health_funding_events", ["child_id"])
    op.create_index("ix_health_funding_events_budget_id", "health_funding_events", ["budget_id"])
    op.create_table(
        "variations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "budget_id",
            sa.String(36),
            sa.ForeignKey("budgets.id", name="fk_variations_budget_id_budgets"),
            nullable=False,
        ),
        sa.Column("stream", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("from_pence", sa.BigInteger, nullable=False),
        sa.Column("to_pence", sa.BigInteger, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("notice_issued_on", sa.Date, nullable=False),
        sa.Column("reconsider_by", sa.Date),
        sa.Column("reconsideration_reason", sa.Text),
        sa.Column("reconsideration_outcome", sa.String(20)),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("applied_at", ts),
        sa.PrimaryKeyConstraint("id", name="pk_variations"),
    )
    op.create_index("ix_variations_budget_id", "variations", ["budget_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "budget_id",
            sa.String(36),
            sa.ForeignKey("budgets.id", name="fk_reviews_budget_id_budgets"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reviewed_on", sa.Date, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
    )
    op.create_index("ix_reviews_budget_id", "reviews", ["budget_id"])


def downgrade() -> None:
    for table in (
        "reviews",
        "variations",
        "health_funding_events",
        "ledger_entries",
        "ledger_transactions",
        "panel_decisions",
        "provisions",
        "budgets",
        "children",
    ):
        op.drop_table(table)
