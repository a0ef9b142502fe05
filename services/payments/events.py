"""What the payments service publishes (docs/events.md, v1)."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime

from kit.events import Envelope

PRODUCER = "payments"
PAYMENT_ISSUED = "payments.payment_issued.v1"
RECOVERY_CONFIRMED = "payments.recovery_confirmed.v1"


def payment_issued(*, payment_id: str, agreement_id: str, budget_id: str | None, child_id: str, la: str,
                   stream: str | None, amount_pence: int, due_date: date, run_id: str,
                   issued_on: date) -> dict:
    return {"payment_id": payment_id, "agreement_id": agreement_id, "budget_id": budget_id,
            "child_id": child_id,
            "local_authority": la, "stream": stream, "amount_pence": amount_pence,
            "due_date": due_date.isoformat(),
            "run_id": run_id, "issued_on": issued_on.isoformat()}


def envelope_bytes(*, event_type: str, la: str, payload: dict, occurred_at: datetime,
                   correlation_id: str | None = None) -> tuple[str, bytes]:
    """An envelope serialised without building a model per event: a run writes one per payment, in bulk.
    The shape is kit.events.Envelope's (consumers parse it with ``Envelope.from_bytes``)."""
    event_id = str(uuid.uuid4())
    body = json.dumps({"event_id": event_id, "type": event_type, "occurred_at": occurred_at.isoformat(),
                       "producer": PRODUCER, "local_authority": la, "correlation_id": correlation_id,
                       "causation_id": None, "payload": payload}, separators=(",", ":"))
    return event_id, body.encode()


def recovery_confirmed(*, recovery_id: str, agreement, amount_pence: int, method: str,
                       confirmed_at: datetime) -> Envelope:
    return Envelope(type=RECOVERY_CONFIRMED, producer=PRODUCER, local_authority=agreement.local_authority,
                    payload={"recovery_id": recovery_id, "agreement_id": agreement.id,
                             "budget_id": agreement.budget_id, "child_id": agreement.child_id,
                             "local_authority": agreement.local_authority, "stream": agreement.stream,
                             "amount_pence": amount_pence, "method": method,
                             "confirmed_at": confirmed_at.isoformat().replace("+00:00", "Z")})
