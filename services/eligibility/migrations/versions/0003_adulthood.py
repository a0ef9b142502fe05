"""eligibility: decisions.date_of_birth and adulthood_announcements (ELIG-14)

Revision ID: 0003
Revises: 0002
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("decisions", sa.Column("date_of_birth", sa.Date, nullable=True))
    # Fill it in from the facts each decision was made on, so the young people approaching 18 are found by index.
    decisions = sa.table("decisions", sa.column("id", sa.String), sa.column("facts", sa.JSON),
                         sa.column("date_of_birth", sa.Date))
    bind = op.get_bind()
    for ident, facts in bind.execute(sa.select(decisions.c.id, decisions.c.facts)).all():
        born = date.fromisoformat(facts["date_of_birth"])
        bind.execute(decisions.update().where(decisions.c.id == ident).values(date_of_birth=born))
    op.create_index("ix_decisions_date_of_birth", "decisions", ["date_of_birth"])
    op.create_table(
        "adulthood_announcements",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("decision_id", sa.String(36), nullable=False),
        sa.Column("turns_18_on", sa.Date, nullable=False),
        sa.Column("announced_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_adulthood_announcements"),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name="fk_adulthood_announcements_request_id_requests"),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"],
                                name="fk_adulthood_announcements_decision_id_decisions"),
        # Adult social care is told once per child of an LA (ELIG-14), however often the job runs, in any replica.
        sa.UniqueConstraint("local_authority", "child_id",
                            name="uq_adulthood_announcements_local_authority_child_id"),
    )


def downgrade() -> None:
    op.drop_table("adulthood_announcements")
    op.drop_index("ix_decisions_date_of_birth", "decisions")
    op.drop_column("decisions", "date_of_birth")
