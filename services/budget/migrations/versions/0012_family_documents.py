"""budget: family links to decision notices (issue 20) — the record a link is about, and what the family did

A link now opens a statement or a decision notice naming the family's next step (BUD-13): ``document_id`` names the
variation or panel decision. ``acted_at``/``action_id`` record the one dispute or reconsideration the family asked
for from the link, so the form posted twice records it once.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0012", "0011", None, None


def upgrade() -> None:
    with op.batch_alter_table("family_links") as batch:
        batch.add_column(sa.Column("document_id", sa.String(36)))
        batch.add_column(sa.Column("acted_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("action_id", sa.String(36)))


def downgrade() -> None:
    with op.batch_alter_table("family_links") as batch:
        batch.drop_column("action_id")
        batch.drop_column("acted_at")
        batch.drop_column("document_id")
