"""payments: family links (issue 20) — signed links to a recovery notice (PAY-07, PAY-10), and each opening

A caseworker issues a link for one agreement's family and one recovery notice; it expires and can be revoked. The
family challenges the notice from it once (``acted_at``/``action_id``). Every use of a link is a row in
``family_link_openings`` (when, html, pdf or action, opened or refused), without IP address or user agent.

Revision ID: 0009
Revises: 0008
"""
from alembic import op

from kit.family_links import create_link_tables, drop_link_tables

revision, down_revision, branch_labels, depends_on = "0009", "0008", None, None


def upgrade() -> None:
    create_link_tables(op, family_column="agreement_id", family_length=36)


def downgrade() -> None:
    drop_link_tables(op, family_column="agreement_id")
