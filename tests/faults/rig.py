"""The rig of the fault loops: the budget and payments services each in a process of their own
(``tests.distributed.ServiceProcess``) on databases of their own and a RabbitMQ vhost of their own, so that
refusing "our" databases or closing "our" connections touches nobody else's tests on this machine. The test plays
the ICB system (publishing ``icb.health_funding.changed.v1``), casework and finance (HTTP straight to each
service) and the operator (taking dead letters)."""
from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aio_pika
import httpx
from yarl import URL

from kit.bus import DeadLetter, Outgoing
from kit.bus.rabbit import RabbitBus
from kit.db import Database
from kit.events import Envelope
from kit.testing import LA, RUN_ID, auth, ensure_database, own_vhost, pg_url, postgres_reason, unavailable
from services.budget.events import PUBLISHED as BUDGET_PUBLISHED
from services.payments.events import PUBLISHED as PAYMENTS_PUBLISHED
from tests.distributed import ServiceProcess, free_port, service_env
from tests.faults import checker

ICB_EVENT = "icb.health_funding.changed.v1"
PAYMENT_ISSUED = "payments.payment_issued.v1"
BUDGET_AGREED = "budget.agreed.v1"
# (producer, consumer, event type): the events that flow between the two services (docs/events.md).
FLOWS = (("payments", "budget", PAYMENT_ISSUED), ("budget", "payments", BUDGET_AGREED))
HEADERS = auth("casework", "panel", "finance", "read", "health", las=[LA])
SERVICES = ("budget", "payments")


class Tap:
    """Counts the copies of the relays' events the broker delivers: an event published again by a relay that was
    killed before it marked the row sent shows up here twice."""

    def __init__(self) -> None:
        self.copies: Counter[str] = Counter()

    async def __call__(self, body: bytes) -> None:
        self.copies[json.loads(body)["event_id"]] += 1


class Rig:
    def __init__(self, log_dir: Path, amqp_url: str) -> None:
        self.log_dir, self.amqp_url = log_dir, amqp_url
        self.vhost = amqp_url.rsplit("/", 1)[1]
        # The ICB system publishes as the broker user it connects as; budget lets it move health funding for LA
        # alone (ICB tenancy), as a deployment would.
        self.broker_user = URL(amqp_url).user
        self.databases = {s: f"sendpb_{RUN_ID}_faults_{s}" for s in SERVICES}
        self.db = {s: Database(pg_url(name)) for s, name in self.databases.items()}
        # A run's lease is short here, so that the run of a killed payments process is taken over within seconds.
        env = service_env(f"{amqp_url}?reconnect_interval=1", pg_url(f"sendpb_{RUN_ID}_faults_{{service}}"),
                          SENDPB_LOG_JSON="false", SENDPB_PAYMENTS_RUN_CHUNK_SIZE="3",
                          SENDPB_PAYMENTS_RUN_LEASE_SECONDS="2", SENDPB_PAYMENTS_RUN_TAKEOVER_EVERY_SECONDS="0.5",
                          SENDPB_BUDGET_ICB_PUBLISHERS=json.dumps({self.broker_user: [LA]}))
        self.procs = {s: ServiceProcess(s, free_port(), env, log_dir) for s in SERVICES}
        # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes them: reusing one just as
        # the server closes it is "Server disconnected without sending a response" (seen once in 20 rounds).
        self.http = httpx.AsyncClient(timeout=30, limits=httpx.Limits(keepalive_expiry=2.0))
        self.bus = RabbitBus(amqp_url, retry_delay=0.01)
        self.tap = Tap()
        self.icb: dict[str, dict] = {}        # envelope event_id -> payload of every valid ICB event published
        self.poison: dict[bytes, str] = {}    # body -> what is wrong with it (each must be dead-lettered)
        self.dead: list[DeadLetter] = []      # every dead letter taken so far
        self.faults: Counter[str] = Counter()  # faults injected and survived, per kind, for the report
        self.observed: Counter[str] = Counter()  # how the services came through them, for the report
        self.paid_up_to = date.min            # the date of the last run that completed

    @classmethod
    async def start(cls, log_dir: Path) -> Rig:
        reason = await postgres_reason()
        if reason:
            unavailable(reason)
        rig = cls(log_dir, await own_vhost("faults"))
        for name in rig.databases.values():
            await ensure_database(name)
        await rig.bus.start()
        # Every event the two relays publish: a batch a relay is killed after may hold any of them (e.g. the
        # budget.provision_added.v1 of the lines of a budget being agreed), not only the two the flows follow.
        await rig.bus.subscribe("faults-tap", [*PAYMENTS_PUBLISHED, *BUDGET_PUBLISHED], rig.tap)
        for proc in rig.procs.values():
            proc.start()
        for proc in rig.procs.values():
            await proc.ready()
        return rig

    async def close(self) -> None:
        for proc in self.procs.values():
            proc.stop()
        await self.bus.close()
        await self.http.aclose()
        for db in self.db.values():
            await db.dispose()

    # ------------------------------------------------------------------ processes
    async def restart(self, service: str, env: dict[str, str] | None = None, **faults: int) -> None:
        """Stop the service (if it still runs) and start it again, with ``SENDPB_FAULT_<NAME>`` set from
        ``faults`` (e.g. ``kill_before_ack=3``) and any other settings in ``env``."""
        proc = self.procs[service]
        proc.stop()
        proc.start({**(env or {}), **{f"SENDPB_FAULT_{k.upper()}": str(v) for k, v in faults.items()}})
        await proc.ready()

    def kill(self, service: str) -> None:
        """kill -9, from outside: the process stops wherever it is."""
        proc = self.procs[service].popen
        proc.kill()
        proc.wait(timeout=10)

    async def heal(self) -> None:
        """Start again any service process an earlier loop left dead (a failed round, say)."""
        for service, proc in self.procs.items():
            if not proc.running:
                await self.restart(service)

    async def killed(self, service: str, timeout: float = 30) -> bool:
        """Whether the service's process died by SIGKILL (its injected fault) within ``timeout``."""
        return await self.procs[service].exited(timeout) == -9

    # ------------------------------------------------------------------ HTTP, as casework and finance
    async def call(self, service: str, method: str, path: str, expect: int | tuple[int, ...] = 200,
                   **kw: Any) -> Any:
        r = await self.http.request(method, self.procs[service].url + path, headers={**HEADERS, **kw.pop(
            "headers", {})}, **kw)
        assert r.status_code in ((expect,) if isinstance(expect, int) else expect), \
            f"{method} {path}: {r.status_code} {r.text[:500]}"
        return r.json()

    async def open_budget(self, child: str, start: date) -> str:
        body = {"child_id": child, "local_authority": LA, "plan_reference": f"EHCP-{child}",
                "period_start": start.isoformat(), "period_end": (start + timedelta(days=364)).isoformat(),
                "indicative_pence": {}}
        return (await self.call("budget", "POST", "/v1/budgets", 201, json=body))["id"]

    async def agreed_budget(self, child: str, start: date, direct_payment_pence: int) -> str:
        budget_id = await self.open_budget(child, start)
        await self.agree(budget_id, direct_payment_pence)
        return budget_id

    async def agree(self, budget_id: str, direct_payment_pence: int) -> None:
        """Agree the budget with a social-care direct payment: it publishes budget.agreed.v1, from which
        payments opens an agreement. Takes up where an earlier attempt stopped (a process killed under it)."""
        path = f"/v1/budgets/{budget_id}"
        budget = await self.call("budget", "GET", path)
        if not budget["provisions"]:
            await self.call("budget", "POST", f"{path}/provisions", 201, json={
                "description": "Personal assistant", "outcome": "Takes part in after-school clubs",
                "stream": "social_care", "category": "personal_assistant",
                "annual_cost_pence": direct_payment_pence, "arrangement": "direct_payment"})
        cost = (await self.call("budget", "GET", path))["provisions"][0]["annual_cost_pence"]
        if budget["status"] in ("draft", "indicative"):
            await self.call("budget", "POST", f"{path}/submit")
        if not budget["panel_decisions"]:
            await self.call("budget", "POST", f"{path}/panel-decisions", 201, json={
                "stream": "social_care", "decision": "approved", "agreed_pence": cost,
                "decided_by": "social care lead", "authority": "stream"})
        if budget["status"] != "agreed":
            await self.call("budget", "POST", f"{path}/agree")

    async def sign_agreement(self, budget_id: str, timeout: float = 60) -> str:
        """Wait for the agreement payments opened from budget.agreed.v1; give it a payee and sign it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not (items := (await self.call("payments", "GET", "/v1/payments/agreements",
                                             params={"budget_id": budget_id}))["items"]):
            assert asyncio.get_running_loop().time() < deadline, f"no agreement opened for budget {budget_id}"
            await asyncio.sleep(0.1)
        agreement_id = items[0]["id"]
        await self.call("payments", "PUT", f"/v1/payments/agreements/{agreement_id}/payee", json={
            "role": "parent", "name": "A Parent",
            "account": {"kind": "bank_account", "sort_code": "401276", "account_number": "31926819"}})
        await self.call("payments", "POST", f"/v1/payments/agreements/{agreement_id}/sign",
                        json={"signed_on": date.today().isoformat(), "signed_by": "A Parent"})
        return agreement_id

    async def post_run(self, key: str | None = None) -> dict:
        return await self.call("payments", "POST", "/v1/payments/runs", 202,
                               json={"local_authority": LA, "run_date": date.today().isoformat()},
                               headers={"Idempotency-Key": key or uuid.uuid4().hex})

    async def run_state(self, run_id: str) -> dict:
        return await self.call("payments", "GET", f"/v1/payments/runs/{run_id}")

    async def run_to_the_end(self, timeout: float = 60) -> dict:
        """Post a run and wait for it: it must complete (paying whatever earlier runs left unpaid)."""
        return await self.run_completed((await self.post_run())["id"], timeout)

    async def run_completed(self, run_id: str, timeout: float = 60) -> dict:
        """Wait for a run posted earlier, without posting another: it must complete by itself (PAY-04), whatever
        happened to the process that started it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while (run := await self.run_state(run_id))["status"] == "running":
            assert asyncio.get_running_loop().time() < deadline, f"run {run_id} still running"
            await asyncio.sleep(0.1)
        assert run["status"] == "completed", run
        self.paid_up_to = max(self.paid_up_to, date.fromisoformat(run["run_date"]))
        return run

    async def run_rows(self) -> dict[str, Any]:
        """Every payment run as the payments database holds it (status and lease), by id."""
        return {r.id: r for r in await checker.rows(self.db["payments"],
                                                    "SELECT id, status, lease_owner, settled_count FROM runs")}

    # ------------------------------------------------------------------ RabbitMQ, as the ICB system
    def icb_event(self, child: str, amount_pence: int, effective: date, event_id: str | None = None) -> Outgoing:
        payload = {"event_id": event_id or str(uuid.uuid4()), "child_id": child, "local_authority": LA,
                   "annual_amount_pence": amount_pence, "effective_from": effective.isoformat(),
                   "reason": "ICB review of continuing care"}
        envelope = Envelope(type=ICB_EVENT, producer="icb", local_authority=LA, payload=payload)
        self.icb[str(envelope.event_id)] = payload
        return Outgoing(ICB_EVENT, envelope.to_bytes(), str(envelope.event_id), user_id=self.broker_user)

    def poison_message(self, routing_key: str, body: bytes, what: str, *, anonymous: bool = False) -> Outgoing:
        """A message that must be dead-lettered, published as the ICB's broker user (``anonymous``: with no
        user_id)."""
        self.poison[body] = what
        return Outgoing(routing_key, body, uuid.uuid4().hex, user_id=None if anonymous else self.broker_user)

    async def publish(self, messages: list[Outgoing], timeout: float = 120) -> None:
        """As an ICB system does: publish with confirms, and publish again what the broker did not confirm
        (a copy the broker did take is a duplicate the inbox drops)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                await asyncio.wait_for(self.bus.publish(messages), 10)
                return
            except Exception:  # noqa: BLE001 - the broker is away: try again
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.2)

    async def queued(self, consumer: str) -> set[str]:
        """The envelope ids waiting in the consumer's queue: looked at and given back (closing the channel
        returns every unacknowledged message). Only while none of the consumer's processes runs."""
        conn = await aio_pika.connect(self.amqp_url)
        try:
            queue = await (await conn.channel()).declare_queue(f"sendpb.{consumer}", passive=True)
            ids = set()
            while (message := await queue.get(no_ack=False, fail=False)) is not None:
                ids.add(checker.envelope_id(message.body))
            return ids - {None}
        finally:
            await conn.close()

    async def dead_letter_depth(self, consumer: str) -> int:
        conn = await aio_pika.connect(self.amqp_url)
        try:
            queue = await (await conn.channel()).declare_queue(f"sendpb.{consumer}.dlq", passive=True)
            return queue.declaration_result.message_count
        finally:
            await conn.close()

    async def unmarked(self, service: str) -> set[str]:
        """The ids of the service's outbox rows not marked sent."""
        return {r.event_id for r in await checker.rows(self.db[service],
                                                       "SELECT event_id FROM outbox WHERE published_at IS NULL")}

    async def take_dead_letters(self) -> list[DeadLetter]:
        """Take (and keep, for the checker) whatever is in the consumers' dead-letter queues."""
        taken = []
        for consumer in SERVICES:
            taken += await self.bus.take_dead_letters(consumer)
        self.dead += taken
        return taken

    # ------------------------------------------------------------------ quiescence and the checker
    async def outstanding(self) -> list[str]:
        """What is still on its way: events neither applied nor dead-lettered yet, unsent outbox rows (looked at
        last: applying an event may write one)."""
        await self.take_dead_letters()
        dead = checker.dead_event_ids(self.dead)
        applied = await checker.applied_ids(self.db["budget"], "budget", ICB_EVENT)
        waiting = checker.named("ICB events not applied yet", sorted(set(self.icb) - applied - dead))
        dead_bodies = {d.body for d in self.dead}
        waiting += checker.named("poison messages not dead-lettered yet",
                                 [what for body, what in self.poison.items() if body not in dead_bodies])
        for producer, consumer, event_type in FLOWS:
            waiting += (await checker.consumed_once(self.db[producer], self.db[consumer], consumer_name=consumer,
                                                    event_type=event_type, dead=dead))[:1]
        for service in SERVICES:
            waiting += await checker.stuck_in_outbox(self.db[service], service)
        return waiting

    async def settle(self, timeout: float = 90) -> list[str]:
        """Wait until nothing is on its way, twice in a row a moment apart (an event applied as the first look
        ends may still be publishing its follow-on); what still is if that does not happen within ``timeout``."""
        deadline, quiet = asyncio.get_running_loop().time() + timeout, 0
        while True:
            waiting = await self.outstanding()
            quiet = 0 if waiting else quiet + 1
            if quiet == 2 or asyncio.get_running_loop().time() > deadline:
                return waiting
            await asyncio.sleep(0.25)

    async def budget_views(self) -> dict[str, dict]:
        """Every budget's balances as the service reports them (a few requests at a time)."""
        ids = [r.id for r in await checker.rows(self.db["budget"], "SELECT id FROM budgets")]
        gate = asyncio.Semaphore(8)

        async def view(budget_id: str) -> dict:
            async with gate:
                return (await self.call("budget", "GET", f"/v1/budgets/{budget_id}"))["streams"]

        return dict(zip(ids, await asyncio.gather(*(view(i) for i in ids)), strict=True))

    async def check(self) -> list[str]:
        """Let everything in flight land, then run every check of ``tests.faults.checker``."""
        problems = [f"still outstanding after waiting: {w}" for w in await self.settle()]
        dead = checker.dead_event_ids(self.dead)
        for service in SERVICES:
            problems += await checker.stuck_in_outbox(self.db[service], service)
        for producer, consumer, event_type in FLOWS:
            problems += await checker.consumed_once(self.db[producer], self.db[consumer], consumer_name=consumer,
                                                    event_type=event_type, dead=dead)
        problems += await checker.icb_applied_once(self.db["budget"], self.icb, dead)
        problems += await checker.ledger_balanced(self.db["budget"])
        problems += await checker.balances_are_sums(self.db["budget"], await self.budget_views())
        problems += await checker.payments_exact(self.db["payments"], self.db["budget"], paid_up_to=self.paid_up_to,
                                                 dead=dead)
        problems += await checker.agreements_opened_once(self.db["budget"], self.db["payments"], dead)
        problems += await checker.payments_within_agreed_share(self.db["payments"], self.db["budget"])
        problems += checker.reconciled(await self.finance_totals("payments"), await self.finance_totals("budget"))
        problems += checker.dead_letters_explained(self.dead, self.poison)
        return problems

    async def finance_totals(self, service: str) -> dict:
        """The service's finance totals for the LA (``GET /v1/<prefix>/finance/totals``), as reconcile reads them."""
        prefix = {"budget": "budgets", "payments": "payments"}[service]
        r = await self.http.get(f"{self.procs[service].url}/v1/{prefix}/finance/totals",
                                params={"local_authority": LA}, headers=HEADERS)
        assert r.status_code == 200, r.text
        return r.json()
