"""Block contracts, their prices, reviews and family summaries: ``/v1/contracts`` and ``/v1/contracts/{id}``."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request

from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit, Page
from kit.service import SessionDep
from services.contracts.routers import Commissioner, Reader
from services.contracts.schemas import (
    ContractCreate,
    ContractRead,
    ReviewCreate,
    ReviewDue,
    ReviewRead,
    Summary,
)
from services.contracts.service import contracts
from services.contracts.service import reviews as reviewing

router = APIRouter(tags=["contracts"])


@router.post("", status_code=201, response_model=ContractRead, summary="Record a block contract")
async def create(body: ContractCreate, request: Request, session: SessionDep, caller: Commissioner,
                 key: IdempotencyKey = None):
    """Record a block contract the council holds with a provider (scope `commissioning`).

    The answer shows the **block unit price** (CON-01: `annual_value_pence ÷ contracted_units`, rounded down
    to the penny, with the pence left over in `block_unit_price.remainder_pence` and the sum in words), and
    the **personal-budget price of one unit** (CON-08: the marginal part plus a fair share of the
    `fixed_cost_percent` fixed costs, adding up exactly), and how many units may be released (CON-04:
    `max_release_percent` of the contracted units, keeping at least `min_retained_units`).

    `stream` is the budget stream releases go to (default `social_care`). `separable: false` needs an
    `inseparable_reason` (CON-02: refusals say why). `funders` gives co-funding shares in percent adding up to
    100 (default `{"council": 100}`), used for the whole-public-purse view of transfers (CON-06). `unit` is
    one unit, singular (`hour`, `session`). 422 names the field for bad input; 403 for an LA outside the
    token. Accepts `Idempotency-Key`."""
    async def produce():
        return 201, ContractRead.model_validate(await contracts.create_contract(session, body=body, caller=caller))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("", response_model=Page[ContractRead], summary="List block contracts")
async def list_contracts(session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None,
                         local_authority: str | None = Query(None, pattern=r"^E\d{8}$"),
                         service: str | None = Query(None, max_length=200)):
    """The contracts of the caller's LAs, newest first, optionally of one LA or one service (exact name).
    Scopes `commissioning`, `casework` or `read`."""
    page = await contracts.contracts_page(session, caller=caller, limit=limit, cursor=cursor,
                                          local_authority=local_authority, service=service)
    return Page[ContractRead].model_validate(page, from_attributes=True)


@router.get("/reviews-due", response_model=Page[ReviewDue], summary="Contracts due for review before renewal")
async def due(session: SessionDep, caller: Reader, limit: Limit = 100, cursor: Cursor = None,
              within_days: int = Query(90, ge=0, le=3650, description="Renewing within this many days")):
    """CON-03: contracts renewing within `within_days` days from today (default 90), and any whose renewal
    date has passed, that have no review recorded for that renewal; soonest first. `overdue` marks a renewal
    date in the past. Recording a review (`POST /v1/contracts/{id}/reviews`) takes a contract off the list.
    Pass `next_cursor` back as `cursor` for the next page."""
    page, next_cursor = await reviewing.reviews_due(session, caller=caller, within_days=within_days, limit=limit,
                                                    cursor=cursor)
    return Page[ReviewDue](items=[ReviewDue.model_validate(d) for d in page], next_cursor=next_cursor)


@router.get("/{contract_id}", response_model=ContractRead, summary="One block contract with its prices")
async def read(contract_id: str, session: SessionDep, caller: Reader):
    """The contract with its block unit price (CON-01), personal-budget unit price (CON-08) and release state
    (CON-04: limit, released so far, still available). Another LA's contract is 404."""
    return ContractRead.model_validate(await contracts.contract(session, contract_id=contract_id, caller=caller))


@router.get("/{contract_id}/summary", response_model=Summary, summary="Plain-English summary for families")
async def summary(contract_id: str, session: SessionDep, caller: Reader):
    """CON-07: what the contract provides, who provides it, what a unit costs, how much of it can go into a
    personal budget and why, how to ask, and when it is reviewed. `text` is the whole summary to show or send
    a family; `parts` holds each paragraph (`what`, `who`, `price`, `how_much`, `why`, `how_to_ask`,
    `review`); `figures` the numbers behind them."""
    return Summary.model_validate(await contracts.family_summary(session, contract_id=contract_id, caller=caller))


@router.post("/{contract_id}/reviews", status_code=201, response_model=ReviewRead,
             summary="Record a review before renewal")
async def review(contract_id: str, body: ReviewCreate, session: SessionDep, caller: Commissioner):
    """CON-03: record the review of a contract for its coming renewal (scope `commissioning`): `reviewed_on`
    (not in the future), `outcome` (`renew`, `vary`, `recommission`, `end`), whether `flexibility_added`,
    whether `families_involved`, and optionally `new_max_release_percent` (applies at once) and
    `next_renewal_date` / `new_end_date` (start the next review cycle). A new maximum below the units already
    released is refused (409, rule CON-04). `on_time` tells whether it was done at or before renewal."""
    return ReviewRead.model_validate(await reviewing.record_review(session, contract_id=contract_id, body=body,
                                                                 caller=caller))


@router.get("/{contract_id}/reviews", response_model=Page[ReviewRead], summary="Reviews of a contract")
async def reviews(contract_id: str, session: SessionDep, caller: Reader, limit: Limit = 100,
                  cursor: Cursor = None):
    """The reviews recorded for a contract, latest first (CON-03). Pass `next_cursor` back as `cursor` for the
    next page."""
    page, next_cursor = await reviewing.reviews_of(session, contract_id=contract_id, caller=caller, limit=limit,
                                                   cursor=cursor)
    return Page[ReviewRead](items=[ReviewRead.model_validate(r) for r in page], next_cursor=next_cursor)
