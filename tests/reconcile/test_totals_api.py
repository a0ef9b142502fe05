"""The finance totals each money service serves for reconciliation, through the gateway: the figures of the
journey, the LA window of ``as_of``, the scopes, and tenancy (another LA's client sees nothing of this LA)."""
from datetime import timedelta

import pytest

from tests.reconcile.conftest import JOURNEY_DAY, LA

OTHER_LA = "E08000018"
SERVICES = ("payments", "budgets", "contracts")


async def totals(platform, service: str, *, client: str = "dev-finance", la: str = LA, **params):
    return await platform.client.get(f"/v1/{service}/finance/totals", params={"local_authority": la, **params},
                                     headers=await platform.token(client))


async def test_PAY_04_PAY_07_payments_totals_per_budget_stream_and_run(platform, journey):
    body = (await totals(platform, "payments")).json()
    [row] = [r for r in body["rows"] if r["budget_id"] == journey["budget_id"]]
    assert row["stream"] == "social_care"
    assert (row["issued_pence"], row["issued_count"]) == (journey["paid_pence"], 1)
    assert (row["returned_pence"], row["recovered_count"]) == (0, 1) and row["recovered_pence"] > 0
    [run] = [r for r in body["runs"] if r["run_id"] == journey["ids"]["run_id"]]
    assert run["file_total_pence"] == run["recorded_total_pence"] == journey["paid_pence"]
    assert run["file_credits"] == run["recorded_payments"] == len(journey["bacs_records"]) - 1  # less the contra


async def test_BUD_08_budget_totals_per_stream_from_the_ledger(platform, journey):
    body = (await totals(platform, "budgets")).json()
    rows = {r["stream"]: r for r in body["rows"] if r["budget_id"] == journey["budget_id"]}
    assert rows["social_care"]["payments_pence"] == journey["paid_pence"]
    assert rows["health"]["released_pence"] == rows["health"]["released_total_pence"] == journey["release_pence"]
    assert rows["health"]["agreed_pence"] == journey["health_agreed_pence"]
    for r in rows.values():
        assert r["available_pence"] == (r["agreed_pence"] + r["released_total_pence"] - r["committed_pence"]
                                        - r["spent_pence"])


async def test_CON_04_contract_totals_per_budget_and_stream(platform, journey):
    body = (await totals(platform, "contracts")).json()
    [row] = [r for r in body["rows"] if r["budget_id"] == journey["budget_id"]]
    assert (row["stream"], row["released_pence"], row["released_count"], row["returned_pence"]) == (
        "health", journey["release_pence"], 1, 0)


@pytest.mark.parametrize("service", SERVICES)
async def test_as_of_counts_only_movements_recorded_by_that_day(platform, journey, service):
    before = (await totals(platform, service, as_of=(JOURNEY_DAY - timedelta(days=1)).isoformat())).json()
    on_the_day = (await totals(platform, service, as_of=JOURNEY_DAY.isoformat())).json()
    assert before["rows"] == [] and before.get("runs", []) == []
    assert on_the_day["rows"] == (await totals(platform, service)).json()["rows"] != []


@pytest.mark.parametrize("service", SERVICES)
async def test_another_las_client_sees_nothing_of_this_la(platform, journey, service):
    refused = await totals(platform, service, client="dev-other-la")
    assert refused.status_code == 403
    assert journey["budget_id"] not in refused.text
    own = await totals(platform, service, client="dev-other-la", la=OTHER_LA)
    assert own.status_code == 200 and own.json()["rows"] == [] and journey["budget_id"] not in own.text


@pytest.mark.parametrize("service", SERVICES)
async def test_finance_totals_need_the_finance_or_read_scope(platform, service):
    assert (await platform.client.get(f"/v1/{service}/finance/totals", params={"local_authority": LA})
            ).status_code == 401
    assert (await totals(platform, service, client="dev-icb")).status_code == 403
    assert (await totals(platform, service, client="dev-casework")).status_code == 200  # casework read
    bad = await totals(platform, service, la="Bucks")
    assert bad.status_code == 422 and "local_authority" in bad.text
