"""Events the contracts service publishes (payloads exactly as docs/events.md, v1), with their schemas for the
platform's AsyncAPI document."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from kit.events import Envelope
from services.contracts.models import TransferRequest

FUNDS_RELEASED = "contracts.funds_released.v1"
FUNDS_RETURNED = "contracts.funds_returned.v1"


class FundsReleased(BaseModel):
    """An approved transfer: ``amount_pence`` moves from the contract into the budget's ``stream``."""

    model_config = ConfigDict(extra="forbid")
    transfer_id: str
    contract_id: str
    budget_id: str
    child_id: str
    local_authority: str
    stream: str
    units: int
    amount_pence: int
    released_at: datetime


class FundsReturned(FundsReleased):
    """A withdrawn or ended transfer gives the same units and amount back to the contract. ``returned_at`` and
    ``reason`` are additive fields."""

    returned_at: datetime
    reason: str


def _released(t: TransferRequest) -> dict[str, Any]:
    return {"transfer_id": t.id, "contract_id": t.contract_id, "budget_id": t.budget_id,
            "child_id": t.child_id, "local_authority": t.local_authority, "stream": t.stream,
            "units": t.units, "amount_pence": t.release_pence, "released_at": t.created_at}


def funds_released(t: TransferRequest) -> Envelope:
    payload = FundsReleased(**_released(t)).model_dump(mode="json")
    return Envelope(type=FUNDS_RELEASED, producer="contracts", local_authority=t.local_authority,
                    correlation_id=t.id, payload=payload)


def funds_returned(t: TransferRequest, *, returned_at: datetime, reason: str) -> Envelope:
    payload = FundsReturned(**_released(t), returned_at=returned_at, reason=reason).model_dump(mode="json")
    return Envelope(type=FUNDS_RETURNED, producer="contracts", local_authority=t.local_authority,
                    correlation_id=t.id, payload=payload)


OWNED = {FUNDS_RELEASED: FundsReleased, FUNDS_RETURNED: FundsReturned}  # payload models of the events it owns
