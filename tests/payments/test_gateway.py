"""Direct payments through the gateway with the dev clients: tokens, scopes, masking and LA isolation."""
from datetime import date

from kit.testing import LA
from tests.payments.helpers import agreed_through_gateway, finished


async def test_a_family_is_paid_through_the_gateway_and_other_las_see_nothing(platform, clock):
    clock.set_to(date(2026, 12, 1), tick=True)
    casework = await platform.token("dev-casework")
    finance = await platform.token("dev-finance")
    other = await platform.token("dev-other-la")
    c = platform.client
    agreement = await agreed_through_gateway(c, await platform.token("dev-admin"), child="C-gw",
                                             start=date(2026, 11, 1), end=date(2027, 10, 31),
                                             direct_payment_pence=520000)
    agreement_id = agreement["id"]
    r = await c.put(f"/v1/payments/agreements/{agreement_id}/payee", headers=casework, json={
        "role": "parent", "name": "Sam Parent",
        "account": {"kind": "bank_account", "sort_code": "309634", "account_number": "87654321"}})
    assert r.status_code == 200 and "87654321" not in r.text and "309634" not in r.text
    assert r.json()["payee"]["account"]["account_number"] == "****4321"
    assert (await c.post("/v1/payments/runs", headers=casework,
                         json={"local_authority": LA, "run_date": "2026-12-01"})).status_code == 403
    await c.post(f"/v1/payments/agreements/{agreement_id}/sign", headers=casework,
                 json={"signed_on": "2026-11-01", "signed_by": "Sam Parent"})
    run = await c.post("/v1/payments/runs", headers={**finance, "Idempotency-Key": "gw-1"},
                       json={"local_authority": LA, "run_date": date(2026, 12, 1).isoformat()})
    assert run.status_code == 202
    done = await finished(c, run.json()["id"], headers=finance)
    assert (done["status"], done["payments_count"], done["total_pence"]) == ("completed", 2, 80000)
    payments = await c.get(f"/v1/payments/agreements/{agreement_id}/payments", headers=finance)
    assert {p["account_number"] for p in payments.json()["items"]} == {"****4321"}
    for path in (f"/v1/payments/agreements/{agreement_id}",
                 f"/v1/payments/agreements/{agreement_id}/schedule", f"/v1/payments/runs/{run.json()['id']}"):
        r = await c.get(path, headers=other)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert (await c.get(f"/v1/payments/agreements/{agreement_id}")).status_code == 401
