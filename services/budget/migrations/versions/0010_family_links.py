"""budget: family links (issue 20) — signed links to a family's statement, and each opening

A caseworker issues a link for one budget and one document; it expires and can be revoked. Every use of a link is
a row in ``family_link_openings`` (when, which link, html or pdf, opened or refused), without IP address or user
agent (docs/DATA.md).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0010", "0009", None, None

ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "family_links",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("budget_id", sa.String(36),
                  sa.ForeignKey("budgets.id", name="fk_family_links_budget_id_budgets"), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("document", sa.String(30), nullable=False),
        sa.Column("issued_by", sa.String(120), nullable=False),
        sa.Column("issued_at", ts, nullable=False),
        sa.Column("expires_at", ts, nullable=False),
        sa.Column("revoked_at", ts),
        sa.Column("revoked_by", sa.String(120)),
        sa.PrimaryKeyConstraint("id", name="pk_family_links"),
    )
    op.create_index("ix_family_links_budget_id", "family_links", ["budget_id"])
    op.create_table(
        "family_link_openings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("link_id", sa.String(36),
                  sa.ForeignKey("family_links.id", name="fk_family_link_openings_link_id_family_links"),
                  nullable=False),
        sa.Column("opened_at", ts, nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_family_link_openings"),
    )
    op.create_index("ix_family_link_openings_link_id", "family_link_openings", ["link_id", "opened_at"])


def downgrade() -> None:
    op.drop_index("ix_family_link_openings_link_id", table_name="family_link_openings")
    op.drop_table("family_link_openings")
    op.drop_index("ix_family_links_budget_id", table_name="family_links")
    op.drop_table("family_links")
