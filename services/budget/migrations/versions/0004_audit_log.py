"""budget: the audit log of who read or changed a child's budget (append-only)

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0004", "0003", None, None

# Append-only: the database itself refuses to update or delete an audit record, whoever asks.
PG_GUARDS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]
SQLITE_GUARDS = [
    f"""CREATE TRIGGER audit_log_no_{what} BEFORE {what.upper()} ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {what.upper()} refused'); END"""
    for what in ("update", "delete")
]


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("budget_id", sa.String(36), nullable=False),
        sa.Column("local_authority", sa.String(9), nullable=False),
        sa.Column("child_id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_budget_id", "audit_log", ["budget_id", "occurred_at", "id"])
    for guard in PG_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS:
        op.execute(guard)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_index("ix_audit_log_budget_id", table_name="audit_log")
    op.drop_table("audit_log")
