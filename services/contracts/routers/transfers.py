"""Transfer requests, moving part of a block contract into a child's personal budget: ``/v1/contracts/transfers``
and ``/v1/contracts/{id}/transfer-requests``."""
from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request

from kit.errors import InvalidInput
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit, Page
from kit.service import SessionDep
from services.contracts.routers import Reader, Requester
from services.contracts.schemas import TransferCreate, TransferRead, WithdrawRequest
from services.contracts.service import transfers

router = APIRouter(tags=["contract transfers"])


@router.get("/transfers", response_model=Page[TransferRead], summary="Transfer requests of a child or budget")
async def transfers_of(session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None,
                       child_id: str | None = Query(None, min_length=1, max_length=64),
                       budget_id: uuid.UUID | None = None):
    """Transfer requests across the caller's LAs for one `child_id` and/or one `budget_id`, newest first: what
    a family has asked for from block contracts and what was decided."""
    if child_id is None and budget_id is None:
        raise InvalidInput.field("child_id", "give child_id or budget_id")
    page = await transfers.transfers_page(session, caller=caller, limit=limit, cursor=cursor, child_id=child_id,
                                          budget_id=str(budget_id) if budget_id else None)
    return Page[TransferRead].model_validate(page, from_attributes=True)


@router.get("/transfers/{transfer_id}", response_model=TransferRead, summary="One transfer request")
async def read_transfer(transfer_id: str, session: SessionDep, caller: Reader):
    """A transfer request with its decision, reasons, public-purse view and whether it is still `active`."""
    return TransferRead.model_validate(await transfers.transfer(session, transfer_id=transfer_id, caller=caller))


@router.post("/transfers/{transfer_id}/withdraw", response_model=TransferRead, summary="Withdraw a transfer")
async def withdraw(transfer_id: str, body: WithdrawRequest, request: Request, session: SessionDep,
                   caller: Requester, key: IdempotencyKey = None):
    """Withdraw or end an approved transfer (`{reason}`; scope `commissioning` or `casework`). Its units and
    `release_pence` go back to the contract, and `contracts.funds_returned.v1` is published so the budget
    gives the money back. Only an `active` transfer can be withdrawn, once (409 otherwise). Accepts
    `Idempotency-Key`."""
    async def produce():
        transfer = await transfers.withdraw_transfer(session, transfer_id=transfer_id, reason=body.reason,
                                                     caller=caller)
        return 200, TransferRead.model_validate(transfer)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/{contract_id}/transfer-requests", status_code=201, response_model=TransferRead,
             summary="Ask to move part of a contract into a personal budget")
async def create_transfer(contract_id: str, body: TransferCreate, request: Request, session: SessionDep,
                          caller: Requester, key: IdempotencyKey = None):
    """Ask to release `units` of the contract into a child's personal budget (scope `commissioning` or
    `casework`). Every request is decided and recorded (201); `decision` is one of:

    - `declined`, with the refusing rule(s) in `reasons`: **CON-02** the child's share cannot be separated
      (the contract's reason is given), **CON-04** the release would pass the contract's maximum share or its
      minimum retained volume (counting every active release), **CON-05** the proposed cost (`units ×
      proposed_unit_price_pence`) is above the block cost of those units and no `exceptional_reason` is
      recorded, **CON-06** the route's evidence shows it is not value for money;
    - `evidence_required`: nothing refuses it but the route's evidence is incomplete; `missing_evidence` lists
      the keys and `reasons` says what each means;
    - `approved`: `release_pence` (the proposed cost, capped at the block cost unless exceptional, CON-05)
      moves to the budget's stream and `contracts.funds_released.v1` is published.

    Evidence keys per `route` (CON-06):

    - `alternative_supplier` (a): `supplier_name`, `meets_outcomes` (bool), `quality_equivalent` (bool),
      `price_held_until` (date, not past), and a unit price below the block's;
    - `combined_services` (b): `combined_with` (list), `total_cost_before_pence`, `total_cost_after_pence`
      (lower);
    - `pooled_purchase` (c): `pool_members` (≥ 2), `pooling_agreement`, `fair_share_basis`,
      `sustainable_until` (date);
    - `family_provision` (d): `provided_by`, `wishes_recorded_on` (date); delivery evidence may be asked for
      later.

    A known key of the wrong kind is a 422 naming `evidence.<key>`.

    `public_purse` shows the cost of these units to each funder of the contract (e.g. council and ICB) under
    the block (`before`), through the personal budget (`after`) and the `change`: the whole public purse
    counts. Concurrent requests against one contract are decided one at a time. Accepts `Idempotency-Key`."""
    async def produce():
        transfer = await transfers.request_transfer(session, contract_id=contract_id, body=body, caller=caller)
        return 201, TransferRead.model_validate(transfer)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/{contract_id}/transfer-requests", response_model=Page[TransferRead],
            summary="Transfer requests of a contract")
async def list_transfers(contract_id: str, session: SessionDep, caller: Reader, limit: Limit = 50,
                         cursor: Cursor = None):
    """The contract's transfer requests, newest first."""
    page = await transfers.transfers_of_contract(session, contract_id=contract_id, caller=caller, limit=limit,
                                                 cursor=cursor)
    return Page[TransferRead].model_validate(page, from_attributes=True)
