"""contracts: family links (issue 20) — signed links to a contract's family summary (CON-07), and each opening

A caseworker issues a link for one child's family and one contract that serves the child (CON-10); it expires and
can be revoked. Every use of a link is a row in ``family_link_openings`` (when, html or pdf, opened or refused),
without IP address or user agent.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

from kit.family_links import create_link_tables, drop_link_tables

revision, down_revision, branch_labels, depends_on = "0006", "0005", None, None


def upgrade() -> None:
    create_link_tables(op, family_column="child_id", family_length=64)


def downgrade() -> None:
    drop_link_tables(op, family_column="child_id")
