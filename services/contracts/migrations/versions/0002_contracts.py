"""contracts, transfer requests and reviews

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0002", "0001", None, None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("stream", sa.String(20), nullable=False),
        sa.Column("annual_value_pence", sa.BigInteger, nullable=False),
        sa.Column("contracted_units", sa.BigInteger, nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("renewal_date", sa.Date, nullable=False),
        sa.Column("max_release_percent", sa.Integer, nullable=False),
        sa.Column("fixed_cost_percent", sa.Integer, nullable=False),
        sa.Column("min_retained_units", sa.BigInteger, nullable=True),
        sa.Column("separable", sa.Boolean, nullable=False),
        sa.Column("inseparable_reason", sa.Text, nullable=True),
        sa.Column("funders", sa.JSON, nullable=False),
        sa.Column("released_units", sa.BigInteger, nullable=False),
        sa.Column("released_pence", sa.BigInteger, nullable=False),
        sa.Column("reviewed_for_renewal", sa.Date, nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contracts"),
    )
    op.create_index("ix_contracts_la_created", "contracts", ["local_authority", "created_at", "id"])
    op.create_index("ix_contracts_la_renewal", "contracts", ["local_authority", "renewal_date"])
    op.create_table(
        "transfer_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("budget_id", sa.String(36), nullable=False),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(20), nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("route", sa.String(40), nullable=False),
        sa.Column("proposed_unit_price_pence", sa.BigInteger, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("exceptional_reason", sa.Text, nullable=True),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("release_pence", sa.BigInteger, nullable=False),
        sa.Column("block_cost_pence", sa.BigInteger, nullable=False),
        sa.Column("proposed_cost_pence", sa.BigInteger, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("missing_evidence", sa.JSON, nullable=False),
        sa.Column("public_purse", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_transfer_requests"),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"],
                                name="fk_transfer_requests_contract_id_contracts"),
    )
    op.create_index("ix_transfer_requests_contract_created", "transfer_requests",
                    ["contract_id", "created_at", "id"])
    op.create_index("ix_transfer_requests_child", "transfer_requests", ["local_authority", "child_id"])
    op.create_table(
        "contract_reviews",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("reviewed_on", sa.Date, nullable=False),
        sa.Column("for_renewal_on", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("flexibility_added", sa.Boolean, nullable=False),
        sa.Column("previous_max_release_percent", sa.Integer, nullable=False),
        sa.Column("new_max_release_percent", sa.Integer, nullable=True),
        sa.Column("families_involved", sa.Boolean, nullable=False),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("next_renewal_date", sa.Date, nullable=True),
        sa.Column("new_end_date", sa.Date, nullable=True),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contract_reviews"),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"],
                                name="fk_contract_reviews_contract_id_contracts"),
    )
    op.create_index("ix_contract_reviews_contract_id", "contract_reviews", ["contract_id"])


def downgrade() -> None:
    op.drop_table("contract_reviews")
    op.drop_table("transfer_requests")
    op.drop_table("contracts")
