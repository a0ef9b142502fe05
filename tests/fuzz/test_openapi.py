"""Schemathesis on every API: the gateway's merged OpenAPI and each service's own, fuzzed in process with a
dev-admin token against records the end-to-end journey made. No 5xx, every documented response conforms to its
schema, and data that breaks the schema is refused. SENDPB_FUZZ_EXAMPLES sets the examples per operation and mode
(`make fuzz`: 200)."""
import asyncio

import pytest

from kit.testing import LA, LA2
from sendpb.runner import SERVICES
from tests.fuzz.harness import REPORT, LoopBridge, config, fuzz
from tests.security.routes import seed


@pytest.fixture(scope="module")
async def embedded(tmp_path_factory):
    import httpx

    from gateway.settings import GatewaySettings
    from kit.settings import PlatformSettings
    from sendpb.runner import build_embedded

    settings = PlatformSettings(data_dir=tmp_path_factory.mktemp("fuzz"), relay_poll_seconds=0.2, log_json=False)
    embedded = build_embedded(settings, GatewaySettings(rate_limit_per_second=10_000, rate_limit_burst=10_000))
    async with embedded.gateway.control.router.lifespan_context(embedded.gateway.control):
        transport = httpx.ASGITransport(app=embedded.gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield embedded, client


@pytest.mark.parametrize("spec", ["gateway", *(c.name for c in SERVICES)])
async def test_fuzz(embedded, spec):
    platform, client = embedded
    _, ids = await seed(client, name=f"Fuzz {spec}")  # fresh records: the last spec's fuzzing closed or stopped some
    token = (await client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "dev-admin", "client_secret": "dev-secret"})).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    app = platform.gateway if spec == "gateway" else platform.apps[spec]
    bridge = LoopBridge(app, asyncio.get_running_loop())
    figures = await asyncio.to_thread(fuzz, spec, bridge, headers=headers, config=config(ids, [LA, LA2]))
    REPORT.append(figures)
    assert not figures.failures, "\n\n".join(figures.failures)
    assert figures.operations and figures.examples["positive"] >= figures.operations
    # The seeded ids reach real records: most operations answer 2xx at least once (the rest refuse every example
    # for a reason of state, e.g. signing an agreement the journey signed already).
    assert len(figures.reached) >= 0.7 * figures.operations, f"2xx only on {sorted(figures.reached)}"
