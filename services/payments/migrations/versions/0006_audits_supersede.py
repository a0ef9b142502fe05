"""payments: a later audit of the same agreement and period replaces the earlier one (PAY-06: one open recovery
per surplus). Audits record what they supersede and what superseded them; a recovery withdrawn because its audit
was replaced says why; at most one current audit per agreement and period.

Audits already recorded twice or more for one period (before this rule) are settled as the rule would have: the
latest stays current, or the one whose recovery was confirmed, since confirmed money cannot be silently replaced;
the others are marked superseded and their recoveries, unless confirmed, withdrawn with the reason. (Two confirmed
recoveries for one period both stay confirmed: money already taken back needs a person to look at it.)

Revision ID: 0006
Revises: 0005
"""
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0006", "0005", None, None

CURRENT = sa.text("superseded_by IS NULL")
OPEN = ("notice_issued", "challenged", "challenge_rejected")
audits = sa.table("audits", sa.column("id", sa.String), sa.column("agreement_id", sa.String),
                  sa.column("period_end", sa.Date), sa.column("created_at", sa.DateTime(timezone=True)),
                  sa.column("supersedes", sa.String), sa.column("superseded_by", sa.String),
                  sa.column("superseded_at", sa.DateTime(timezone=True)))
recoveries = sa.table("recoveries", sa.column("audit_id", sa.String), sa.column("status", sa.String),
                      sa.column("withdrawn_reason", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table("audits") as batch:
        batch.add_column(sa.Column("supersedes", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("recoveries") as batch:
        batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
    _settle_repeated_audits(op.get_bind())
    op.create_index("uq_audits_current_period", "audits", ["agreement_id", "period_end"], unique=True,
                    postgresql_where=CURRENT, sqlite_where=CURRENT)


def _settle_repeated_audits(bind) -> None:
    confirmed = set(bind.execute(sa.select(recoveries.c.audit_id)
                                 .where(recoveries.c.status == "confirmed")).scalars())
    periods = defaultdict(list)
    for row in bind.execute(sa.select(audits.c.id, audits.c.agreement_id, audits.c.period_end)
                            .order_by(audits.c.created_at, audits.c.id)):
        periods[(row.agreement_id, row.period_end)].append(row.id)
    now = datetime.now(UTC)
    for (_, period_end), ids in periods.items():
        if len(ids) < 2:
            continue
        keeper = next((i for i in reversed(ids) if i in confirmed), ids[-1])
        others = [i for i in ids if i != keeper]
        for earlier in others:
            bind.execute(sa.update(audits).where(audits.c.id == earlier)
                         .values(superseded_by=keeper, superseded_at=now))
            bind.execute(sa.update(recoveries).where(recoveries.c.audit_id == earlier,
                                                     recoveries.c.status.in_(OPEN))
                         .values(status="withdrawn", withdrawn_reason=(
                             f"Withdrawn: audit {keeper} of the period ending {period_end} replaced the audit "
                             "that issued this notice; only one surplus is reclaimed per period (PAY-06).")))
        bind.execute(sa.update(audits).where(audits.c.id == keeper).values(supersedes=others[-1]))


def downgrade() -> None:
    op.drop_index("uq_audits_current_period", table_name="audits")
    with op.batch_alter_table("recoveries") as batch:
        batch.drop_column("withdrawn_reason")
    with op.batch_alter_table("audits") as batch:
        batch.drop_column("superseded_at")
        batch.drop_column("superseded_by")
        batch.drop_column("supersedes")
