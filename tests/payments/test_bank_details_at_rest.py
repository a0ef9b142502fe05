"""Bank details are encrypted at rest (AES-256-GCM, a key id with each value): the database never holds the digits,
the API shows them masked, the bank file carries them in full; keys rotate; outside dev mode the dev key is
refused."""
import base64
import csv
import io
from datetime import date

import pytest
from sqlalchemy import text

from kit.auth import new_private_key_pem, public_key_pem
from kit.crypto import DecryptionFailed, Keyring, KeyringError, UnknownKey, is_sealed, key_id_of, new_key
from kit.settings import PlatformSettings
from kit.testing import LA, running_service
from services.payments.app import create_app
from services.payments.service import sealed
from services.payments.service.keys import reseal
from services.payments.settings import PaymentsSettings
from tests.payments.helpers import BANK, FINANCE, READ, open_agreement, run, set_payee, sign

CARD = {"kind": "prepaid_card", "card_reference": "CARD-77123"}
DIGITS = ("401276", "12345678", "CARD-77123")
K1, K2 = new_key(), new_key()


def settings_with(keys: dict[str, str], current: str | None = None) -> PaymentsSettings:
    # Outside dev mode the service also needs each LA's own BACS originator (tests/payments/test_bacs.py).
    # And its own family-link secret (issue 20: links to recovery notices; tests/family/test_recovery_links.py).
    return PaymentsSettings(encryption_keys=keys, encryption_key_id=current, originators_by_la={LA: {
        "service_user_number": "654321", "name": "BUCKS DP", "sort_code": "309634", "account_number": "11223344"}},
        family_link_secret="p" * 40, family_link_base_url="https://pb.example.gov.uk")


async def raw_rows(svc, sql: str, **params) -> list[tuple]:
    async with svc.runtime.db.transaction() as session:
        return [tuple(row) for row in (await session.execute(text(sql), params)).all()]


async def paid_agreement(client, account: dict, child: str) -> dict:
    agreement = await open_agreement(client, start=date(2026, 12, 1), child=child)
    await set_payee(client, agreement["id"], account=account)
    await sign(client, agreement["id"], date(2026, 11, 20))
    return agreement


async def test_the_database_holds_only_sealed_bank_details_and_the_bank_file_the_real_ones(backend):
    async with running_service(create_app, backend, service="payments") as svc:
        bank = await paid_agreement(svc.client, BANK, "C-sealed-bank")
        card = await paid_agreement(svc.client, CARD, "C-sealed-card")
        done = await run(svc.client, date(2026, 12, 1))
        assert done["status"] == "completed"
        ids = {"a": bank["id"], "b": card["id"]}

        stored = await raw_rows(svc, "SELECT sort_code, account_number, card_reference FROM agreements "
                                     "WHERE id IN (:a, :b)", **ids)
        stored += await raw_rows(svc, "SELECT sort_code, account_number, card_reference, reference FROM payments "
                                      "WHERE agreement_id IN (:a, :b)", **ids)
        shown = (await svc.client.get(f"/v1/payments/agreements/{bank['id']}/payments", headers=READ)).text
        csv_file = (await svc.client.get(f"/v1/payments/runs/{done['id']}/file?format=csv", headers=FINANCE)).text

    values = [v for row in stored for v in row if v is not None]
    assert len(stored) == 4 and not any(d in v for v in values for d in DIGITS)
    sealed_values = [v for row in stored for v in row[:3] if v is not None]
    assert len(sealed_values) == 8 and all(is_sealed(v) and key_id_of(v) == "dev" for v in sealed_values)
    assert "****5678" in shown and "12345678" not in shown
    by_agreement = {r["agreement_id"]: r for r in csv.DictReader(io.StringIO(csv_file))}
    assert (by_agreement[bank["id"]]["sort_code"], by_agreement[bank["id"]]["account_number"]) == BANK_DIGITS
    assert by_agreement[card["id"]]["reference"] == "CARD-77123"
    assert by_agreement[card["id"]]["sort_code"] == "608371"  # the card provider's account (settings)


BANK_DIGITS = (BANK["sort_code"], BANK["account_number"])


def test_a_sealed_value_opens_only_with_its_key_and_context():
    keyring = Keyring.from_encoded({"k1": K1}, None)
    value = keyring.seal("12345678", context="payments.account_number:A-1")
    assert value.startswith("enc1:k1:") and "12345678" not in value
    assert keyring.open(value, context="payments.account_number:A-1") == "12345678"
    assert keyring.seal("12345678", context="x") != keyring.seal("12345678", context="x")  # a fresh nonce each
    with pytest.raises(DecryptionFailed, match="moved"):
        keyring.open(value, context="payments.account_number:A-2")  # copied onto another agreement
    tampered = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    with pytest.raises(DecryptionFailed):
        keyring.open(tampered, context="payments.account_number:A-1")


def test_an_unknown_key_id_or_a_different_key_under_the_same_id_is_a_clear_error():
    value = Keyring.from_encoded({"k1": K1}, None).seal("401276", context="c")
    with pytest.raises(UnknownKey, match=r"sealed with key 'k1', which this keyring does not hold \(keys: k2\)"):
        Keyring.from_encoded({"k2": K2}, None).open(value, context="c")
    with pytest.raises(DecryptionFailed, match="does not open with key 'k1'"):
        Keyring.from_encoded({"k1": K2}, None).open(value, context="c")
    with pytest.raises(KeyringError, match="current key id 'k3' is not one of the keys"):
        Keyring.from_encoded({"k1": K1}, "k3")
    with pytest.raises(KeyringError, match="say which one seals new values"):
        Keyring.from_encoded({"k1": K1, "k2": K2}, None)
    with pytest.raises(KeyringError, match="base64 of 32 random bytes"):
        Keyring.from_encoded({"k1": "c2hvcnQ="}, None)


def test_outside_dev_mode_the_service_refuses_to_start_without_keys_or_with_the_dev_key():
    prod = PlatformSettings(mode="prod", jwt_public_keys={"k": public_key_pem(new_private_key_pem())},
                            amqp_url="amqp://broker/",
                            database_url_template="postgresql+asyncpg://db/sendpb_{service}")
    with pytest.raises(ValueError, match="SENDPB_PAYMENTS_ENCRYPTION_KEYS must be set outside dev mode"):
        create_app(prod)
    dev_key = Keyring.dev().keys["dev"]
    with pytest.raises(ValueError, match="holds the dev key"):
        create_app(prod, settings=settings_with({"old": base64.b64encode(dev_key).decode(), "new": K1}, "new"))
    assert create_app(prod, settings=settings_with({"2026-05": K1})).state.runtime.settings.keyring.current == \
        "2026-05"


async def test_rotation_old_keys_still_open_new_values_use_the_current_key_and_reseal_retires_the_old(
        memory_backend, today):
    async with running_service(create_app, memory_backend, service="payments",
                               settings=settings_with({"k1": K1})) as svc:
        before = await paid_agreement(svc.client, BANK, "C-rotate-1")
        await run(svc.client, date(2026, 12, 1))

    rotated = settings_with({"k1": K1, "k2": K2}, "k2")
    async with running_service(create_app, memory_backend, service="payments", settings=rotated) as svc:
        shown = (await svc.client.get(f"/v1/payments/agreements/{before['id']}", headers=READ)).json()
        assert shown["payee"]["account"]["account_number"] == "****5678"  # sealed with k1, opened after rotation
        after = await paid_agreement(svc.client, {**BANK, "account_number": "87654321"}, "C-rotate-2")
        keys_of = {row[0]: key_id_of(row[1]) for row in await raw_rows(
            svc, "SELECT id, account_number FROM agreements WHERE id IN (:a, :b)", a=before["id"], b=after["id"])}
        assert keys_of == {before["id"]: "k1", after["id"]: "k2"}

        assert await reseal(svc.runtime.db, svc.runtime.settings.keyring, chunk=1) == 4  # 2 agreement, 2 payment
        assert await reseal(svc.runtime.db, svc.runtime.settings.keyring) == 0
        stored = await raw_rows(svc, "SELECT sort_code, account_number FROM agreements UNION ALL "
                                     "SELECT sort_code, account_number FROM payments")
        assert {key_id_of(v) for row in stored for v in row} == {"k2"}

    async with running_service(create_app, memory_backend, service="payments",
                               settings=settings_with({"k2": K2})) as svc:  # k1 retired
        today(date(2026, 12, 29))
        done = await run(svc.client, date(2026, 12, 29))
        file = (await svc.client.get(f"/v1/payments/runs/{done['id']}/file?format=csv", headers=FINANCE)).text
        assert {(r["sort_code"], r["account_number"]) for r in csv.DictReader(io.StringIO(file))} == {
            ("401276", "12345678"), ("401276", "87654321")}


def test_a_value_is_bound_to_its_agreement_and_field():
    keyring = Keyring.dev()
    value = sealed.seal(keyring, "A-1", "sort_code", "401276")
    assert sealed.unseal(keyring, "A-1", "sort_code", value) == "401276"
    for agreement_id, field in (("A-2", "sort_code"), ("A-1", "account_number")):
        with pytest.raises(DecryptionFailed):
            sealed.unseal(keyring, agreement_id, field, value)
