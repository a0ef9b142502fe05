"""budget: the CYP's latest eligibility decision per stream and arrangement, with its reasons

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0005", "0004", None, None


def upgrade() -> None:
    with op.batch_alter_table("children") as batch:
        batch.add_column(sa.Column("eligibility", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("children") as batch:
        batch.drop_column("eligibility")
