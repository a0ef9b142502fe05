"""Shared steps of the payments tests: an agreed budget known to payments, an agreement opened against it, given
a payee and signed through the API."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from kit.testing import LA, auth, eventually
from services.payments import domain
from services.payments.service import budgets

CASEWORK = auth("casework")
FINANCE = auth("finance", client_id="finance-client")
READ = auth("read")
BANK = {"kind": "bank_account", "sort_code": "401276", "account_number": "12345678"}


def agreement_body(*, la: str = LA, annual: int = 520000, frequency: str = "four_weekly",
                   start: date = date(2026, 12, 1), child: str = "C-1", **extra) -> dict:
    end = domain.add_months(start, 12) - timedelta(days=1)  # one plan year
    return {"child_id": child, "local_authority": la, "annual_amount_pence": annual, "frequency": frequency,
            "start_date": start.isoformat(), "end_date": end.isoformat(), **extra}


def runtime_of(client):
    """The payments runtime behind a test client of the service (``running_service``)."""
    return client._transport.app.state.runtime


async def agreed_budget(client, *, budget_id: str | None = None, la: str = LA, child: str = "C-1",
                        start: date = date(2026, 12, 1), end: date | None = None,
                        streams: dict[str, int] | None = None, agreed: dict[str, int] | None = None) -> str:
    """What ``budget.agreed.v1`` tells payments, recorded as its consumer would: a budget agreed for ``child``
    with the plan period ``start``..``end`` and each stream's direct-payment share (``streams``)."""
    budget_id = budget_id or str(uuid.uuid4())
    end = end or domain.add_months(start, 12) - timedelta(days=1)
    streams = streams if streams is not None else {"social_care": 10_000_000}
    payload = {"budget_id": budget_id, "child_id": child, "local_authority": la, "plan_reference": "EHCP-T",
               "period_start": start.isoformat(), "period_end": end.isoformat(),
               "streams": {s: {"agreed_pence": (agreed or {}).get(s, dp), "direct_payment_pence": dp}
                           for s, dp in streams.items()}}
    async with runtime_of(client).db.transaction() as session:
        await budgets.record_agreed(session, payload, occurred_at=datetime.now(UTC))
    return budget_id


async def known(client, budget_id: str) -> bool:
    async with runtime_of(client).db.sessions() as session:
        return await budgets.share(session, budget_id, "social_care") is not None


async def open_agreement(client, *, headers: dict = CASEWORK, **kw) -> dict:
    """An agreement opened by POST, against a budget agreed for it first unless ``budget_id`` names one."""
    body = agreement_body(**kw)
    if kw.get("budget_id") is None or not await known(client, kw["budget_id"]):
        body["budget_id"] = await agreed_budget(
            client, budget_id=kw.get("budget_id"), la=body["local_authority"], child=body["child_id"],
            start=date.fromisoformat(body["start_date"]), end=date.fromisoformat(body["end_date"]),
            streams={kw.get("stream") or "social_care": 10_000_000})
    r = await client.post("/v1/payments/agreements", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def set_payee(client, agreement_id: str, *, name: str = "Alex Parent", account: dict | None = None,
                    headers: dict = CASEWORK, **extra) -> dict:
    body = {"role": "parent", "name": name, "account": account or BANK, **extra}
    r = await client.put(f"/v1/payments/agreements/{agreement_id}/payee", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def sign(client, agreement_id: str, signed_on: date = date(2026, 11, 20), *,
               headers: dict = CASEWORK) -> dict:
    r = await client.post(f"/v1/payments/agreements/{agreement_id}/sign",
                          json={"signed_on": signed_on.isoformat(), "signed_by": "Alex Parent"},
                          headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def active_agreement(client, *, signed_on: date = date(2026, 11, 20), headers: dict = CASEWORK,
                           **kw) -> dict:
    agreement = await open_agreement(client, headers=headers, **kw)
    await set_payee(client, agreement["id"], headers=headers)
    return await sign(client, agreement["id"], signed_on, headers=headers)


async def run(client, run_date: date, *, la: str = LA, key: str | None = None,
              headers: dict = FINANCE) -> dict:
    """Post a run and read it back once it has finished."""
    r = await client.post("/v1/payments/runs", json={"local_authority": la, "run_date": run_date.isoformat()},
                          headers={**headers, **({"Idempotency-Key": key} if key else {})})
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "running" or r.headers.get("Idempotent-Replayed") == "true"
    return await finished(client, r.json()["id"], headers=headers)


async def finished(client, run_id: str, *, headers: dict = FINANCE) -> dict:
    async def read():
        r = await client.get(f"/v1/payments/runs/{run_id}", headers=headers)
        assert r.status_code == 200, r.text
        return r.json() if r.json()["status"] != "running" else None

    return await eventually(read, timeout=30)


async def payments_of(client, agreement_id: str) -> list[dict]:
    r = await client.get(f"/v1/payments/agreements/{agreement_id}/payments", headers=READ)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def agreed_through_gateway(client, headers: dict, *, child: str, la: str = LA, start: date, end: date,
                                 direct_payment_pence: int, stream: str = "social_care") -> dict:
    """A budget agreed as a council would (open, a direct-payment line, submit, panel, agree) through the gateway
    of the whole platform, and the agreement payments opened from ``budget.agreed.v1``."""
    async def ok(method: str, path: str, status: int = 200, **kw) -> dict:
        r = await client.request(method, path, headers=headers, **kw)
        assert r.status_code == status, r.text
        return r.json()

    budget = await ok("POST", "/v1/budgets", 201, json={
        "child_id": child, "local_authority": la, "plan_reference": f"EHCP-{child}", "period_start": str(start),
        "period_end": str(end), "indicative_pence": {stream: direct_payment_pence}})
    await ok("POST", f"/v1/budgets/{budget['id']}/provisions", 201, json={
        "description": "Personal assistant", "outcome": "Takes part in after-school clubs", "stream": stream,
        "category": "personal_assistant", "annual_cost_pence": direct_payment_pence, "arrangement": "direct_payment",
        "on_setting_premises": False})
    await ok("POST", f"/v1/budgets/{budget['id']}/submit")
    await ok("POST", f"/v1/budgets/{budget['id']}/panel-decisions", 201, json={
        "stream": stream, "decision": "approved", "agreed_pence": direct_payment_pence, "decided_by": "panel"})
    await ok("POST", f"/v1/budgets/{budget['id']}/agree")

    async def opened():
        items = (await ok("GET", "/v1/payments/agreements", params={"budget_id": budget["id"]}))["items"]
        return items[0] if items else None

    return await eventually(opened)
