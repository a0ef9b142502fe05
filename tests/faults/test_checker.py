"""The checker can fail: each check passes on a small consistent world written straight into the services'
databases (their real migrations), and names the problem once the world is broken the way that check guards
against. Each test has databases of its own (copies of migrated templates)."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
import pytest
from sqlalchemy import delete, insert, text, update

from kit.bus import DeadLetter
from kit.db import Database
from kit.events import Envelope, utcnow
from kit.migrations import upgrade
from kit.tables import inbox, outbox
from kit.testing import LA, PG_ADMIN_DSN, RUN_ID, ensure_database, pg_url, postgres_reason, unavailable
from services.budget.app import SPEC as BUDGET
from services.budget.models import Budget, HealthFundingEvent, LedgerEntry, LedgerTransaction
from services.payments.app import SPEC as PAYMENTS
from services.payments.models import Agreement, Payment, Run, ScheduledInstalment
from services.payments.models import LedgerEntry as PaymentEntry
from tests.faults import checker

pytestmark = pytest.mark.integration
TODAY = date.today()
_copies = iter(range(10**6))


@pytest.fixture(scope="module")
async def templates():
    reason = await postgres_reason()
    if reason:
        unavailable(reason)
    names = {}
    for service, spec in (("budget", BUDGET), ("payments", PAYMENTS)):
        names[service] = f"sendpb_{RUN_ID}_checker_{service}"
        db = Database(await ensure_database(names[service]))
        await upgrade(db.engine, spec.migrations)
        await db.dispose()  # a template database takes no connections while it is copied
    return names


@pytest.fixture
async def dbs(templates):
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    copies = {s: f"{name}_{next(_copies)}" for s, name in templates.items()}
    for service, name in copies.items():
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{templates[service]}"')
    opened = {s: Database(pg_url(name)) for s, name in copies.items()}
    try:
        yield opened
    finally:
        for db in opened.values():
            await db.dispose()
        for name in copies.values():
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def write(db: Database, *statements) -> None:
    async with db.transaction() as session:
        for statement in statements:
            await session.execute(statement)


def event(type_: str, payload: dict, *, sent: bool = True):
    e = Envelope(type=type_, producer="test", local_authority=LA, payload=payload)
    return str(e.event_id), insert(outbox).values(event_id=str(e.event_id), type=type_, body=e.to_bytes(),
                                                  created_at=utcnow(), published_at=utcnow() if sent else None)


def received(consumer: str, event_id: str, type_: str):
    return insert(inbox).values(consumer=consumer, event_id=event_id, type=type_, received_at=utcnow())


async def a_budget(db: Database) -> str:
    budget_id = str(uuid.uuid4())
    await write(db, insert(Budget).values(
        id=budget_id, local_authority=LA, child_id=f"C-{budget_id[:8]}", plan_reference="EHCP-1",
        period_start=TODAY, period_end=TODAY + timedelta(days=364), status="agreed", opened_from="manual",
        created_at=utcnow()))
    return budget_id


async def post(db: Database, budget_id: str, entries: list[tuple[str, str, int]], *, reference: str | None = None,
               kind: str = "agreement") -> int:
    async with db.transaction() as session:
        txn = (await session.execute(insert(LedgerTransaction).values(
            budget_id=budget_id, kind=kind, memo="test", reference=reference, created_at=utcnow())
            .returning(LedgerTransaction.id))).scalar_one()
        await session.execute(insert(LedgerEntry), [
            {"transaction_id": txn, "budget_id": budget_id, "stream": s, "account": a, "amount_pence": p}
            for s, a, p in entries])
    return txn


def has(problems: list[str], phrase: str) -> bool:
    return any(phrase in p for p in problems)


async def test_an_event_left_unsent_in_an_outbox_is_found(dbs):
    _, sent = event("budget.agreed.v1", {})
    await write(dbs["budget"], sent)
    assert await checker.stuck_in_outbox(dbs["budget"], "budget") == []
    stuck_id, stuck = event("budget.agreed.v1", {}, sent=False)
    await write(dbs["budget"], stuck)
    assert has(await checker.stuck_in_outbox(dbs["budget"], "budget"), f"stuck unsent in the outbox of budget: "
                                                                         f"{stuck_id}")


async def test_an_event_lost_applied_by_no_one_or_both_applied_and_dead_lettered_is_found(dbs):
    producer, consumer = dbs["payments"], dbs["budget"]

    async def check(dead=frozenset()):
        return await checker.consumed_once(producer, consumer, consumer_name="budget",
                                           event_type="payments.payment_issued.v1", dead=set(dead))

    applied, row = event("payments.payment_issued.v1", {})
    await write(producer, row)
    await write(consumer, received("budget", applied, "payments.payment_issued.v1"))
    assert await check() == []
    lost, row = event("payments.payment_issued.v1", {})
    await write(producer, row)
    assert has(await check(), f"neither applied by budget nor dead-lettered: {lost}")
    assert await check({lost}) == []
    assert has(await check({lost, applied}), f"applied by budget and also dead-lettered: {applied}")
    phantom = str(uuid.uuid4())
    await write(consumer, received("budget", phantom, "payments.payment_issued.v1"))
    assert has(await check({lost}), f"that no producer committed: {phantom}")


async def test_icb_funding_applied_twice_not_at_all_or_out_of_order_is_found(dbs):
    db = dbs["budget"]
    budget_id, icb_id, envelope_id = await a_budget(db), str(uuid.uuid4()), str(uuid.uuid4())
    payload = {"event_id": icb_id, "child_id": "C-1", "annual_amount_pence": 300_000}
    await write(db, received("budget", envelope_id, "icb.health_funding.changed.v1"), insert(HealthFundingEvent).values(
        event_id=icb_id, local_authority=LA, child_id="C-1", annual_amount_pence=300_000, effective_from=TODAY,
        reason="review", channel="amqp", status="applied", budget_id=budget_id, received_at=utcnow(),
        applied_at=utcnow()), event("budget.health_funding_applied.v1", {"icb_event_id": icb_id})[1])
    posting = await post(db, budget_id, [("health", "available", 300_000), ("health", "agreed", -300_000)],
                         reference=f"icb:{icb_id}", kind="health_funding")
    assert await checker.icb_applied_once(db, {envelope_id: payload}, set()) == []
    assert has(await checker.icb_applied_once(db, {envelope_id: payload, "never-applied": payload}, set()),
               "ICB events neither applied nor dead-lettered: never-applied")
    await write(db, event("budget.health_funding_applied.v1", {"icb_event_id": icb_id})[1])
    assert has(await checker.icb_applied_once(db, {envelope_id: payload}, set()),
               f"not announced exactly once if applied (never if not): {icb_id} (applied: 2 events)")
    await post(db, budget_id, [("health", "available", 1), ("health", "agreed", -1)])
    assert has(await checker.icb_applied_once(db, {envelope_id: payload}, set()),
               f"not their latest ICB event's amount: {budget_id} (300001 != 300000)")
    await write(db, delete(LedgerEntry).where(LedgerEntry.transaction_id == posting),
                delete(LedgerTransaction).where(LedgerTransaction.id == posting))
    assert has(await checker.icb_applied_once(db, {envelope_id: payload}, set()),
               f"not posted to the ledger exactly once if applied (never if not): {icb_id} (applied: 0 postings)")


async def test_an_unbalanced_transaction_or_a_stray_entry_is_found(dbs):
    db = dbs["budget"]
    budget_id, other = await a_budget(db), await a_budget(db)
    txn = await post(db, budget_id, [("education", "available", 500), ("education", "agreed", -500)])
    assert await checker.ledger_balanced(db) == []
    await write(db, insert(LedgerEntry).values(transaction_id=txn, budget_id=other, stream="education",
                                                account="spent", amount_pence=1))
    problems = await checker.ledger_balanced(db)
    assert has(problems, f"do not sum to 0 (BUD-08): {txn} (sum 1, 3 entries)")
    assert has(problems, "ledger entries on another budget than their transaction")


async def test_a_balance_that_is_not_the_sum_of_its_entries_is_found(dbs):
    db = dbs["budget"]
    budget_id = await a_budget(db)
    await post(db, budget_id, [("social_care", "available", 900), ("social_care", "agreed", -900)])
    await post(db, budget_id, [("social_care", "spent", 200), ("social_care", "available", -200)])
    shown = {"agreed_pence": 900, "released_pence": 0, "committed_pence": 0, "spent_pence": 200,
             "available_pence": 700, "indicative_pence": 0}
    assert await checker.balances_are_sums(db, {budget_id: {"social_care": shown}}) == []
    assert has(await checker.balances_are_sums(db, {budget_id: {"social_care": {**shown, "spent_pence": 100}}}),
               f"{budget_id}/social_care reports")
    await post(db, budget_id, [("social_care", "indicative", 50), ("social_care", "available", -50)])
    shown["available_pence"] = 650
    assert has(await checker.balances_are_sums(db, {budget_id: {"social_care": shown}}),
               "available 650 != agreed + released - committed - spent")


async def a_paid_agreement(dbs) -> tuple[str, str, list[str]]:
    """An active agreement with two instalments due, each paid once by one run: ledger entry, event, spend."""
    payments, budget = dbs["payments"], dbs["budget"]
    agreement_id, run_id, budget_id = str(uuid.uuid4()), str(uuid.uuid4()), await a_budget(budget)
    dues = [TODAY - timedelta(days=28), TODAY]
    statements = [
        insert(Agreement).values(
            id=agreement_id, local_authority=LA, budget_id=budget_id, child_id="C-1", stream="social_care",
            annual_amount_pence=260_000, frequency="four_weekly", start_date=dues[0],
            end_date=dues[0] + timedelta(days=364), purpose="PA", status="active", opened_from="event",
            monthly_fee_pence=0, close_relative_same_household=False, final_audit_due=False, created_at=utcnow()),
        insert(Run).values(id=run_id, local_authority=LA, run_date=TODAY, status="completed", due_count=2,
                           settled_count=2, payments_count=2, total_pence=40_000, requested_by="test",
                           created_at=utcnow(), updated_at=utcnow())]
    payment_ids = []
    for n, due in enumerate(dues):
        payment_id = str(uuid.uuid4())
        payment_ids.append(payment_id)
        statements += [
            insert(ScheduledInstalment).values(agreement_id=agreement_id, seq=n + 1, due_date=due,
                                               amount_pence=20_000, deducted_pence=0, basis="1/13", settled=True),
            insert(Payment).values(id=payment_id, run_id=run_id, agreement_id=agreement_id, local_authority=LA,
                                   due_date=due, amount_pence=20_000, status="issued", basis="1/13",
                                   payee_name="A Parent", sort_code="401276", account_number="31926819",
                                   reference="DP", issued_on=TODAY, created_at=utcnow()),
            insert(PaymentEntry).values(agreement_id=agreement_id, local_authority=LA, kind="payment",
                                        debit_account="payee", credit_account="la", amount_pence=20_000,
                                        payment_id=payment_id, memo="paid", entry_date=TODAY, created_at=utcnow()),
            event("payments.payment_issued.v1", {"payment_id": payment_id})[1]]
        await post(budget, budget_id, [("social_care", "spent", 20_000), ("social_care", "available", -20_000)],
                   reference=f"payment:{payment_id}", kind="payment")
    await write(payments, *statements)
    return agreement_id, run_id, payment_ids


async def test_a_payment_duplicated_missing_or_booked_wrongly_is_found(dbs):
    payments, budget = dbs["payments"], dbs["budget"]
    agreement_id, run_id, [first, second] = await a_paid_agreement(dbs)

    async def check():
        return await checker.payments_exact(payments, budget, paid_up_to=TODAY, dead=set())

    assert await check() == []
    await write(payments, event("payments.payment_issued.v1", {"payment_id": first})[1],
                update(Run).where(Run.id == run_id).values(payments_count=3),
                update(Payment).where(Payment.id == second).values(amount_pence=19_999))
    await write(budget, text("DELETE FROM ledger_entries WHERE transaction_id = (SELECT id FROM ledger_transactions "
                             "WHERE reference = :r)").bindparams(r=f"payment:{first}"))
    problems = await check()
    assert has(problems, f"payments without exactly one payment_issued event: {first} (2)")
    assert has(problems, f"runs whose totals are not the sum of their payments: {run_id}")
    assert has(problems, f"instalments paid the wrong amount: {agreement_id}@{TODAY} 19999 != 20000")
    assert has(problems, f"without exactly one ledger entry of their amount: {second} (1 entries, 20000)")
    assert has(problems, "not booked as spent on the budget exactly once") and has(problems, f"{first} (0 bookings")
    async with payments.transaction() as session:  # the database's own guard, out of the way for a moment
        await session.execute(text("DROP INDEX uq_payments_live_instalment"))
    await write(payments, insert(Payment).values(
        id=str(uuid.uuid4()), run_id=run_id, agreement_id=agreement_id, local_authority=LA, due_date=TODAY,
        amount_pence=20_000, status="issued", basis="1/13", payee_name="A Parent", sort_code="401276",
        account_number="31926819", reference="DP", issued_on=TODAY, created_at=utcnow()),
        delete(Payment).where(Payment.id == first),
        insert(Payment).values(
            id=str(uuid.uuid4()), run_id=run_id, agreement_id=agreement_id, local_authority=LA,
            due_date=TODAY + timedelta(days=3), amount_pence=5, status="issued", basis="?", payee_name="A Parent",
            sort_code="401276", account_number="31926819", reference="DP", issued_on=TODAY, created_at=utcnow()))
    problems = await check()
    assert has(problems, f"instalments paid more than once: {agreement_id}@{TODAY} x2")
    assert has(problems, f"instalments due and unpaid: {agreement_id}@{TODAY - timedelta(days=28)}")
    assert has(problems, "instalments whose settled marker disagrees with their payments")
    assert has(problems, "payments of no instalment")


async def test_an_agreed_direct_payment_with_no_agreement_two_or_the_wrong_amount_is_found(dbs):
    budget, payments = dbs["budget"], dbs["payments"]
    budget_id = str(uuid.uuid4())
    agreed = {"budget_id": budget_id, "streams": {"social_care": {"agreed_pence": 260_000,
                                                                  "direct_payment_pence": 260_000}}}
    event_id, row = event("budget.agreed.v1", agreed)
    await write(budget, row)
    assert has(await checker.agreements_opened_once(budget, payments, set()),
               f"without exactly one agreement of their amount: {budget_id}/social_care ([] for 260000)")
    assert await checker.agreements_opened_once(budget, payments, {event_id}) == []

    def agreement(pence: int):
        return insert(Agreement).values(
            id=str(uuid.uuid4()), local_authority=LA, budget_id=budget_id, child_id="C-1", stream="social_care",
            annual_amount_pence=pence, frequency="four_weekly", start_date=TODAY, end_date=TODAY + timedelta(days=364),
            purpose="PA", status="awaiting_signature", opened_from="event", monthly_fee_pence=0,
            close_relative_same_household=False, final_audit_due=False, created_at=utcnow())

    await write(payments, agreement(260_000))
    assert await checker.agreements_opened_once(budget, payments, set()) == []
    await write(payments, update(Agreement).where(Agreement.budget_id == budget_id).values(annual_amount_pence=1))
    assert has(await checker.agreements_opened_once(budget, payments, set()), "([1] for 260000)")
    async with payments.transaction() as session:  # the unique (budget, stream) out of the way for a moment
        await session.execute(text("ALTER TABLE agreements DROP CONSTRAINT uq_agreements_budget_id_stream"))
    await write(payments, agreement(260_000))
    assert has(await checker.agreements_opened_once(budget, payments, set()), "([1, 260000] for 260000)")


async def test_BUD_06_PAY_01_payments_above_the_agreed_share_or_apart_from_the_ledger_are_found(dbs):
    payments, budget = dbs["payments"], dbs["budget"]
    agreement_id, _, payment_ids = await a_paid_agreement(dbs)
    budget_id = (await checker.rows(payments, "SELECT budget_id FROM agreements WHERE id = :a", a=agreement_id))[0][0]

    async def agreed(direct_payment_pence: int) -> None:
        await write(budget, text("DELETE FROM outbox WHERE type = 'budget.agreed.v1'"), event("budget.agreed.v1", {
            "budget_id": budget_id, "period_start": str(TODAY - timedelta(days=28)),
            "period_end": str(TODAY + timedelta(days=300)), "streams": {"social_care": {
                "agreed_pence": 260_000, "direct_payment_pence": direct_payment_pence}}})[1])

    await agreed(260_000)
    assert await checker.payments_within_agreed_share(payments, budget) == []
    await agreed(30_000)  # 40,000p was paid
    assert has(await checker.payments_within_agreed_share(payments, budget),
               f"paid more than the direct-payment share agreed: {budget_id} social_care: paid 40000p of an agreed "
               "direct-payment share of 30000p")
    await agreed(260_000)
    await write(budget, text("DELETE FROM ledger_entries WHERE transaction_id = (SELECT id FROM ledger_transactions "
                             "WHERE reference = :r)").bindparams(r=f"payment:{payment_ids[0]}"))
    assert has(await checker.payments_within_agreed_share(payments, budget),
               f"differ from the payment postings in their ledger: {budget_id} social_care: paid 40000p, booked 20000p")


def test_a_poison_message_not_dead_lettered_or_a_valid_one_dead_lettered_is_found():
    poison = {b"not json": "not JSON", b"\xff": "not UTF-8"}
    letters = [DeadLetter("budget", "icb.health_funding.changed.v1", body, "PoisonMessage: not a valid event envelope",
                          1) for body in poison]
    assert checker.dead_letters_explained(letters, poison) == []
    assert has(checker.dead_letters_explained(letters[:1], poison),
               "poison messages not dead-lettered exactly once: not UTF-8 (x0)")
    assert has(checker.dead_letters_explained([*letters, letters[0]], poison), "not JSON (x2)")
    silent = DeadLetter("budget", "x.y.v1", b"\xff", " ", 1)
    assert has(checker.dead_letters_explained([letters[0], silent], poison), "dead letters without a reason")
    valid = DeadLetter("budget", "payments.payment_issued.v1", b"{}", "DBAPIError: database is starting up", 5)
    assert has(checker.dead_letters_explained([*letters, valid], poison),
               "valid messages dead-lettered: payments.payment_issued.v1: DBAPIError: database is starting up")
