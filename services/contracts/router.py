"""HTTP endpoints of the contracts service, mounted under ``/v1/contracts``: block contracts, their prices,
reviews and family summaries. Transfer requests are in ``transfers_router``."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request

from kit.auth import caller_with
from kit.events import utcnow
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit, Page, page_of
from kit.service import SessionDep
from services.contracts import repository
from services.contracts.domain.summary import summarise
from services.contracts.schemas import (
    ContractCreate,
    ContractRead,
    ReviewCreate,
    ReviewDue,
    ReviewRead,
    Summary,
)
from services.contracts.service.contracts import contract_view, create_contract, facts
from services.contracts.service.reviews import record_review, review_view, reviews_due

router = APIRouter(tags=["contracts"])
Commissioner = caller_with("commissioning")
Reader = caller_with("commissioning", "casework", "read")


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
        return 201, contract_view(await create_contract(session, body=body, caller=caller))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("", response_model=Page[ContractRead], summary="List block contracts")
async def list_contracts(session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None,
                         local_authority: str | None = Query(None, pattern=r"^E\d{8}$"),
                         service: str | None = Query(None, max_length=200)):
    """The contracts of the caller's LAs, newest first, optionally of one LA or one service (exact name).
    Scopes `commissioning`, `casework` or `read`."""
    rows = await repository.contracts_page(session, caller, limit=limit, cursor=cursor,
                                           local_authority=local_authority, service=service)
    items, next_cursor = page_of(rows, limit=limit)
    return Page[ContractRead](items=[contract_view(c) for c in items], next_cursor=next_cursor)


@router.get("/reviews-due", response_model=list[ReviewDue], summary="Contracts due for review before renewal")
async def due(session: SessionDep, caller: Reader,
              within_days: int = Query(90, ge=0, le=3650, description="Renewing within this many days")):
    """CON-03: contracts renewing within `within_days` days from today (default 90), and any whose renewal
    date has passed, that have no review recorded for that renewal; soonest first. `overdue` marks a renewal
    date in the past. Recording a review (`POST /v1/contracts/{id}/reviews`) takes a contract off the list."""
    return await reviews_due(session, caller=caller, within_days=within_days, today=utcnow().date())


@router.get("/{contract_id}", response_model=ContractRead, summary="One block contract with its prices")
async def read(contract_id: str, session: SessionDep, caller: Reader):
    """The contract with its block unit price (CON-01), personal-budget unit price (CON-08) and release state
    (CON-04: limit, released so far, still available). Another LA's contract is 404."""
    return contract_view(await repository.contract(session, contract_id, caller))


@router.get("/{contract_id}/summary", response_model=Summary, summary="Plain-English summary for families")
async def summary(contract_id: str, session: SessionDep, caller: Reader):
    """CON-07: what the contract provides, who provides it, what a unit costs, how much of it can go into a
    personal budget and why, how to ask, and when it is reviewed. `text` is the whole summary to show or send
    a family; `parts` holds each paragraph (`what`, `who`, `price`, `how_much`, `why`, `how_to_ask`,
    `review`); `figures` the numbers behind them."""
    contract = await repository.contract(session, contract_id, caller)
    return Summary(contract_id=contract.id, **summarise(facts(contract)))


@router.post("/{contract_id}/reviews", status_code=201, response_model=ReviewRead,
             summary="Record a review before renewal")
async def review(contract_id: str, body: ReviewCreate, session: SessionDep, caller: Commissioner):
    """CON-03: record the review of a contract for its coming renewal (scope `commissioning`): `reviewed_on`
    (not in the future), `outcome` (`renew`, `vary`, `recommission`, `end`), whether `flexibility_added`,
    whether `families_involved`, and optionally `new_max_release_percent` (applies at once) and
    `next_renewal_date` / `new_end_date` (start the next review cycle). A new maximum below the units already
    released is refused (409, rule CON-04). `on_time` tells whether it was done at or before renewal."""
    return review_view(await record_review(session, contract_id=contract_id, body=body, caller=caller))


@router.get("/{contract_id}/reviews", response_model=list[ReviewRead], summary="Reviews of a contract")
async def reviews(contract_id: str, session: SessionDep, caller: Reader):
    """The reviews recorded for a contract, latest first (CON-03)."""
    contract = await repository.contract(session, contract_id, caller)
    return [review_view(r) for r in await repository.reviews_of(session, contract.id)]
