"""The whole journey of DOMAIN.md §6 through the gateway of the embedded platform (SQLite, in-memory bus)."""
import json
from datetime import date

from sendpb.journey import Api, Family, run
from tests.e2e.checks import assert_journey
from tests.test_asyncapi import validate_event


async def test_a_family_goes_from_request_to_paid_direct_payments_and_a_fair_recovery(platform):
    seen: list[dict] = []

    async def tap(body: bytes) -> None:
        seen.append(json.loads(body))

    await platform.embedded.bus.subscribe("e2e-tap", ["#"], tap)
    story: list[str] = []
    family = Family("Okafor", "E06000060", date(2015, 3, 14))
    facts = await run(Api(platform.client), family, today=date.today(), story=story)
    print("\n".join(story))
    assert_journey(facts, family)
    doc = (await platform.client.get("/asyncapi.json")).json()
    for envelope in seen:
        validate_event(doc, envelope)
    assert {e["type"] for e in seen} >= {
        "eligibility.request_decided.v1", "ras.assessment_completed.v1", "budget.opened.v1", "budget.agreed.v1",
        "payments.payment_issued.v1", "budget.health_funding_applied.v1", "contracts.funds_released.v1"}
