"""Helpers for the budget tests: headers, fresh ids and a budget ready for panel."""
from __future__ import annotations

import uuid
from datetime import date

from kit.bus import Outgoing
from kit.events import Envelope
from kit.testing import LA, auth

CASEWORK = auth("casework")
PANEL = auth("panel")
FINANCE = auth("finance")
HEALTH = auth("health", las=[LA])
READ = auth("read")
OTHER = auth("casework", "read", "panel", "finance", "health", las=["E08000018"])


def child() -> str:
    return f"C-{uuid.uuid4().hex[:10]}"


def new_budget(child_id: str, *, start: date = date(2026, 12, 1), indicative: dict | None = None,
               la: str = LA) -> dict:
    body = {"child_id": child_id, "local_authority": la, "plan_reference": f"EHCP-{child_id}",
            "period_start": start.isoformat(), "period_end": date(start.year + 1, start.month, 1).isoformat()}
    if indicative is not None:
        body["indicative_pence"] = indicative
    return body


def line(
    stream: str = "social_care",
    cost: int = 260_000,
    *,
    arrangement: str = "direct_payment",
    category: str = "personal_assistant",
    outcome: str = "Takes part in after-school clubs",
    **kw,
) -> dict:
    return {
        "description": f"{category} for {stream}",
        "outcome": outcome,
        "stream": stream,
        "category": category,
        "annual_cost_pence": cost,
        "arrangement": arrangement,
        **kw,
    }


async def open_with_lines(
    client, lines: list[dict], *, indicative: dict | None = None, child_id: str | None = None
) -> dict:
    r = await client.post(
        "/v1/budgets", json=new_budget(child_id or child(), indicative=indicative or {}), headers=CASEWORK
    )
    assert r.status_code == 201, r.text
    budget = r.json()
    for body in lines:
        added = await client.post(f"/v1/budgets/{budget['id']}/provisions", json=body, headers=CASEWORK)
        assert added.status_code == 201, added.text
    return budget


async def submitted(client, lines: list[dict], **kw) -> dict:
    budget = await open_with_lines(client, lines, **kw)
    r = await client.post(f"/v1/budgets/{budget['id']}/submit", headers=CASEWORK)
    assert r.status_code == 200, r.text
    return r.json()


async def decide(
    client, budget_id: str, stream: str, amount: int, decision: str = "approved", authority: str = "stream"
):
    return await client.post(
        f"/v1/budgets/{budget_id}/panel-decisions",
        headers=PANEL,
        json={
            "stream": stream,
            "decision": decision,
            "agreed_pence": amount,
            "decided_by": f"{stream} lead",
            "authority": authority,
        },
    )


# The broker user the tests' buses connect as (RabbitMQ's guest; the in-memory bus's too): the dev default of
# SENDPB_BUDGET_ICB_PUBLISHERS lets it publish ICB health funding for any LA.
BROKER_USER = "guest"


async def publish(bus, type_: str, payload: dict, la: str = LA, producer: str = "test",
                  user_id: str | None = BROKER_USER) -> Envelope:
    """Publish one event as the broker user ``user_id`` (its validated AMQP user_id property; None sets none)."""
    env = Envelope(type=type_, producer=producer, local_authority=la, payload=payload)
    await bus.publish([Outgoing(env.type, env.to_bytes(), str(env.event_id), user_id=user_id)])
    return env


def health_event(
    child_id: str, amount: int, effective: str, *, event_id: str | None = None, la: str = LA
) -> dict:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "child_id": child_id,
        "local_authority": la,
        "annual_amount_pence": amount,
        "effective_from": effective,
        "reason": "ICB review of health needs",
    }
