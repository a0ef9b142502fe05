"""contracts: the children each block contract serves, from the provision lines that name it (CON-10)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0005", "0004", None, None


def upgrade() -> None:
    op.create_table(
        "provision_links",
        sa.Column("provision_id", sa.String(length=36), nullable=False),
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("budget_id", sa.String(length=36), nullable=False),
        sa.Column("child_id", sa.String(length=64), nullable=False),
        sa.Column("local_authority", sa.String(length=9), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provision_id", name=op.f("pk_provision_links")),
    )
    op.create_index("ix_provision_links_la_status", "provision_links",
                    ["local_authority", "status", "created_at", "provision_id"])
    op.create_index("ix_provision_links_contract_budget", "provision_links", ["contract_id", "budget_id"])
    op.create_table(
        "served_children",
        sa.Column("contract_id", sa.String(length=36), nullable=False),
        sa.Column("budget_id", sa.String(length=36), nullable=False),
        sa.Column("child_id", sa.String(length=64), nullable=False),
        sa.Column("local_authority", sa.String(length=9), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"],
                                name=op.f("fk_served_children_contract_id_contracts")),
        sa.PrimaryKeyConstraint("contract_id", "budget_id", name=op.f("pk_served_children")),
    )
    op.create_index("ix_served_children_contract", "served_children", ["contract_id", "created_at", "budget_id"])
    op.create_index("ix_served_children_child", "served_children", ["child_id", "local_authority"])
    op.create_index("ix_known_budgets_child", "known_budgets", ["child_id", "local_authority"])


def downgrade() -> None:
    op.drop_index("ix_known_budgets_child", table_name="known_budgets")
    op.drop_index("ix_served_children_child", table_name="served_children")
    op.drop_index("ix_served_children_contract", table_name="served_children")
    op.drop_table("served_children")
    op.drop_index("ix_provision_links_contract_budget", table_name="provision_links")
    op.drop_index("ix_provision_links_la_status", table_name="provision_links")
    op.drop_table("provision_links")
