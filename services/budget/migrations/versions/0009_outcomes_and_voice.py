"""budget: outcomes and voice at reviews (BUD-14)

A review held records progress towards each outcome of the plan that the budget's provision lines name, and the
child's or young person's own views with who gave them. Reviews recorded before carry neither (NULL).

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0009", "0008", None, None


def upgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("progress", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("views_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("views_given_by", sa.String(30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("views_given_by")
        batch.drop_column("views_text")
        batch.drop_column("progress")
