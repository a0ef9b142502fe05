"""budget: reviews.kind wide enough for every kind the API offers ('circumstances_changed' is 21 characters)

Found by fuzzing on PostgreSQL, which enforces VARCHAR lengths (SQLite does not): recording a review held because
circumstances changed was a 500 there.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0006", "0005", None, None


def upgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.alter_column("kind", type_=sa.String(30), existing_type=sa.String(20), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.alter_column("kind", type_=sa.String(20), existing_type=sa.String(30), existing_nullable=False)
