"""ras: model versions and assessments

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ras_models",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("lineage_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("previous_version_id", sa.String(36), nullable=True),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ras_models"),
        sa.UniqueConstraint("lineage_id", "version", name="uq_ras_models_lineage_id_version"),
    )
    op.create_index("ix_ras_models_la_status_published", "ras_models",
                    ["local_authority", "status", "published_at"])
    op.create_index("ix_ras_models_la_created", "ras_models", ["local_authority", "created_at", "id"])
    op.create_table(
        "ras_assessments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("model_id", sa.String(36), nullable=False),
        sa.Column("model_version", sa.Integer, nullable=False),
        sa.Column("supersedes_assessment_id", sa.String(36), nullable=True),
        sa.Column("education_points", sa.Integer, nullable=True),
        sa.Column("health_points", sa.Integer, nullable=True),
        sa.Column("social_care_points", sa.Integer, nullable=True),
        sa.Column("transport_points", sa.Integer, nullable=True),
        sa.Column("indicative_pence", sa.JSON, nullable=False),
        sa.Column("total_indicative_pence", sa.BigInteger, nullable=False),
        sa.Column("referred_to_panel", sa.Boolean, nullable=False),
        sa.Column("referred_streams", sa.JSON, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("explanation", sa.JSON, nullable=False),
        sa.Column("conversions", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ras_assessments"),
        sa.ForeignKeyConstraint(["model_id"], ["ras_models.id"],
                                name="fk_ras_assessments_model_id_ras_models"),
        sa.UniqueConstraint("supersedes_assessment_id", name="uq_ras_assessments_supersedes_assessment_id"),
    )
    op.create_index("ix_ras_assessments_la_child_created", "ras_assessments",
                    ["local_authority", "child_id", "created_at", "id"])
    op.create_index("ix_ras_assessments_model_id", "ras_assessments", ["model_id"])


def downgrade() -> None:
    op.drop_table("ras_assessments")
    op.drop_table("ras_models")
