"""The scheduled reconciliation in the gateway process: ``sendpb_reconciliation_differences`` on its /metrics,
zero after the journey, one when a difference is made on purpose; the job runs by itself on its interval."""
import asyncio
import re
import uuid
from datetime import date

import httpx
import pytest

from kit.events import utcnow
from kit.settings import PlatformSettings
from sendpb.journey import Api, Family, run
from sendpb.runner import build_embedded
from services.budget import repository as budget_repo
from services.budget.domain.ledger import spend
from tests.conftest import unlimited_gateway
from tests.reconcile.conftest import JOURNEY_DAY, LA


@pytest.fixture
async def reconciling(tmp_path, clock):
    clock.set_to(JOURNEY_DAY, tick=True)
    settings = PlatformSettings(data_dir=tmp_path, relay_poll_seconds=0.2, log_json=False)
    embedded = build_embedded(settings, unlimited_gateway(
        reconcile_local_authorities=[LA],
        reconcile_every_seconds=1, reconcile_settle_seconds=2))
    async with embedded.gateway.control.router.lifespan_context(embedded.gateway.control):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=embedded.gateway),
                                     base_url="http://gateway") as client:
            yield embedded, client


async def gauge(client, check: str) -> float | None:
    series = f'sendpb_reconciliation_differences{{check="{check}",local_authority="{LA}"}}'
    found = re.search(re.escape(series) + r" (\S+)", (await client.get("/metrics")).text)
    return float(found.group(1)) if found else None


async def last_success(client) -> float | None:
    series = f'sendpb_reconciliation_last_success_timestamp_seconds{{local_authority="{LA}"}}'
    found = re.search(re.escape(series) + r" (\S+)", (await client.get("/metrics")).text)
    return float(found.group(1)) if found else None


async def test_BUD_08_the_scheduled_reconciliation_exports_its_differences_on_the_gateways_metrics(reconciling):
    embedded, client = reconciling
    facts = await run(Api(client), Family("Scheduled", LA, date(2016, 1, 9)), today=JOURNEY_DAY, story=[])
    outcomes = await embedded.gateway.reconciliation.run_once()
    assert outcomes[LA].clean, outcomes[LA].report()
    assert await gauge(client, "payments") == 0.0

    async with embedded.runtime("budget").db.transaction() as session:
        await budget_repo.post(session, facts["budget_id"], [spend("social_care", 999, "made on purpose",
                                                                   reference=f"payment:{uuid.uuid4()}")],
                               now=utcnow())
    outcomes = await embedded.gateway.reconciliation.run_once()
    assert [d.check for d in outcomes[LA].differences] == ["payments"]
    assert await gauge(client, "payments") == 1.0 and await gauge(client, "releases") == 0.0


async def test_the_reconciliation_runs_by_itself_on_its_interval(reconciling):
    _, client = reconciling
    started = await last_success(client) or 0.0
    for _ in range(100):
        if (await last_success(client) or 0.0) > started:
            break
        await asyncio.sleep(0.1)
    assert (await last_success(client) or 0.0) > started
    assert await gauge(client, "available") == 0.0
