"""eligibility: family links to decision notices (issue 20; ELIG-10) and the review requests families make from them

A caseworker issues a link for the family of one request to the notice of one decision on it; it expires and can be
revoked. Every use of a link is a row in ``family_link_openings`` (when, html, pdf or action, opened or refused),
without IP address or user agent. ``review_requests``: a family's request for a review from their link, for the LA
to review (answered by the review that supersedes the decision it names).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

from kit.family_links import create_link_tables, drop_link_tables

revision, down_revision, branch_labels, depends_on = "0004", "0003", None, None


def upgrade() -> None:
    create_link_tables(op, family_column="request_id", family_length=36)
    op.create_table(
        "review_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("request_id", sa.String(36),
                  sa.ForeignKey("requests.id", name="fk_review_requests_request_id_requests"), nullable=False),
        sa.Column("decision_id", sa.String(36),
                  sa.ForeignKey("decisions.id", name="fk_review_requests_decision_id_decisions"), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("asked_by", sa.String(200), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("link_id", sa.String(36),
                  sa.ForeignKey("family_links.id", name="fk_review_requests_link_id_family_links"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_requests"),
        sa.UniqueConstraint("link_id", name="uq_review_requests_link_id"),
    )
    op.create_index("ix_review_requests_request_id", "review_requests", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_review_requests_request_id", table_name="review_requests")
    op.drop_table("review_requests")
    drop_link_tables(op, family_column="request_id")
