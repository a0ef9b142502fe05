"""Events in and out, on the in-memory bus and on RabbitMQ: agreements opened from ``budget.agreed.v1`` and
``payments.payment_issued.v1`` per payment (docs/events.md)."""
import random
import uuid
from datetime import date

from sqlalchemy import select

from kit.bus import Outgoing
from kit.events import Envelope
from kit.testing import auth, eventually, running_service
from services.payments.app import create_app
from services.payments.models import Agreement
from tests.payments.helpers import finished


def agreed(budget_id: str, la: str, streams: dict[str, int]) -> Envelope:
    return Envelope(type="budget.agreed.v1", producer="budget", local_authority=la, payload={
        "budget_id": budget_id, "child_id": "C-ev", "local_authority": la, "plan_reference": "EHCP-9",
        "period_start": "2026-12-01", "period_end": "2027-11-30", "agreed_at": "2026-11-22T10:00:00Z",
        "streams": {s: {"agreed_pence": dp * 2, "direct_payment_pence": dp} for s, dp in streams.items()},
        "direct_payment_total_pence": sum(streams.values())})


async def publish(bus, envelope: Envelope) -> None:
    await bus.publish([Outgoing(envelope.type, envelope.to_bytes(), str(envelope.event_id))])


async def test_PAY_01_budget_agreed_opens_one_agreement_per_direct_payment_stream_once(backend, clock):
    clock.set_to(date(2026, 11, 25), tick=True)  # the budget's period starts a week later: nothing is due yet
    la = f"E98{random.randrange(10**6):06d}"
    bus = await backend.bus()
    seen: list[Envelope] = []

    async def tap(body: bytes) -> None:
        seen.append(Envelope.from_bytes(body))

    await bus.subscribe("payments-tap", ["payments.#"], tap)
    async with running_service(create_app, backend, service="payments", bus=bus) as svc:
        headers = auth("casework", "finance", "read", las=[la])
        budget_id = str(uuid.uuid4())
        event = agreed(budget_id, la, {"social_care": 260000, "health": 130000, "education": 0})
        await publish(bus, event)
        await publish(bus, event)  # redelivered: the inbox drops it

        async def opened():
            r = await svc.client.get(f"/v1/payments/agreements?budget_id={budget_id}", headers=headers)
            return r.json()["items"] if len(r.json()["items"]) == 2 else None

        agreements = await eventually(opened)
        assert sorted((a["stream"], a["annual_amount_pence"], a["status"]) for a in agreements) == [
            ("health", 130000, "awaiting_signature"), ("social_care", 260000, "awaiting_signature")]

        await publish(bus, agreed(budget_id, la, {"social_care": 390000, "health": 130000}))  # varied

        async def replanned():
            async with svc.runtime.db.sessions() as s:
                rows = (await s.execute(select(Agreement.stream, Agreement.annual_amount_pence)
                                        .where(Agreement.budget_id == budget_id))).all()
            return sorted(rows) == [("health", 130000), ("social_care", 390000)]

        await eventually(replanned)
        care = next(a for a in agreements if a["stream"] == "social_care")
        schedule = (await svc.client.get(f"/v1/payments/agreements/{care['id']}/schedule",
                                         headers=headers)).json()
        assert len(schedule) == 13 and sum(i["amount_pence"] for i in schedule) == 390000

        await svc.client.put(f"/v1/payments/agreements/{care['id']}/payee", headers=headers, json={
            "role": "parent", "name": "P", "account": {"kind": "bank_account", "sort_code": "111111",
                                                       "account_number": "22222222"}})
        await svc.client.post(f"/v1/payments/agreements/{care['id']}/sign", headers=headers,
                              json={"signed_on": "2026-11-20", "signed_by": "P"})
        r = await svc.client.post("/v1/payments/runs", json={"local_authority": la, "run_date": "2026-12-01"},
                                  headers=headers)
        run = await finished(svc.client, r.json()["id"], headers=headers)
        assert run["payments_count"] == 1
        issued = await eventually(lambda: [e for e in seen if e.type == "payments.payment_issued.v1"])
        assert issued[0].payload == {
            "payment_id": issued[0].payload["payment_id"], "agreement_id": care["id"], "budget_id": budget_id,
            "child_id": "C-ev", "local_authority": la, "stream": "social_care", "amount_pence": 30000,
            "due_date": "2026-12-01", "run_id": r.json()["id"], "issued_on": "2026-12-01"}
        assert issued[0].producer == "payments" and issued[0].local_authority == la
        assert len(issued) == 1
