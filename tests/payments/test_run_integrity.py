"""PAY-04 at the database: whatever happens to a run, no instalment is paid twice and none is skipped. Runs
on SQLite and on PostgreSQL (``backend``); each test uses its own LA code because the PostgreSQL database
is shared."""
import asyncio
import random
from datetime import date

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kit.tables import outbox
from kit.testing import auth, running_service
from services.payments import repository
from services.payments.app import create_app
from services.payments.models import Payment, ScheduledInstalment
from services.payments.service import runs
from services.payments.settings import PaymentsSettings
from tests.payments.helpers import active_agreement


def fresh_la() -> str:
    return f"E99{random.randrange(10**6):06d}"


@pytest.fixture
def la_headers():
    la = fresh_la()
    return la, auth("casework", "finance", "read", las=[la])


async def _setup(client, la, headers, n: int) -> list[str]:
    ids = []
    for k in range(n):
        agreement = await active_agreement(client, la=la, child=f"C-{k}", start=date(2026, 11, 3),
                                           headers=headers)
        ids.append(agreement["id"])
    return ids


async def _live_payments(svc, ids) -> dict[str, int]:
    async with svc.runtime.db.sessions() as s:
        rows = (await s.execute(select(Payment.agreement_id, func.count()).where(
            Payment.agreement_id.in_(ids), Payment.status == "issued").group_by(Payment.agreement_id))).all()
    return dict(rows)


async def _post_run(svc, la, headers, key=None):
    return await svc.client.post("/v1/payments/runs", json={"local_authority": la, "run_date": "2026-12-01"},
                                 headers={**headers, **({"Idempotency-Key": key} if key else {})})


async def test_PAY_04_a_run_that_fails_half_way_leaves_nothing_and_the_rerun_pays_each_instalment_once(
        backend, la_headers, monkeypatch):
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments",
                               settings=PaymentsSettings(run_chunk_size=3)) as svc:
        ids = await _setup(svc.client, la, headers, 4)
        async with svc.runtime.db.sessions() as s:
            events_before = (await s.execute(select(func.count()).select_from(outbox))).scalar_one()

        async def crash(run):
            raise ConnectionResetError("the database connection dropped half way through the run")

        monkeypatch.setattr(runs, "after_chunk", crash)
        # The test client re-raises the error the server answers with a 500.
        with pytest.raises(ConnectionResetError):
            await _post_run(svc, la, headers, key="crashing")
        assert await _live_payments(svc, ids) == {}
        async with svc.runtime.db.sessions() as s:
            assert (await s.execute(select(func.count()).select_from(outbox))).scalar_one() == events_before

        monkeypatch.setattr(runs, "after_chunk", None)
        rerun = await _post_run(svc, la, headers,
                                key="crashing")  # the key was never stored: the run is redone
        assert rerun.status_code == 201 and rerun.json()["payments_count"] == 8
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}


async def test_PAY_04_concurrent_runs_for_one_la_pay_each_instalment_exactly_once(backend, la_headers):
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments") as svc:
        ids = await _setup(svc.client, la, headers, 3)
        results = await asyncio.gather(*[_post_run(svc, la, headers, key=f"k{n}") for n in range(3)])
        assert sorted(r.status_code for r in results) == [201, 201, 201]
        assert sorted(r.json()["payments_count"] for r in results) == [0, 0, 6]
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}


async def test_PAY_04_the_database_itself_refuses_a_second_live_payment_of_an_instalment(backend, la_headers):
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments") as svc:
        [agreement_id] = await _setup(svc.client, la, headers, 1)
        assert (await _post_run(svc, la, headers)).json()["payments_count"] == 2
        async with svc.runtime.db.sessions() as s:
            [first] = (await s.execute(select(Payment).where(Payment.agreement_id == agreement_id)
                                       .order_by(Payment.due_date).limit(1))).scalars().all()
            row = {c.name: getattr(first,
                                   c.key) for c in Payment.__table__.columns} | {"id": "dup-" + first.id[4:]}
            with pytest.raises(IntegrityError):
                await s.execute(insert(Payment), [row])
            await s.rollback()
        async with svc.runtime.db.transaction() as s:  # even with the run's own markers lost...
            i = ScheduledInstalment
            await s.execute(update(i).where(i.agreement_id == agreement_id).values(settled=False))
        assert (await _post_run(svc, la, headers)).json()["payments_count"] == 0  # ...nothing is paid twice


async def test_PAY_04_without_the_run_lock_the_unique_index_still_refuses_the_second_payment(
        real_backend, la_headers, monkeypatch):
    la, headers = la_headers
    async with running_service(create_app, real_backend, service="payments") as svc:
        ids = await _setup(svc.client, la, headers, 2)
        both_selected = asyncio.Barrier(2)
        find_due = repository.due_instalments

        async def find_then_wait(*args, **kw):
            found = await find_due(*args, **kw)
            await both_selected.wait()  # both runs now hold the same list of unpaid instalments
            return found

        async def no_lock(session, la):
            return None

        monkeypatch.setattr(repository, "serialise_runs", no_lock)
        monkeypatch.setattr(repository, "due_instalments", find_then_wait)
        first, second = await asyncio.gather(*[_post_run(svc, la, headers, key=k) for k in ("x", "y")])
        assert sorted([first.status_code, second.status_code]) == [201, 409]
        refused = first if first.status_code == 409 else second
        assert refused.json()["rule"] == "PAY-04"
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}
