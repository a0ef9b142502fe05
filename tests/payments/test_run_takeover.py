"""PAY-04 when the process carrying out a run dies: the run's lease runs out, any replica takes it over and completes
it, and nothing is paid twice; no one posts it again. Runs on SQLite and on PostgreSQL (``backend``). Time moves with
``kit.clock``, never by waiting for a lease; each test leaves its runs finished (the PostgreSQL database is shared,
and every service's job looks at every run)."""
import asyncio
from datetime import date, timedelta

from sqlalchemy import func, select, update

from kit import clock
from kit.events import utcnow
from kit.testing import eventually, running_service
from services.payments.app import create_app
from services.payments.models import Run
from services.payments.service import runs
from services.payments.settings import PaymentsSettings
from tests.payments.helpers import finished, run
from tests.payments.test_run_integrity import _events, _live_payments, _setup, failing_after_chunks

# Chunks of 3 over 8 instalments; the job itself is driven by the tests (run_once), not by its period.
SETTINGS = PaymentsSettings(run_chunk_size=3, run_takeover_every_seconds=3600)


class ProcessDied(BaseException):
    """What a kill -9 leaves: the chunk in progress never commits and nothing after it runs (not even the
    recording of a failure, which catches ``Exception``)."""


def dying_after_chunk(n: int, died: asyncio.Event):
    """An ``after_chunk`` hook: the process dies in the middle of chunk ``n`` (before it commits)."""
    kill = failing_after_chunks({n}, ProcessDied())

    async def hook(run_) -> None:
        try:
            await kill(run_)
        except ProcessDied:
            died.set()
            raise

    return hook


async def _post(svc, la, headers) -> str:
    r = await svc.client.post("/v1/payments/runs", json={"local_authority": la, "run_date": "2026-12-01"},
                              headers=headers)
    assert r.status_code == 202, r.text
    return r.json()["id"]


async def _read(svc, run_id: str) -> Run:
    async with svc.runtime.db.sessions() as s:
        return (await s.execute(select(Run).where(Run.id == run_id))).scalar_one()


async def _runs_of(svc, la: str) -> int:
    async with svc.runtime.db.sessions() as s:
        return (await s.execute(select(func.count()).select_from(Run).where(Run.local_authority == la))).scalar_one()


async def _left_running(svc, la: str, *, owner: str | None, lease_expires_at) -> str:
    """A run recorded an hour ago, nothing paid yet, under the given lease: as a process leaves it when it dies
    before its first chunk commits, or while it is still busy elsewhere."""
    now, run_id = utcnow(), f"run-{la}"
    async with svc.runtime.db.transaction() as s:
        s.add(Run(id=run_id, local_authority=la, run_date=date(2026, 12, 1), status="running", due_count=0,
                  settled_count=0, payments_count=0, total_pence=0, requested_by="finance-client",
                  created_at=now - timedelta(hours=1), updated_at=now - timedelta(hours=1), lease_owner=owner,
                  lease_expires_at=lease_expires_at))
    return run_id


async def test_PAY_04_a_run_whose_process_died_is_taken_over_and_completes_paying_nothing_twice(
        backend, la_headers, monkeypatch):
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments", settings=SETTINGS) as svc:
        ids = await _setup(svc.client, la, headers, 4)
        events_before = await _events(svc)
        monkeypatch.setattr(runs, "after_chunk", dying_after_chunk(2, died := asyncio.Event()))
        run_id = await _post(svc, la, headers)
        await asyncio.wait_for(died.wait(), 10)
        await eventually(lambda: run_id not in runs._carrying)  # nothing in this process carries it on
        cut_off = await _read(svc, run_id)
        assert (cut_off.status, cut_off.settled_count, cut_off.payments_count) == ("running", 3, 3)
        assert sum((await _live_payments(svc, ids)).values()) == 3  # the first chunk, whole

        assert await svc.runtime.jobs.run_once("take-over-runs") == 0  # its lease has not run out yet
        with clock.frozen(utcnow() + timedelta(seconds=SETTINGS.run_lease_seconds + 1), tick=True):
            assert await svc.runtime.jobs.run_once("take-over-runs") == 1
            done = await finished(svc.client, run_id, headers=headers)
        assert (done["status"], done["payments_count"], done["error"]) == ("completed", 8, None), done
        assert done["progress"] == {"instalments_due": 8, "instalments_settled": 8, "percent": 100}
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}
        assert await _events(svc) == events_before + 8
        assert await _runs_of(svc, la) == 1  # no new POST


async def test_PAY_04_of_replicas_claiming_an_expired_run_at_once_only_one_carries_it(backend, la_headers):
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments", settings=SETTINGS) as svc:
        ids = await _setup(svc.client, la, headers, 4)
        run_id = await _left_running(svc, la, owner="dead-replica", lease_expires_at=utcnow() - timedelta(seconds=1))
        replicas = [f"replica-{n}" for n in range(3)]
        taken = await asyncio.gather(*(runs.take_over_runs(svc.runtime.db, svc.runtime.settings, owner=r)
                                       for r in replicas))
        assert sorted(taken) == [0, 0, 1]
        done = await finished(svc.client, run_id, headers=headers)
        assert (done["status"], done["payments_count"]) == ("completed", 8)
        assert (await _read(svc, run_id)).lease_owner == replicas[taken.index(1)]
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}


async def test_PAY_04_a_run_whose_lease_is_live_is_not_taken_over_nor_interrupted_by_a_new_run(
        backend, la_headers):
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments", settings=SETTINGS) as svc:
        ids = await _setup(svc.client, la, headers, 2)
        live = await _left_running(svc, la, owner="busy-replica", lease_expires_at=utcnow() + timedelta(seconds=20))
        assert await svc.runtime.jobs.run_once("take-over-runs") == 0
        other = await run(svc.client, date(2026, 12, 1), la=la, headers=headers)  # silent for an hour, but live
        assert (other["status"], other["payments_count"]) == ("completed", 4)
        kept = await _read(svc, live)
        assert (kept.status, kept.lease_owner) == ("running", "busy-replica")
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}
        async with svc.runtime.db.transaction() as s:  # its owner finishes it (see the module's note)
            await s.execute(update(Run).where(Run.id == live).values(status="completed"))


async def test_PAY_04_a_process_whose_run_was_taken_over_stops_and_pays_nothing(backend, la_headers):
    """A process that stalled past its lease (a long pause) and comes back to find another holding the run."""
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments", settings=SETTINGS) as svc:
        ids = await _setup(svc.client, la, headers, 2)
        run_id = await _left_running(svc, la, owner="new-replica", lease_expires_at=utcnow() + timedelta(seconds=20))
        await runs.carry_out(svc.runtime.db, run_id, svc.runtime.settings, owner="stalled-replica")
        stopped = await _read(svc, run_id)
        assert (stopped.status, stopped.lease_owner, stopped.error) == ("running", "new-replica", None)
        assert await _live_payments(svc, ids) == {}
        await runs.carry_out(svc.runtime.db, run_id, svc.runtime.settings, owner="new-replica")
        assert ((await _read(svc, run_id)).status, await _live_payments(svc, ids)) == ("completed", {i: 2 for i in ids})


async def test_PAY_04_a_payments_service_starting_completes_a_run_left_without_a_lease(backend, la_headers):
    """At start-up the job looks at once: here at a run recorded before runs had leases, whose process is gone."""
    la, headers = la_headers
    async with running_service(create_app, backend, service="payments", settings=SETTINGS) as svc:
        ids = await _setup(svc.client, la, headers, 2)
        run_id = await _left_running(svc, la, owner=None, lease_expires_at=None)
    async with running_service(create_app, backend, service="payments", settings=SETTINGS) as svc:
        done = await finished(svc.client, run_id, headers=headers)
        assert (done["status"], done["payments_count"]) == ("completed", 4)
        assert await _live_payments(svc, ids) == {i: 2 for i in ids}
