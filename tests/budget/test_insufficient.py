"""BUD-05 after agreement: an ICB cut that leaves the health stream below the cost of the agreed health provision
flags the budget, brings its review forward (BUD-09) and says so with budget.insufficient.v1; funding or a variation
that covers the provision again clears the flag with budget.insufficiency_cleared.v1. Nothing is silently short —
over REST, over RabbitMQ (the batched consumer), and for ICB events held until a budget opens (BUD-07)."""
import json
import uuid
from datetime import date

import pytest

from kit.testing import LA, eventually, running_service
from services.budget.app import create_app
from services.budget.events import PUBLISHED
from services.budget.service import health
from tests.budget.helpers import (
    CASEWORK,
    HEALTH,
    READ,
    child,
    decide,
    health_event,
    line,
    new_budget,
    publish,
    submitted,
)

TODAY = date(2026, 11, 25)
THERAPY = 500_000  # the agreed health provision costs £5,000 a year


@pytest.fixture
def on_today(clock):
    clock.set_to(TODAY, tick=True)  # ticking: events received one after another keep their arrival order
    return clock


async def tapped(backend):
    bus = await backend.bus()
    seen: list[dict] = []

    async def tap(body: bytes) -> None:
        seen.append(json.loads(body))

    await bus.subscribe(f"tap-{uuid.uuid4().hex[:6]}", ["budget.insufficient.v1", "budget.insufficiency_cleared.v1"],
                        tap)
    return bus, seen


def said(seen: list[dict], type_: str, budget_id: str, n: int = 1):
    found = [e for e in seen if e["type"] == type_ and e["payload"]["budget_id"] == budget_id]
    return found if len(found) >= n else None


async def agreed_with_health(client, funding: int = 600_000) -> dict:
    """An agreed budget whose health stream the ICB funds at ``funding`` (effective 1 November 2026) for therapy
    costing ``THERAPY``."""
    budget = await submitted(client, [line("health", THERAPY, arrangement="notional", category="therapy")],
                             indicative={"health": 400_000})
    r = await client.post("/v1/budgets/health-funding-events", headers=HEALTH,
                          json=health_event(budget["child_id"], funding, "2026-11-01"))
    assert r.json()["outcome"] == "applied", r.text
    assert (await decide(client, budget["id"], "health", funding)).status_code == 201
    r = await client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
    assert r.status_code == 200, r.text
    return r.json()


async def read(client, budget_id: str) -> dict:
    return (await client.get(f"/v1/budgets/{budget_id}", headers=CASEWORK)).json()


async def reviews_due(client, due_before: date) -> dict:
    r = await client.get("/v1/budgets/reviews", params={"due_before": due_before.isoformat()}, headers=READ)
    return {i["budget_id"]: i for i in r.json()["items"]}


async def test_BUD_05_an_icb_cut_below_the_agreed_health_provision_flags_the_budget_and_brings_its_review_forward(
        backend, on_today):
    bus, seen = await tapped(backend)
    async with running_service(create_app, backend, service="budget", bus=bus) as svc:
        budget = await agreed_with_health(svc.client)
        assert budget["insufficient"] == [] and budget["next_review_due"] == "2027-02-25"
        assert budget["id"] not in await reviews_due(svc.client, TODAY)

        cut = health_event(budget["child_id"], 450_000, "2027-01-10")
        r = await svc.client.post("/v1/budgets/health-funding-events", json=cut, headers=HEALTH)
        assert r.json()["outcome"] == "applied"

        now = await read(svc.client, budget["id"])
        assert now["streams"]["health"]["agreed_pence"] == 450_000
        [flag] = now["insufficient"]
        assert {k: flag[k] for k in ("stream", "rule", "agreed_pence", "provision_cost_pence", "shortfall_pence",
                                     "since", "icb_event_id")} == {
            "stream": "health", "rule": "BUD-05", "agreed_pence": 450_000, "provision_cost_pence": THERAPY,
            "shortfall_pence": 50_000, "since": "2027-01-10", "icb_event_id": cut["event_id"]}
        assert "£500.00 short" in flag["message"]
        # The cut takes effect in January: the review falls due now, before it does (BUD-09).
        assert now["next_review_due"] == TODAY.isoformat()
        listed = (await reviews_due(svc.client, TODAY))[budget["id"]]
        assert listed["review_kind"] == "insufficient_funding" and listed["review_reason"].startswith("BUD-05: ")
        assert listed["overdue"] is False
        history = (await svc.client.get(f"/v1/budgets/{budget['id']}/reviews", headers=CASEWORK)).json()["items"]
        assert [(h["kind"], h["on"], h["recorded_by"]) for h in history] == [
            ("insufficient_funding", TODAY.isoformat(), f"icb:{cut['event_id']}")]

        [event] = await eventually(lambda: said(seen, "budget.insufficient.v1", budget["id"]))
        PUBLISHED[event["type"]].model_validate(event["payload"])
        assert {k: event["payload"][k] for k in ("stream", "agreed_pence", "provision_cost_pence",
                                                 "shortfall_pence", "effective_from", "icb_event_id",
                                                 "review_due")} == {
            "stream": "health", "agreed_pence": 450_000, "provision_cost_pence": THERAPY, "shortfall_pence": 50_000,
            "effective_from": "2027-01-10", "icb_event_id": cut["event_id"], "review_due": TODAY.isoformat()}
        assert [r["rule"] for r in event["payload"]["reasons"]] == ["BUD-05"]

        restored = health_event(budget["child_id"], 520_000, "2027-02-01")
        await svc.client.post("/v1/budgets/health-funding-events", json=restored, headers=HEALTH)
        assert (await read(svc.client, budget["id"]))["insufficient"] == []
        [cleared] = await eventually(lambda: said(seen, "budget.insufficiency_cleared.v1", budget["id"]))
        PUBLISHED[cleared["type"]].model_validate(cleared["payload"])
        assert (cleared["payload"]["icb_event_id"], cleared["payload"]["since"], cleared["payload"]["cleared_on"],
                cleared["payload"]["agreed_pence"]) == (restored["event_id"], "2027-01-10", "2027-02-01", 520_000)
        assert len(said(seen, "budget.insufficient.v1", budget["id"])) == 1


async def test_BUD_05_an_icb_cut_over_rabbitmq_flags_the_budget_and_a_backdated_cut_makes_the_review_overdue(
        backend, on_today):
    bus, seen = await tapped(backend)
    async with running_service(create_app, backend, service="budget", bus=bus) as svc:
        budget = await agreed_with_health(svc.client)
        cut = await publish(svc.runtime.bus, "icb.health_funding.changed.v1",
                            health_event(budget["child_id"], 300_000, "2026-11-20"), producer="icb")
        [event] = await eventually(lambda: said(seen, "budget.insufficient.v1", budget["id"]))
        assert event["causation_id"] == str(cut.event_id)  # caused by the ICB's event
        assert (event["payload"]["shortfall_pence"], event["payload"]["review_due"]) == (200_000, "2026-11-20")
        listed = (await reviews_due(svc.client, TODAY))[budget["id"]]
        assert (listed["next_review_due"], listed["overdue"], listed["review_kind"]) == (
            "2026-11-20", True, "insufficient_funding")

        # A deeper cut says so again, with the new shortfall, keeping when the stream first fell short.
        await publish(svc.runtime.bus, "icb.health_funding.changed.v1",
                      health_event(budget["child_id"], 100_000, "2026-12-01"), producer="icb")
        deeper = (await eventually(lambda: said(seen, "budget.insufficient.v1", budget["id"], 2)))[1]
        assert (deeper["payload"]["shortfall_pence"], deeper["payload"]["since"]) == (400_000, "2026-11-20")
        [flag] = (await read(svc.client, budget["id"]))["insufficient"]
        assert (flag["shortfall_pence"], flag["since"]) == (400_000, "2026-11-20")
        # Funding covering the provision exactly is sufficient again.
        await publish(svc.runtime.bus, "icb.health_funding.changed.v1",
                      health_event(budget["child_id"], THERAPY, "2027-01-01"), producer="icb")
        await eventually(lambda: said(seen, "budget.insufficiency_cleared.v1", budget["id"]))
        assert (await read(svc.client, budget["id"]))["insufficient"] == []


async def test_BUD_05_a_batch_of_icb_events_flags_and_clears_as_the_same_events_one_at_a_time(backend, on_today):
    """The batched consumer (``receive_many``) judges each applied event against the CYP's health state after the
    events before it in the batch: a cut, a duplicate, an older event and a restoration end as one at a time."""
    async with running_service(create_app, backend, service="budget") as svc:
        one, many = await agreed_with_health(svc.client), await agreed_with_health(svc.client)
        keys = [("cut", 450_000, date(2027, 1, 1)), ("cut", 450_000, date(2027, 1, 1)),
                ("older", 200_000, date(2026, 12, 1)), ("deeper", 350_000, date(2027, 2, 1)),
                ("restored", 650_000, date(2027, 3, 1)), ("cut again", 400_000, date(2027, 4, 1))]

        def received(budget):
            ids = {key: str(uuid.uuid4()) for key, *_ in keys}
            return [(health.HealthFunding(event_id=ids[key], child_id=budget["child_id"], local_authority=LA,
                                          annual_amount_pence=amount, effective_from=effective, reason="ICB review"),
                     None) for key, amount, effective in keys]

        for funding in received(one):
            async with svc.runtime.db.transaction() as session:
                await health.receive_health_funding(session, funding[0], channel="amqp")
        async with svc.runtime.db.transaction() as session:
            outcomes = await health.receive_many(session, received(many), channel="amqp")
        assert [o["outcome"] for o in outcomes] == ["applied", "duplicate", "superseded", "applied", "applied",
                                                    "applied"]

        def flags(view):
            return [(f["agreed_pence"], f["shortfall_pence"], f["since"]) for f in view["insufficient"]]

        singly, batched = await read(svc.client, one["id"]), await read(svc.client, many["id"])
        assert flags(batched) == flags(singly) == [(400_000, 100_000, "2027-04-01")]
        assert batched["next_review_due"] == singly["next_review_due"] == TODAY.isoformat()


async def test_BUD_05_a_variation_that_covers_the_provision_again_clears_the_flag(backend, on_today):
    bus, seen = await tapped(backend)
    async with running_service(create_app, backend, service="budget", bus=bus) as svc:
        budget = await agreed_with_health(svc.client)
        await svc.client.post("/v1/budgets/health-funding-events", headers=HEALTH,
                              json=health_event(budget["child_id"], 450_000, "2027-01-10"))
        assert (await read(svc.client, budget["id"]))["insufficient"] != []
        r = await svc.client.post(f"/v1/budgets/{budget['id']}/variations", headers=CASEWORK,
                                  json={"stream": "health", "agreed_pence": THERAPY, "reasons": "LA tops up"})
        assert r.status_code == 201 and r.json()["status"] == "applied", r.text
        assert (await read(svc.client, budget["id"]))["insufficient"] == []
        [cleared] = await eventually(lambda: said(seen, "budget.insufficiency_cleared.v1", budget["id"]))
        assert (cleared["payload"]["variation_id"], cleared["payload"]["icb_event_id"]) == (r.json()["id"], None)
        assert cleared["payload"]["cleared_on"] == TODAY.isoformat()


async def test_BUD_05_an_icb_cut_held_until_a_budget_opens_is_refused_at_agreement_not_left_short(backend, on_today):
    """BUD-07 holding: the held event applies as the budget opens, before agreement, so nothing is flagged; the
    health stream is judged when the budget is agreed, and agreement is refused while it is short."""
    bus, seen = await tapped(backend)
    async with running_service(create_app, backend, service="budget", bus=bus) as svc:
        cyp = child()
        held = await svc.client.post("/v1/budgets/health-funding-events", headers=HEALTH,
                                     json=health_event(cyp, 300_000, "2026-11-01"))
        assert held.json()["outcome"] == "held"
        opened = (await svc.client.post("/v1/budgets", json=new_budget(cyp), headers=CASEWORK)).json()
        assert opened["streams"]["health"]["agreed_pence"] == 300_000 and opened["insufficient"] == []
        url = f"/v1/budgets/{opened['id']}"
        r = await svc.client.post(f"{url}/provisions", headers=CASEWORK,
                                  json=line("health", THERAPY, arrangement="notional", category="therapy"))
        assert r.status_code == 201, r.text
        assert (await svc.client.post(f"{url}/submit", headers=CASEWORK)).status_code == 200
        assert (await decide(svc.client, opened["id"], "health", THERAPY)).status_code == 201
        refused = await svc.client.post(f"{url}/agree", headers=CASEWORK)
        assert refused.status_code == 409 and refused.json()["rule"] == "BUD-05", refused.text
        assert (await read(svc.client, opened["id"]))["insufficient"] == []
        assert said(seen, "budget.insufficient.v1", opened["id"]) is None
