"""budget: where a provision line's education money comes from (BUD-04)

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None


def upgrade() -> None:
    with op.batch_alter_table("provisions") as batch:
        batch.add_column(sa.Column("funding_source", sa.String(30), nullable=True))
        batch.add_column(sa.Column("head_agreement", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("provisions") as batch:
        batch.drop_column("head_agreement")
        batch.drop_column("funding_source")
