"""payments: each run's BACS file is numbered once — its processing day and a serial unique per LA and processing
day (the Standard 18 UHL1 file number), and the service user number it was made for

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0007", "0006", None, None


def upgrade() -> None:
    op.create_table(
        "bank_file_submissions",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("local_authority", sa.String(length=9), nullable=False),
        sa.Column("processing_day", sa.Date(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("service_user_number", sa.String(length=6), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_bank_file_submissions")),
        sa.UniqueConstraint("local_authority", "processing_day", "serial",
                            name=op.f("uq_bank_file_submissions_local_authority_processing_day_serial")),
    )


def downgrade() -> None:
    op.drop_table("bank_file_submissions")
