"""kit tables

Revision ID: 0001
"""
from kit.migrations import create_kit_tables, drop_kit_tables

revision, down_revision, branch_labels, depends_on = "0001", None, None, None


def upgrade() -> None:
    create_kit_tables()


def downgrade() -> None:
    drop_kit_tables()
