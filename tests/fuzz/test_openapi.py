"""Schemathesis on every API: the gateway's merged OpenAPI and each service's own, fuzzed in process with a
dev-admin token against records the end-to-end journey made, on both backends: the embedded platform's SQLite
files, and PostgreSQL (what production runs on, and stricter: a request SQLite stores may break a PostgreSQL
column). No 5xx, every documented response conforms to its schema, and data that breaks the schema is refused.
SENDPB_FUZZ_EXAMPLES sets the examples per operation and mode (`make fuzz`: 200).

The suite fuzzes the gateway's document on both backends (every operation as integrators call it) and each service's
own document on PostgreSQL (the stricter backend); the operations are the same, so each is fuzzed three times per
run. `make fuzz` (SENDPB_FUZZ_EVERY=1) adds each service's own document on SQLite as well."""
import asyncio
import os

import pytest

from kit.testing import LA, LA2
from sendpb.reconcile import reconcile
from sendpb.runner import SERVICES
from tests.fuzz.harness import REPORT, LoopBridge, config, fuzz
from tests.security.routes import seed

POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.integration)
EVERY = os.environ.get("SENDPB_FUZZ_EVERY") == "1"
CASES = [pytest.param("sqlite", "gateway"), pytest.param(*POSTGRESQL.values, "gateway", marks=POSTGRESQL.marks)]
CASES += [pytest.param(*POSTGRESQL.values, c.name, marks=POSTGRESQL.marks) for c in SERVICES]
CASES += [pytest.param("sqlite", c.name) for c in SERVICES] if EVERY else []


@pytest.mark.parametrize(("backend", "spec"), CASES)
async def test_fuzz(platforms, backend, spec):
    handle = await platforms(backend)
    platform, client = handle.embedded, handle.client
    assert {platform.runtime(c.name).db.dialect for c in SERVICES} == {backend}
    _, ids = await seed(client, name=f"Fuzz {spec}")  # fresh records: the last spec's fuzzing closed or stopped some
    token = (await client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "dev-admin", "client_secret": "dev-secret"})).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    # A family's signed link is the credential of its pages (issue 20): the seeded link's token reaches them.
    links = (await client.get(f"/v1/budgets/{ids['budget_id']}/family-links", headers=headers)).json()["items"]
    # ... and each service's own: the seeded links to a recovery notice (PAY-07) and to a contract's summary (CON-07)
    notice = (await client.get(f"/v1/payments/recoveries/{ids['recovery_id']}/family-links",
                               headers=headers)).json()["items"]
    summary = (await client.get(f"/v1/contracts/{ids['contract_id']}/family-links", headers=headers)).json()["items"]
    ids["token"] = [found[0]["url"].rsplit("/", 1)[1] for found in (links, notice, summary)]
    ids["link_id"] = [ids["link_id"], ids.pop("recovery_link_id"), ids.pop("summary_link_id")]
    ids["child_id"] = ids.pop("served_child_id")  # a child the seeded contract serves (CON-10)
    app = platform.gateway if spec == "gateway" else platform.apps[spec]
    bridge = LoopBridge(app, asyncio.get_running_loop())
    figures = await asyncio.to_thread(fuzz, f"{spec} on {backend}", bridge, headers=headers,
                                      config=config(ids, [LA, LA2]))
    REPORT.append(figures)
    assert not figures.failures, "\n\n".join(figures.failures)
    assert figures.operations and figures.examples["positive"] >= figures.operations
    # The seeded ids reach real records: most operations answer 2xx at least once (the rest refuse every example
    # for a reason of state, e.g. signing an agreement the journey signed already).
    assert len(figures.reached) >= 0.7 * figures.operations, f"2xx only on {sorted(figures.reached)}"
    # Whatever the fuzzing did, no money moved without its other side: the books still agree (BUD-08).
    for la in (LA, LA2):
        outcome = await reconcile(client, headers, la, settle_seconds=2.0, interval=0.5)
        assert outcome.clean, "\n".join(outcome.report())
