"""The same journey, distributed: each service its own process on PostgreSQL (a database each) and RabbitMQ,
started by the test; the events flow through the broker by themselves."""
import json
from datetime import date

import pytest

from kit.bus.rabbit import RabbitBus
from kit.testing import rabbit_url
from sendpb.journey import Api, Family, run
from tests.distributed import distributed_platform
from tests.e2e.checks import assert_journey
from tests.test_asyncapi import validate_event

pytestmark = pytest.mark.integration


async def test_the_journey_runs_the_same_with_a_process_per_service_on_postgres_and_rabbitmq(tmp_path):
    seen: list[dict] = []

    async def tap(body: bytes) -> None:
        seen.append(json.loads(body))

    tap_bus = RabbitBus(await rabbit_url())
    await tap_bus.subscribe("e2e-tap", ["#"], tap)
    try:
        async with distributed_platform(tmp_path / "logs") as (client, _ports, _procs):
            story: list[str] = []
            family = Family("Patel", "E06000060", date(2012, 9, 1))
            facts = await run(Api(client), family, today=date.today(), story=story)
            print("\n".join(story))
            assert_journey(facts, family)
            doc = (await client.get("/asyncapi.json")).json()
    finally:
        await tap_bus.close()
    mine = [e for e in seen if e["payload"].get("child_id") == family.child_id]
    for envelope in mine:
        validate_event(doc, envelope)
    assert {e["type"] for e in mine} >= {
        "eligibility.request_decided.v1", "ras.assessment_completed.v1", "budget.opened.v1", "budget.agreed.v1",
        "payments.payment_issued.v1", "budget.health_funding_applied.v1", "contracts.funds_released.v1"}
