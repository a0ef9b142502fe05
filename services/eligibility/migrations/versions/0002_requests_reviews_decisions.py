"""eligibility: requests, reviews and decisions

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("requested_on", sa.Date, nullable=False),
        sa.Column("requested_by", sa.String(20), nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_requests"),
    )
    op.create_index("ix_requests_local_authority", "requests", ["local_authority"])
    op.create_index("ix_requests_child_id", "requests", ["child_id"])
    op.create_index("ix_requests_created_at_id", "requests", ["created_at", "id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("corrections", sa.JSON, nullable=False),
        sa.Column("asked_by", sa.String(200), nullable=True),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], name="fk_reviews_request_id_requests"),
    )
    op.create_index("ix_reviews_request_id", "reviews", ["request_id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("streams", sa.JSON, nullable=False),
        sa.Column("arrangements", sa.JSON, nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("rules_version", sa.String(20), nullable=False),
        sa.Column("custody_rule", sa.Boolean, nullable=False),
        sa.Column("supersedes_decision_id", sa.String(36), nullable=True),
        sa.Column("review_id", sa.String(36), nullable=True),
        sa.Column("decided_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], name="fk_decisions_request_id_requests"),
        sa.ForeignKeyConstraint(
            ["supersedes_decision_id"], ["decisions.id"], name="fk_decisions_supersedes_decision_id_decisions"
        ),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], name="fk_decisions_review_id_reviews"),
        # Each decision is superseded at most once: two concurrent reviews cannot both supersede it.
        sa.UniqueConstraint("supersedes_decision_id", name="uq_decisions_supersedes_decision_id"),
    )
    op.create_index("ix_decisions_request_id", "decisions", ["request_id"])


def downgrade() -> None:
    op.drop_table("decisions")
    op.drop_table("reviews")
    op.drop_table("requests")
