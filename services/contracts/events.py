"""Events the contracts service publishes (payloads exactly as docs/events.md, v1)."""
from __future__ import annotations

from datetime import datetime

from kit.events import Envelope
from services.contracts.models import TransferRequest

FUNDS_RELEASED = "contracts.funds_released.v1"
FUNDS_RETURNED = "contracts.funds_returned.v1"


def _payload(t: TransferRequest) -> dict:
    return {"transfer_id": t.id, "contract_id": t.contract_id, "budget_id": t.budget_id,
            "child_id": t.child_id,
            "local_authority": t.local_authority, "stream": t.stream, "units": t.units,
            "amount_pence": t.release_pence, "released_at": t.created_at.isoformat()}


def funds_released(t: TransferRequest) -> Envelope:
    """An approved transfer: ``amount_pence`` moves from the contract into the budget's ``stream``."""
    return Envelope(type=FUNDS_RELEASED, producer="contracts", local_authority=t.local_authority,
                    correlation_id=t.id, payload=_payload(t))


def funds_returned(t: TransferRequest, *, returned_at: datetime, reason: str) -> Envelope:
    """A withdrawn or ended transfer: the same fields as the release (the same amount goes back), plus when
    and why (additive fields ``returned_at`` and ``reason``)."""
    payload = {**_payload(t), "returned_at": returned_at.isoformat(), "reason": reason}
    return Envelope(type=FUNDS_RETURNED, producer="contracts", local_authority=t.local_authority,
                    correlation_id=t.id, payload=payload)
