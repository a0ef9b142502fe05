"""payments: bank details encrypted at rest (AES-256-GCM), existing rows sealed

Sort codes, account numbers and card references of agreements and payments become sealed text
(``enc1:<key id>:...``, see ``kit.crypto``), each bound to its agreement and field. Payments get a column of their
own for the card reference, which a prepaid-card payment used to keep in plain text as its BACS reference; that
reference becomes the payment's own ``DP<agreement><yymmdd>``, and the bank file uses the card reference again.

The keys are those the service uses (``SENDPB_PAYMENTS_ENCRYPTION_KEYS`` / ``_KEY_ID``, read from the environment
of the migration's process: give the migration job the same secret as the service). Outside dev mode it refuses
to run without them, as the service refuses to start.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

from kit.crypto import Keyring, is_sealed

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None

PLAIN_LENGTHS = {"sort_code": 6, "account_number": 8, "card_reference": 40}
SEALED = {"agreements": ("sort_code", "account_number", "card_reference"),
          "payments": ("sort_code", "account_number")}
CHUNK = 2000


def _keyring() -> Keyring:
    from kit.settings import PlatformSettings
    from services.payments.settings import PaymentsSettings

    return PaymentsSettings().bound_to(PlatformSettings()).keyring


def _context(field: str, agreement_id: str) -> str:
    """As ``services.payments.sealed.context`` was when this migration was written."""
    return f"payments.{field}:{agreement_id}"


def _dp_reference(agreement_id: str, due_date) -> str:
    return f"DP{agreement_id[:8].upper()}{due_date:%y%m%d}"


def _chunks(table: str, columns: str, **types):
    """Every row of ``table``, ``CHUNK`` at a time in primary-key order."""
    bind, after = op.get_bind(), ""
    while True:
        stmt = sa.text(f"SELECT id, {columns} FROM {table} WHERE id > :after ORDER BY id LIMIT :n")
        rows = bind.execute(stmt.columns(**types) if types else stmt, {"after": after, "n": CHUNK}).mappings().all()
        if not rows:
            return
        yield rows
        after = rows[-1]["id"]


def _update(table: str, columns: tuple[str, ...], rows: list[dict]) -> None:
    if rows:
        assignments = ", ".join(f"{c} = :{c}" for c in columns)
        op.get_bind().execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), rows)


def _alter_types(to_sealed: bool) -> None:
    # SQLite does not enforce VARCHAR lengths: its columns hold the longer sealed text as they are.
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in SEALED.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.Text() if to_sealed else sa.String(PLAIN_LENGTHS[column]),
                            existing_type=sa.String(PLAIN_LENGTHS[column]) if to_sealed else sa.Text())


def upgrade() -> None:
    keyring = _keyring()
    _alter_types(to_sealed=True)
    op.add_column("payments", sa.Column("card_reference", sa.Text(), nullable=True))

    def seal(row, field: str, agreement_id: str) -> str | None:
        value = row[field]
        return value if value is None or is_sealed(value) else keyring.seal(value, context=_context(field,
                                                                                                   agreement_id))

    fields = SEALED["agreements"]
    for rows in _chunks("agreements", ", ".join(fields)):
        _update("agreements", fields, [{"id": r["id"], **{f: seal(r, f, r["id"]) for f in fields}} for r in rows])

    columns = ("sort_code", "account_number", "card_reference", "reference")
    for rows in _chunks("payments", "agreement_id, due_date, sort_code, account_number, reference", due_date=sa.Date):
        updates = []
        for r in rows:
            own = _dp_reference(r["agreement_id"], r["due_date"])
            card = None if r["reference"] == own else keyring.seal(r["reference"], context=_context(
                "card_reference", r["agreement_id"]))
            updates.append({"id": r["id"], "sort_code": seal(r, "sort_code", r["agreement_id"]),
                            "account_number": seal(r, "account_number", r["agreement_id"]), "card_reference": card,
                            "reference": own})
        _update("payments", columns, updates)


def downgrade() -> None:
    keyring = _keyring()

    def opened(row, field: str, agreement_id: str) -> str | None:
        value = row[field]
        return keyring.open(value, context=_context(field, agreement_id)) if is_sealed(value) else value

    fields = SEALED["agreements"]
    for rows in _chunks("agreements", ", ".join(fields)):
        _update("agreements", fields, [{"id": r["id"], **{f: opened(r, f, r["id"]) for f in fields}} for r in rows])
    columns = ("sort_code", "account_number", "reference")
    for rows in _chunks("payments", "agreement_id, sort_code, account_number, card_reference, reference"):
        _update("payments", columns, [
            {"id": r["id"], "sort_code": opened(r, "sort_code", r["agreement_id"]),
             "account_number": opened(r, "account_number", r["agreement_id"]),
             "reference": (opened(r, "card_reference", r["agreement_id"]) or r["reference"])[:18]} for r in rows])
    op.drop_column("payments", "card_reference")  # SQLite 3.35+ drops a column in place
    _alter_types(to_sealed=False)
