"""notes and seen

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0002", "0001", None, None


def upgrade() -> None:
    op.create_table("notes", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("local_authority", sa.String(9), nullable=False, index=True),
                    sa.Column("text", sa.String(200), nullable=False),
                    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False))
    op.create_table("seen", sa.Column("note_id", sa.String(36), primary_key=True),
                    sa.Column("event_id", sa.String(36), nullable=False),
                    sa.Column("text", sa.String(200), nullable=False))


def downgrade() -> None:
    op.drop_table("seen")
    op.drop_table("notes")
