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

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "transfer_id": "7b9d1f3a-5c7e-4a9b-8d1f-3a5c7e9b1d2f", "contract_id": "2e4a6c8e-0b2d-4f4a-9c6e-8a0c2e4b6d9f",
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "stream": "education", "units": 12, "amount_pence": 96000, "released_at": "2026-11-02T11:20:00Z"}]})
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

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "transfer_id": "7b9d1f3a-5c7e-4a9b-8d1f-3a5c7e9b1d2f", "contract_id": "2e4a6c8e-0b2d-4f4a-9c6e-8a0c2e4b6d9f",
        "budget_id": "3f6c2a1e-8b4d-4c1a-9e2f-5a7b8c9d0e11", "child_id": "C-104233", "local_authority": "E06000060",
        "stream": "education", "units": 12, "amount_pence": 96000, "released_at": "2026-11-02T11:20:00Z",
        "returned_at": "2027-01-15T09:00:00Z", "reason": "withdrawn: the family chose the school's own provision"}]})

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
