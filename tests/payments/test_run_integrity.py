"""PAY-04 at the database: whatever happens to a run, no instalment is paid twice and none is skipped. Runs on
SQLite and on PostgreSQL (``backend``); each test uses its own LA code because the PostgreSQL database is
shared (fixture ``la_headers``)."""
import asyncio
from datetime import date

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kit.tables import outbox
from kit.testing import running_service
from services.payments import repository
from services.payments.app import create_app
from services.payments.models import Payment, ScheduledInstalment
from services.payments.service import runs
from services.payments.settings import PaymentsSettings
from tests.payments.helpers import active_agreement, run


async def _setup(client, la, headers, n: int) -> list[str]:
    """``n`` signed agreements, each with two instalments due by 1 December (3 November, 1 December)."""
    made = [await active_agreement(client, la=la, child=f"C-{k}", start=date(2026, 11, 3), headers=headers)
            for k in range(n)]
    return [a["id"] for a in made]


async def _live_payments(svc, ids) -> dict[str, int]:
    async with svc.runtime.db.sessions() as s:
        rows = (await s.execute(select(Payment.agreement_id, func.count()).where(
            Payment.agreement_id.in_(ids), Payment.status == "issued").group_by(Payment.agreement_id))).all()
    return dict(rows)


async def _events(svc) -> int:
    async with svc.runtime.db.sessions() as s:
        return (await s.execute(select(func.count()).select_from(outbox))).scalar_one()


def failing_after_chunks(which: set[int], error: Exception):
    """An ``after_chunk`` hook that raises ``error`` after the chunks numbered in ``which`` (from 1)."""
    chunks = 0

    async def hook(_run) -> None:
        nonlocal chunks
        chunks += 1
        if chunks in which:
            raise error

    return hook


async def test_PAY_04_a_run_cut_off_by_the_database_waits_for_it_and_pays_each_instalment_once(
        backend, la_headers, monkeypatch):
    """A database restart during a run (found by the fault loops, tests/faults): the chunk that did not commit is
    picked up again once the database is back, and the run completes instead of staying 'running'."""
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments",
                               settings=PaymentsSettings(run_chunk_size=3)) as svc:
        ids = await _setup(svc.client, la, headers, 4)
        events_before = await _events(svc)
        monkeypatch.setattr(runs, "after_chunk", failing_after_chunks(
            {2, 3}, ConnectionResetError("the database connection dropped half way through the run")))
        done = await run(svc.client, date(2026, 12, 1), la=la, key="cut-off", headers=headers)
        assert (done["status"], done["payments_count"], done["error"]) == ("completed", 8, None), done
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}
        assert await _events(svc) == events_before + 8


async def test_PAY_04_a_run_that_fails_half_way_keeps_whole_chunks_and_the_next_run_pays_the_rest_once(
        backend, la_headers, monkeypatch):
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments",
                               settings=PaymentsSettings(run_chunk_size=3)) as svc:
        ids = await _setup(svc.client, la, headers, 4)
        events_before = await _events(svc)
        monkeypatch.setattr(runs, "after_chunk",
                            failing_after_chunks({2}, RuntimeError("a defect half way through the run")))
        failed = await run(svc.client, date(2026, 12, 1), la=la, key="first", headers=headers)
        assert failed["status"] == "failed" and "post a new run" in failed["error"]
        assert (failed["payments_count"], failed["progress"]["instalments_settled"]) == (3, 3)
        assert sum((await _live_payments(svc, ids)).values()) == 3  # the first chunk, whole
        assert await _events(svc) == events_before + 3  # ...with its events; the second chunk left nothing

        monkeypatch.setattr(runs, "after_chunk", None)
        replay = await run(svc.client, date(2026, 12, 1), la=la, key="first", headers=headers)
        assert replay["id"] == failed["id"]  # the same request replays: it starts nothing new
        rerun = await run(svc.client, date(2026, 12, 1), la=la, key="second", headers=headers)
        assert (rerun["status"], rerun["payments_count"]) == ("completed", 5)
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}
        assert await _events(svc) == events_before + 8


async def test_PAY_04_concurrent_runs_for_one_la_pay_each_instalment_exactly_once(backend, la_headers):
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments",
                               settings=PaymentsSettings(run_chunk_size=2)) as svc:
        ids = await _setup(svc.client, la, headers, 3)
        posted = [run(svc.client, date(2026, 12, 1), la=la, key=f"k{n}", headers=headers) for n in range(3)]
        results = await asyncio.gather(*posted)
        assert [r["status"] for r in results] == ["completed"] * 3
        assert sum(r["payments_count"] for r in results) == 6
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}


async def test_PAY_04_the_database_itself_refuses_a_second_live_payment_of_an_instalment(backend, la_headers):
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments") as svc:
        [agreement_id] = await _setup(svc.client, la, headers, 1)
        assert (await run(svc.client, date(2026, 12, 1), la=la, headers=headers))["payments_count"] == 2
        async with svc.runtime.db.sessions() as s:
            [first] = (await s.execute(select(Payment).where(Payment.agreement_id == agreement_id)
                                       .order_by(Payment.due_date).limit(1))).scalars().all()
            row = {c.name: getattr(first, c.key) for c in Payment.__table__.columns}
            row["id"] = "dup-" + first.id[4:]
            with pytest.raises(IntegrityError):
                await s.execute(insert(Payment), [row])
            await s.rollback()
        async with svc.runtime.db.transaction() as s:  # even with the run's own markers corrupted...
            i = ScheduledInstalment
            await s.execute(update(i).where(i.agreement_id == agreement_id).values(settled=False))
        again = await run(svc.client, date(2026, 12, 1), la=la, headers=headers)
        assert again["status"] == "failed" and again["error"].startswith("PAY-04")  # ...the database refuses
        assert await _live_payments(svc, [agreement_id]) == {agreement_id: 2}


async def test_PAY_04_without_the_run_lock_the_unique_index_still_refuses_the_second_payment(
        real_backend, la_headers, monkeypatch):
    la, headers = la_headers
    async with running_service(create_app, real_backend, service="payments") as svc:
        ids = await _setup(svc.client, la, headers, 2)
        both_selected, calls = asyncio.Barrier(2), 0
        find_due = repository.due_instalments

        async def find_then_wait(*args, **kw):
            nonlocal calls
            found = await find_due(*args, **kw)
            calls += 1
            if calls <= 2:
                await both_selected.wait()  # both runs now hold the same unpaid instalments
            return found

        async def no_lock(session, la):
            return None

        monkeypatch.setattr(repository, "serialise_runs", no_lock)
        monkeypatch.setattr(repository, "due_instalments", find_then_wait)
        results = await asyncio.gather(*[run(svc.client, date(2026, 12, 1), la=la, key=k, headers=headers)
                                         for k in ("x", "y")])
        assert sorted(r["status"] for r in results) == ["completed", "failed"]
        assert next(r for r in results if r["status"] == "failed")["error"].startswith("PAY-04")
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}
