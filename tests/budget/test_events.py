"""Events in and out, on SQLite + in-memory bus and on PostgreSQL + RabbitMQ: opening from eligibility and RAS
events in either order, ICB health funding (BUD-07) and budget.agreed.v1."""
import asyncio
import json
import uuid

import pytest

from kit.testing import LA, eventually, running_service
from services.budget.app import create_app
from services.budget.service import common
from tests.budget.helpers import (
    CASEWORK,
    HEALTH,
    child,
    decide,
    health_event,
    line,
    new_budget,
    publish,
    submitted,
)


def decided(cyp: str, streams=("education", "social_care"), status="eligible") -> dict:
    return {"request_id": str(uuid.uuid4()), "decision_id": str(uuid.uuid4()), "supersedes_decision_id": None,
            "child_id": cyp, "local_authority": LA, "status": status,
            "streams": {s: {"eligible": True, "reasons": []} for s in streams},
            "arrangements": {"direct_payment": {"allowed": True, "reasons": []}},
            "eligible_streams": list(streams), "allowed_arrangements": ["direct_payment", "notional"],
            "requested_on": "2026-11-20", "decided_at": "2026-11-20T10:00:00Z", "rules_version": "2026.11"}


def assessed(cyp: str) -> dict:
    return {"assessment_id": str(uuid.uuid4()), "supersedes_assessment_id": None, "child_id": cyp,
            "local_authority": LA, "model_id": str(uuid.uuid4()), "model_version": 2,
            "points": {"education": 40, "social_care": 120, "health": 10},
            "indicative_pence": {"education": 400_000, "social_care": 100_000, "health": 90_000},
            "total_indicative_pence": 590_000, "referred_to_panel": False, "referred_streams": [],
            "completed_at": "2026-11-22T10:00:00Z"}


async def budgets_of(client, cyp: str) -> list[dict]:
    return (await client.get("/v1/budgets", params={"child_id": cyp}, headers=CASEWORK)).json()["items"]


async def tapped(backend, keys=("budget.#",)):
    bus = await backend.bus()
    seen: list[bytes] = []

    async def tap(body: bytes) -> None:
        seen.append(body)

    await bus.subscribe(f"tap-{uuid.uuid4().hex[:6]}", list(keys), tap)
    return bus, seen


@pytest.mark.parametrize("ras_first", [False, True])
async def test_an_eligible_request_and_a_ras_result_open_a_budget_in_either_order(memory_backend, ras_first):
    async with running_service(create_app, memory_backend, service="budget") as svc:
        cyp, bus = child(), svc.runtime.bus
        first, second = (assessed(cyp), decided(cyp)) if ras_first else (decided(cyp), assessed(cyp))
        kinds = ("ras.assessment_completed.v1", "eligibility.request_decided.v1")
        kinds = kinds if ras_first else kinds[::-1]
        await publish(bus, kinds[0], first)
        await asyncio.sleep(0.1)
        assert await budgets_of(svc.client, cyp) == []
        await publish(bus, kinds[1], second)
        [budget] = await eventually(lambda: budgets_of(svc.client, cyp))
        assert budget["opened_from"] == "events" and budget["status"] == "indicative"
        assert budget["plan_reference"].startswith("REQ-") and budget["period_start"] == "2026-11-22"
        # Only eligible streams take the RAS figure: health was assessed but not requested.
        assert {s: v["indicative_pence"] for s, v in budget["streams"].items()} == {
            "education": 400_000, "social_care": 100_000, "health": 0, "transport": 0}


async def test_a_not_eligible_request_opens_nothing(memory_backend):
    async with running_service(create_app, memory_backend, service="budget") as svc:
        cyp = child()
        await publish(svc.runtime.bus, "ras.assessment_completed.v1", assessed(cyp))
        await publish(svc.runtime.bus, "eligibility.request_decided.v1",
                      decided(cyp, streams=(), status="not_eligible"))
        await svc.runtime.bus.drain()
        assert await budgets_of(svc.client, cyp) == []


async def test_budget_agreed_v1_carries_agreed_and_direct_payment_amounts_per_stream(backend):
    bus, seen = await tapped(backend)
    async with running_service(create_app, backend, service="budget", bus=bus) as svc:
        budget = await submitted(svc.client, [line("social_care", 260_000),
                                              line("social_care", 260_000, arrangement="notional",
                                                   category="short_breaks")])
        await decide(svc.client, budget["id"], "social_care", 520_000)
        assert (
            await svc.client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
        ).status_code == 200
        body = await eventually(
            lambda: next((b for b in seen if b"budget.agreed.v1" in b and budget["id"].encode() in b), None)
        )
        payload = json.loads(body)["payload"]
        assert payload["streams"] == {
            "social_care": {"agreed_pence": 520_000, "direct_payment_pence": 260_000}
        }
        assert payload["direct_payment_total_pence"] == 260_000
        assert payload["plan_reference"] == budget["plan_reference"]
        assert set(payload) == {
            "budget_id",
            "child_id",
            "local_authority",
            "plan_reference",
            "period_start",
            "period_end",
            "agreed_at",
            "streams",
            "direct_payment_total_pence",
        }


async def health_of(client, cyp: str) -> int | None:
    items = await budgets_of(client, cyp)
    return items[0]["streams"]["health"]["agreed_pence"] if items else None


async def test_bud_07_duplicate_late_and_early_health_events_end_as_one_in_order_delivery(backend):
    """Events for a CYP without a budget are held; a duplicate (by the ICB's event_id, over either channel)
    applies once; an older event arriving after a newer one does not overwrite it."""
    bus, seen = await tapped(backend)
    async with running_service(create_app, backend, service="budget", bus=bus) as svc:
        cyp = child()
        jan, mar, jun = (
            health_event(cyp, 120_000, "2027-01-01"),
            health_event(cyp, 150_000, "2027-03-01"),
            health_event(cyp, 90_000, "2027-06-01"),
        )
        held = await svc.client.post("/v1/budgets/health-funding-events", json=mar, headers=HEALTH)
        assert held.status_code == 202 and held.json()["outcome"] == "held"
        await publish(svc.runtime.bus, "icb.health_funding.changed.v1", mar, producer="icb")  # duplicate
        opened = await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)
        assert opened.json()["streams"]["health"]["agreed_pence"] == 150_000
        await publish(svc.runtime.bus, "icb.health_funding.changed.v1", jun, producer="icb")
        await eventually(lambda: _is(health_of(svc.client, cyp), 90_000))
        late = await svc.client.post("/v1/budgets/health-funding-events", json=jan, headers=HEALTH)
        assert late.json()["outcome"] == "superseded"
        again = await svc.client.post("/v1/budgets/health-funding-events", json=jun, headers=HEALTH)
        assert again.json()["outcome"] == "duplicate"
        await publish(svc.runtime.bus, "icb.health_funding.changed.v1", jan, producer="icb")
        await asyncio.sleep(0.3)
        assert await health_of(svc.client, cyp) == 90_000
        applied = await eventually(lambda: _applied(seen, cyp, 2))
        assert [(p["annual_amount_pence"], p["previous_amount_pence"]) for p in applied] == [
            (150_000, 0),
            (90_000, 150_000),
        ]


async def _is(value, expected):
    return await value == expected


def _applied(seen: list[bytes], cyp: str, n: int):
    found = [json.loads(b)["payload"] for b in seen if b"health_funding_applied" in b and cyp.encode() in b]
    return sorted(found, key=lambda p: p["effective_from"]) if len(found) >= n else None


async def test_a_newer_ras_result_moves_the_indicative_figures_until_panel(memory_backend):
    async with running_service(create_app, memory_backend, service="budget") as svc:
        cyp, bus = child(), svc.runtime.bus
        await publish(bus, "eligibility.request_decided.v1", decided(cyp))
        await publish(bus, "ras.assessment_completed.v1", assessed(cyp))
        await eventually(lambda: budgets_of(svc.client, cyp))
        newer = {**assessed(cyp), "indicative_pence": {"education": 300_000, "social_care": 250_000},
                 "completed_at": "2026-11-23T10:00:00Z"}
        await publish(bus, "ras.assessment_completed.v1", newer)
        await bus.drain()
        [budget] = await budgets_of(svc.client, cyp)
        assert (budget["streams"]["education"]["indicative_pence"],
                budget["streams"]["social_care"]["indicative_pence"]) == (300_000, 250_000)


async def test_bud_07_shuffled_repeated_events_for_many_children_end_on_the_latest_effective(backend):
    """Concurrent consumers (RabbitMQ prefetch, PostgreSQL row locks): every child ends on the amount of its
    latest-effective event, however the events were ordered, repeated or split across channels."""
    import random

    rng = random.Random(7)
    async with running_service(create_app, backend, service="budget") as svc:
        children = [child() for _ in range(4)]
        for cyp in children[:2]:  # half have a budget already; the others get one after their events
            await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)
        sent = {cyp: [health_event(cyp, 10_000 * (k + 1) + rng.randrange(100), f"2027-0{k + 1}-01")
                      for k in range(6)] for cyp in children}
        deliveries = [e for events in sent.values() for e in events for _ in range(2)]
        rng.shuffle(deliveries)
        for k, event in enumerate(deliveries):
            if k % 5 == 0:
                r = await svc.client.post("/v1/budgets/health-funding-events", json=event, headers=HEALTH)
                assert r.status_code == 202
            else:
                await publish(svc.runtime.bus, "icb.health_funding.changed.v1", event, producer="icb")
        expected = {cyp: max(events, key=lambda e: e["effective_from"])["annual_amount_pence"]
                    for cyp, events in sent.items()}
        for cyp in children[2:]:
            opened = await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)
            assert opened.status_code == 201
        for cyp in children:
            await eventually(lambda cyp=cyp: _is(health_of(svc.client, cyp), expected[cyp]))
        await asyncio.sleep(0.5)  # late duplicates and older events change nothing
        assert [await health_of(svc.client, cyp) for cyp in children] == [expected[c] for c in children]


async def test_every_published_payload_has_exactly_the_v1_shape(memory_backend):
    from services.budget.events import OWNED, PUBLISHED

    bus, seen = await tapped(memory_backend)
    async with running_service(create_app, memory_backend, service="budget", bus=bus) as svc:
        budget = await submitted(svc.client, [line("health", 50_000)], indicative={"health": 40_000})
        await svc.client.post("/v1/budgets/health-funding-events", headers=HEALTH,
                              json=health_event(budget["child_id"], 60_000, "2027-01-01"))
        await decide(svc.client, budget["id"], "health", 60_000)
        await svc.client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
        await svc.client.post("/v1/budgets/health-funding-events", headers=HEALTH,  # below the provision: BUD-05
                              json=health_event(budget["child_id"], 45_000, "2027-02-01"))
        await svc.client.post(f"/v1/budgets/{budget['id']}/variations", headers=CASEWORK,  # covers it again
                              json={"stream": "health", "agreed_pence": 70_000, "reasons": "more therapy"})
        await svc.client.post(f"/v1/budgets/{budget['id']}/review-requests", headers=CASEWORK,  # BUD-12
                              json={"requested_on": common.today().isoformat(), "reason": "a new diagnosis",
                                    "circumstances_changed": True})
        await svc.client.post(f"/v1/budgets/{budget['id']}/disputes", headers=CASEWORK,  # BUD-13
                              json={"subject": "contents", "details": "Hydrotherapy is missing", "raised_by": "parent"})
        await svc.client.post(f"/v1/budgets/{budget['id']}/close", headers=CASEWORK)
        await publish(svc.runtime.bus, "contracts.funds_released.v1", {  # into the closed budget: refused
            "transfer_id": "t-1", "contract_id": "k-1", "budget_id": budget["id"], "child_id": budget["child_id"],
            "local_authority": LA, "stream": "health", "units": 1, "amount_pence": 100,
            "released_at": "2026-12-01T10:00:00Z"}, producer="contracts")
        # until every type has been seen (counting envelopes raced: some types come more than once)
        envelopes = await eventually(lambda: [json.loads(b) for b in seen]
                                     if {json.loads(b)["type"] for b in seen} >= set(PUBLISHED) else None)
    assert sorted({e["type"] for e in envelopes}) == sorted(PUBLISHED)
    for envelope in envelopes:
        PUBLISHED[envelope["type"]].model_validate(envelope["payload"])
    assert set(OWNED) == {*PUBLISHED, "icb.health_funding.changed.v1"}


async def test_provision_lines_are_checked_against_the_cyps_eligibility_decision(memory_backend):
    """A line's stream must be eligible and a direct payment allowed by the CYP's latest decision, whose own
    reason (rule and words) the refusal repeats; a review that rules a stream out stops agreement."""
    async with running_service(create_app, memory_backend, service="budget") as svc:
        cyp, bus = child(), svc.runtime.bus
        no_dp = {**decided(cyp, streams=("education", "social_care")),
                 "arrangements": {"direct_payment": {"allowed": False, "reasons": [
                     {"rule": "ELIG-07", "message": "the recipient is under a drug-rehabilitation requirement"}]},
                     "notional": {"allowed": True, "reasons": []}}}
        await publish(bus, "eligibility.request_decided.v1", no_dp)
        await publish(bus, "ras.assessment_completed.v1", assessed(cyp))
        [budget] = await eventually(lambda: budgets_of(svc.client, cyp))
        url = f"/v1/budgets/{budget['id']}/provisions"

        r = await svc.client.post(url, json=line("social_care", arrangement="direct_payment"), headers=CASEWORK)
        assert r.status_code == 409 and r.json()["rule"] == "ELIG-07", r.text
        assert "drug-rehabilitation" in r.json()["detail"] and r.json()["errors"][0]["field"] == "arrangement"
        r = await svc.client.post(url, json=line("health", arrangement="notional"), headers=CASEWORK)
        assert r.status_code == 409 and r.json()["rule"] == "ELIG-05" and "health" in r.json()["detail"]
        for stream in ("education", "social_care"):
            r = await svc.client.post(url, json=line(stream, 100_000, arrangement="notional"), headers=CASEWORK)
            assert r.status_code == 201, r.text

        reviewed = {**no_dp, "request_id": str(uuid.uuid4()), "decided_at": "2026-11-21T10:00:00Z",
                    "status": "partially_eligible", "eligible_streams": ["education"],
                    "streams": {"education": {"eligible": True, "reasons": []},
                                "social_care": {"eligible": False, "reasons": [
                                    {"rule": "ELIG-03", "message": "the plan has ceased"}]}}}
        await publish(bus, "eligibility.request_decided.v1", reviewed)
        await bus.drain()
        assert (await svc.client.post(f"/v1/budgets/{budget['id']}/submit", headers=CASEWORK)).status_code == 200
        for stream in ("education", "social_care"):
            assert (await decide(svc.client, budget["id"], stream, 100_000)).status_code == 201
        r = await svc.client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
        assert r.status_code == 409 and r.json()["rule"] == "ELIG-03" and r.json()["stream"] == "social_care", r.text


async def test_an_icb_event_naming_no_local_authority_code_is_dead_lettered_at_once(backend):
    """Found by the fault loops: a `local_authority` that is not an ONS code reached the database and was retried
    five times ("value too long") before it was dead-lettered; it can never apply, so it goes at once."""
    async with running_service(create_app, backend, service="budget") as svc:
        bad = {**health_event(child(), 100_000, "2027-01-01"), "local_authority": "E0600006000000"}
        await publish(svc.runtime.bus, "icb.health_funding.changed.v1", bad, producer="icb")
        [letter] = await eventually(lambda: svc.runtime.bus.take_dead_letters("budget"))
        assert letter.attempts == 1 and "local_authority" in letter.reason, letter


async def test_BUD_07_an_icb_event_effective_past_the_two_year_horizon_is_dead_lettered_not_applied(backend):
    """An ICB change effective in 9999 would outrank every real change until then (BUD-07): it is an invalid
    message, dead-lettered at once with the field named, never applied."""
    async with running_service(create_app, backend, service="budget") as svc:
        far = health_event(child(), 100_000, "9999-12-31")
        await publish(svc.runtime.bus, "icb.health_funding.changed.v1", far, producer="icb")
        [letter] = await eventually(lambda: svc.runtime.bus.take_dead_letters("budget"))
        assert letter.attempts == 1 and "effective_from" in letter.reason, letter
