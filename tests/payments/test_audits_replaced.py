"""One audit counts per period (PAY-06: only the surplus is reclaimed, once): a second audit of the same agreement and
``period_end`` replaces the first, with or without an Idempotency-Key, and withdraws the first recovery notice with
the reason; a recovery already confirmed cannot be replaced (PAY-07). On both backends."""
import asyncio
import uuid
from datetime import date

import pytest
from alembic import command
from sqlalchemy import func, insert, select, text

from kit.db import Database
from kit.events import utcnow
from kit.migrations import alembic_config, upgrade
from kit.testing import running_service
from services.payments.app import SPEC, create_app
from services.payments.models import Audit, Recovery
from tests.payments.helpers import CASEWORK, FINANCE, READ, active_agreement, run

PERIOD = "2027-02-28"


@pytest.fixture
async def both(backend):
    """The payments service on SQLite + in-memory bus, then on PostgreSQL + RabbitMQ."""
    async with running_service(create_app, backend, service="payments") as running:
        yield running


def post_audit(client, agreement_id, *, balance, period_end=PERIOD, key=None, **extra):
    headers = {**FINANCE, **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/v1/payments/agreements/{agreement_id}/audits", headers=headers, json={
        "period_end": period_end, "balance_held_pence": balance, "outstanding_commitments_pence": 0, **extra})


async def audited(client, agreement_id, **kw) -> dict:
    r = await post_audit(client, agreement_id, **kw)
    assert r.status_code == 201, r.text
    return r.json()


async def recovery(client, recovery_id) -> dict:
    r = await client.get(f"/v1/payments/recoveries/{recovery_id}", headers=READ)
    assert r.status_code == 200, r.text
    return r.json()


async def open_recoveries(svc, agreement_id) -> list[int]:
    async with svc.runtime.db.sessions() as s:
        return list((await s.execute(select(Recovery.amount_pence).where(
            Recovery.agreement_id == agreement_id, Recovery.status != "withdrawn"))).scalars())


async def test_PAY_06_a_second_audit_of_the_same_period_replaces_the_first_one_open_recovery(both, today):
    agreement = await active_agreement(both.client, annual=520000)  # contingency: 8 weeks = £800.00
    today(date(2027, 3, 1))
    await run(both.client, date(2027, 3, 1))  # £1,600 paid: what could be recovered at most (PAY-10)
    first = await audited(both.client, agreement["id"], balance=200000)
    assert first["recovery"]["amount_pence"] == 120000
    second = await audited(both.client, agreement["id"], balance=150000)  # the balance corrected
    third = await audited(both.client, agreement["id"], balance=130000)  # the same audit sent again, corrected

    assert (second["supersedes"], third["supersedes"]) == (first["id"], second["id"])
    assert (third["recovery"]["status"], third["recovery"]["amount_pence"]) == ("notice_issued", 50000)
    for earlier in (first, second):
        withdrawn = await recovery(both.client, earlier["recovery"]["id"])
        assert withdrawn["status"] == "withdrawn"
        assert "replaced the audit that issued this notice" in withdrawn["withdrawn_reason"]
        assert "PAY-06" in withdrawn["withdrawn_reason"]
    assert await open_recoveries(both, agreement["id"]) == [50000]
    withdrawn = await both.client.post(f"/v1/payments/recoveries/{first['recovery']['id']}/challenge",
                                       headers=CASEWORK, json={"grounds": "it was corrected"})
    assert withdrawn.status_code == 409

    today(date(2028, 3, 1))
    await run(both.client, date(2028, 3, 1))
    other_period = await audited(both.client, agreement["id"], balance=200000, period_end="2028-02-29")
    assert other_period["supersedes"] is None
    assert sorted(await open_recoveries(both, agreement["id"])) == [50000, 120000]


async def test_PAY_06_a_second_audit_finding_no_surplus_withdraws_the_first_notice(svc, today):
    agreement = await active_agreement(svc.client, annual=520000)
    today(date(2027, 3, 1))
    await run(svc.client, date(2027, 3, 1))  # £1,600 paid: what could be recovered at most (PAY-10)
    first = await audited(svc.client, agreement["id"], balance=200000)
    challenged = await svc.client.post(f"/v1/payments/recoveries/{first['recovery']['id']}/challenge",
                                       headers=CASEWORK, json={"grounds": "a summer scheme is booked"})
    assert challenged.json()["status"] == "challenged"
    second = await audited(svc.client, agreement["id"], balance=90000, outstanding_commitments_pence=20000)
    assert (second["surplus_pence"], second["recovery"]) == (0, None)
    assert (await recovery(svc.client, first["recovery"]["id"]))["status"] == "withdrawn"
    assert await open_recoveries(svc, agreement["id"]) == []


async def test_PAY_07_a_confirmed_recovery_cannot_be_replaced_by_a_new_audit_of_its_period(both, today):
    agreement = await active_agreement(both.client, annual=520000)
    today(date(2027, 3, 1))
    await run(both.client, date(2027, 3, 1))  # £1,600 paid: what could be recovered at most (PAY-10)
    notice = (await audited(both.client, agreement["id"], balance=130000, recovery_method="invoice"))["recovery"]
    today(date(2027, 4, 1))  # after the challenge window
    confirmed = await both.client.post(f"/v1/payments/recoveries/{notice['id']}/confirm", headers=FINANCE,
                                       json={})
    assert confirmed.json()["status"] == "confirmed"

    again = await post_audit(both.client, agreement["id"], balance=200000)
    assert again.status_code == 409, again.text
    problem = again.json()
    assert (problem["rule"], problem["recovery_id"]) == ("PAY-07", notice["id"])
    assert (await recovery(both.client, notice["id"]))["status"] == "confirmed"
    assert await open_recoveries(both, agreement["id"]) == [50000]


async def test_PAY_06_the_same_audit_sent_again_with_its_key_replays_and_replaces_nothing(both, today):
    agreement = await active_agreement(both.client, annual=520000)
    today(date(2027, 3, 1))
    await run(both.client, date(2027, 3, 1))  # £1,600 paid: what could be recovered at most (PAY-10)
    first = await post_audit(both.client, agreement["id"], balance=200000, key="audit-2027-02")
    again = await post_audit(both.client, agreement["id"], balance=200000, key="audit-2027-02")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert (await recovery(both.client, first.json()["recovery"]["id"]))["status"] == "notice_issued"

    changed = await post_audit(both.client, agreement["id"], balance=150000, key="audit-2027-02")
    assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "Idempotency-Key"
    async with both.runtime.db.sessions() as s:
        count = (await s.execute(select(func.count()).select_from(Audit)
                                 .where(Audit.agreement_id == agreement["id"]))).scalar_one()
    assert count == 1 and await open_recoveries(both, agreement["id"]) == [120000]

    # A correction under a new key is a new audit of the period: it replaces the first.
    corrected = await post_audit(both.client, agreement["id"], balance=150000, key="audit-2027-02-corrected")
    assert corrected.status_code == 201 and corrected.json()["supersedes"] == first.json()["id"]
    assert await open_recoveries(both, agreement["id"]) == [70000]


async def test_PAY_06_a_final_audit_done_again_stays_the_final_audit(svc, today):
    agreement = await active_agreement(svc.client, annual=520000)
    today(date(2027, 3, 1))
    await run(svc.client, date(2027, 3, 1))  # £1,600 paid: what could be recovered at most (PAY-10)
    await svc.client.post(f"/v1/payments/agreements/{agreement['id']}/stop", headers=CASEWORK,
                          json={"reason_code": "consent_withdrawn", "reason": "the family asked to stop"})
    final = await audited(svc.client, agreement["id"], balance=200000)
    again = await audited(svc.client, agreement["id"], balance=100000)
    assert (final["kind"], again["kind"], again["supersedes"]) == ("final", "final", final["id"])
    assert await open_recoveries(svc, agreement["id"]) == [20000]


async def test_PAY_06_audits_of_one_period_sent_at_once_leave_one_open_recovery(both, today):
    agreement = await active_agreement(both.client, annual=520000)
    today(date(2027, 3, 1))
    await run(both.client, date(2027, 3, 1))  # £1,600 paid: what could be recovered at most (PAY-10)
    answers = await asyncio.gather(*(post_audit(both.client, agreement["id"], balance=150000 + i * 1000)
                                     for i in range(4)))
    assert all(r.status_code == 201 for r in answers), [r.text for r in answers]
    assert len(await open_recoveries(both, agreement["id"])) == 1
    async with both.runtime.db.sessions() as s:
        current = (await s.execute(select(func.count()).select_from(Audit).where(
            Audit.agreement_id == agreement["id"], Audit.superseded_by.is_(None)))).scalar_one()
    assert current == 1


def audit_row(agreement_id: str, n: int) -> dict:
    return {"id": str(uuid.uuid4()), "agreement_id": agreement_id, "local_authority": "E06000060",
            "kind": "scheduled", "period_end": date(2027, 2, 28), "audited_on": date(2027, 3, n),
            "balance_held_pence": 200000, "outstanding_commitments_pence": 0, "contingency_pence": 80000,
            "surplus_pence": 120000, "basis": {}, "created_at": utcnow()}


def recovery_row(audit: dict, status: str) -> dict:
    return {"id": str(uuid.uuid4()), "agreement_id": audit["agreement_id"], "audit_id": audit["id"],
            "local_authority": "E06000060", "amount_pence": 120000, "reasons": ["r"], "who_must_repay": "P",
            "method": "invoice", "status": status, "notice_issued_on": date(2027, 3, 1),
            "challenge_by": date(2027, 3, 29), "repay_by": date(2027, 4, 26), "created_at": utcnow()}


async def test_migration_0006_settles_periods_audited_more_than_once_before_the_rule(backend):
    platform = await backend.platform("paymentsaudits")
    db = Database(platform.database_url_for("paymentsaudits"))
    try:
        await upgrade(db.engine, SPEC.migrations, "0005")
        thrice = [audit_row("A-thrice", n) for n in (1, 2, 3)]
        confirmed_first = [audit_row("A-confirmed", n) for n in (1, 2)]
        async with db.transaction() as session:
            for row in thrice + confirmed_first:  # one by one: created_at orders them
                await session.execute(insert(Audit.__table__).values(row))
            for audit, status in zip(thrice + confirmed_first, ("notice_issued", "challenged", "notice_issued",
                                                                "confirmed", "notice_issued"), strict=True):
                await session.execute(insert(Recovery.__table__).values(recovery_row(audit, status)))
        await upgrade(db.engine, SPEC.migrations)
        async with db.sessions() as session:
            audits = {r.id: r for r in await session.execute(text(
                "SELECT id, supersedes, superseded_by FROM audits"))}
            recoveries = {r.audit_id: r for r in await session.execute(text(
                "SELECT audit_id, status, withdrawn_reason FROM recoveries"))}
        assert [audits[a["id"]].superseded_by for a in thrice] == [thrice[2]["id"], thrice[2]["id"], None]
        assert audits[thrice[2]["id"]].supersedes == thrice[1]["id"]
        assert [recoveries[a["id"]].status for a in thrice] == ["withdrawn", "withdrawn", "notice_issued"]
        assert "PAY-06" in recoveries[thrice[0]["id"]].withdrawn_reason
        # The confirmed recovery's audit stays current; the later notice for that period is withdrawn.
        assert [audits[a["id"]].superseded_by for a in confirmed_first] == [None, confirmed_first[0]["id"]]
        assert [recoveries[a["id"]].status for a in confirmed_first] == ["confirmed", "withdrawn"]

        cfg = alembic_config(SPEC.migrations, db.url)

        def downgrade(conn) -> None:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005")

        async with db.engine.begin() as conn:
            await conn.run_sync(downgrade)
        async with db.sessions() as session:
            assert (await session.execute(text("SELECT count(*) FROM audits"))).scalar_one() == 5
    finally:
        await db.dispose()
