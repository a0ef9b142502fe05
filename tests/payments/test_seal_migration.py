"""Migration 0003 seals the bank details already stored (with the keys of the settings), on SQLite and PostgreSQL,
and its downgrade opens them again."""
import json
import uuid
from datetime import date

from alembic import command
from sqlalchemy import insert, text

from kit.crypto import Keyring, is_sealed, key_id_of, new_key
from kit.db import Database
from kit.events import utcnow
from kit.migrations import alembic_config, upgrade
from services.payments.app import SPEC
from services.payments.models import Agreement, Payment
from services.payments.service import sealed

KEY = new_key()


def agreement(ident: str, **bank) -> dict:
    return {"id": ident, "local_authority": "E06000060", "budget_id": None, "child_id": f"C-{ident[:6]}",
            "stream": None, "annual_amount_pence": 130000, "frequency": "four_weekly", "start_date": date(2026, 1, 5),
            "end_date": date(2027, 1, 4), "purpose": "care", "status": "active", "opened_from": "manual",
            "payee_role": "parent", "payee_name": "P", "monthly_fee_pence": 0,
            "close_relative_same_household": False, "final_audit_due": False, "created_at": utcnow(),
            "sort_code": None, "account_number": None, "card_reference": None, **bank}


def payment(agreement_id: str, sort_code: str, account_number: str, reference: str) -> dict:
    return {"id": str(uuid.uuid4()), "run_id": "r", "agreement_id": agreement_id, "local_authority": "E06000060",
            "due_date": date(2026, 1, 5), "amount_pence": 10000, "status": "issued", "basis": "b",
            "payee_name": "P", "sort_code": sort_code, "account_number": account_number, "reference": reference,
            "issued_on": date(2026, 1, 5), "created_at": utcnow()}


async def test_existing_bank_details_are_sealed_with_the_configured_key_and_opened_again_on_downgrade(
        backend, monkeypatch):
    platform = await backend.platform("paymentsmig")
    db = Database(platform.database_url_for("paymentsmig"))
    bank, card = str(uuid.uuid4()), str(uuid.uuid4())
    own_reference = f"DP{bank[:8].upper()}260105"
    try:
        await upgrade(db.engine, SPEC.migrations, "0002")
        async with db.transaction() as session:
            await session.execute(insert(Agreement.__table__), [
                agreement(bank, account_kind="bank_account", sort_code="401276", account_number="12345678"),
                agreement(card, account_kind="prepaid_card", card_reference="CARD-0001-LONGER-THAN-18")])
            await session.execute(insert(Payment.__table__).values(payment(bank, "401276", "12345678",
                                                                           own_reference)))
            await session.execute(insert(Payment.__table__).values(payment(card, "608371", "00001234",
                                                                           "CARD-0001-LONGER-")))

        monkeypatch.setenv("SENDPB_PAYMENTS_ENCRYPTION_KEYS", json.dumps({"m1": KEY}))
        await upgrade(db.engine, SPEC.migrations)
        keyring = Keyring.from_encoded({"m1": KEY}, None)
        async with db.transaction() as session:
            agreements = {r[0]: r[1:] for r in await session.execute(text(
                "SELECT id, sort_code, account_number, card_reference FROM agreements WHERE id IN (:a, :b)"),
                {"a": bank, "b": card})}
            payments = {r[0]: r[1:] for r in await session.execute(text(
                "SELECT agreement_id, sort_code, account_number, card_reference, reference FROM payments "
                "WHERE agreement_id IN (:a, :b)"), {"a": bank, "b": card})}

        def opened(agreement_id: str, values: tuple, fields=sealed.FIELDS) -> tuple:
            assert all(v is None or (is_sealed(v) and key_id_of(v) == "m1") for v in values)
            return tuple(sealed.unseal(keyring, agreement_id, f, v) for f, v in zip(fields, values, strict=False))

        assert opened(bank, agreements[bank]) == ("401276", "12345678", None)
        assert opened(card, agreements[card]) == (None, None, "CARD-0001-LONGER-THAN-18")
        assert opened(bank, payments[bank][:3]) == ("401276", "12345678", None)
        assert payments[bank][3] == own_reference
        # A prepaid-card payment kept the card in its reference: it moves, sealed, to card_reference.
        assert opened(card, payments[card][:3]) == ("608371", "00001234", "CARD-0001-LONGER-")
        assert payments[card][3] == f"DP{card[:8].upper()}260105"

        cfg = alembic_config(SPEC.migrations, db.url)

        def downgrade(conn) -> None:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")

        async with db.engine.begin() as conn:
            await conn.run_sync(downgrade)
        async with db.transaction() as session:
            plain = sorted(tuple(r) for r in await session.execute(text(
                "SELECT sort_code, account_number, reference FROM payments WHERE agreement_id IN (:a, :b)"),
                {"a": bank, "b": card}))
        assert plain == [("401276", "12345678", own_reference), ("608371", "00001234", "CARD-0001-LONGER-")]
    finally:
        await db.dispose()
