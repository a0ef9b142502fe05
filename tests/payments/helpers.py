"""Shared steps of the payments tests: an agreement opened, given a payee and signed through the API."""
from __future__ import annotations

from datetime import date

from kit.testing import LA, auth, eventually

CASEWORK = auth("casework")
FINANCE = auth("finance", client_id="finance-client")
READ = auth("read")
BANK = {"kind": "bank_account", "sort_code": "401276", "account_number": "12345678"}


def agreement_body(*, la: str = LA, annual: int = 520000, frequency: str = "four_weekly",
                   start: date = date(2026, 12, 1), child: str = "C-1", **extra) -> dict:
    end = date(start.year + 1, start.month, start.day if start.day < 29 else 28)
    return {"child_id": child, "local_authority": la, "annual_amount_pence": annual, "frequency": frequency,
            "start_date": start.isoformat(), "end_date": end.isoformat(), **extra}


async def open_agreement(client, *, headers: dict = CASEWORK, **kw) -> dict:
    r = await client.post("/v1/payments/agreements", json=agreement_body(**kw), headers=headers)
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
    return r.json()
