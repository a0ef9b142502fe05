"""The budget's ledger (BUD-08): reading it, finance's commitments and their reversals."""
from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from kit.errors import InvalidInput
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit
from kit.service import SessionDep
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Finance, LedgerReader, stored
from services.budget.schemas import CommitmentCreate, LedgerPage, ReversalCreate, TransactionId
from services.budget.service import budgets, ledger, money

router = APIRouter(dependencies=[AUDIT])  # each route keeps the tag it was documented under


@router.get("/{budget_id}/ledger", summary="The budget's ledger", tags=["budgets"], response_model=LedgerPage)
async def read_ledger(
    budget_id: str,
    session: SessionDep,
    caller: LedgerReader,
    limit: Limit = 100,
    cursor: Cursor = None,
    # Kept for the callers that paged with it before the ledger took a cursor (out of the document: lists page
    # with limit and cursor).
    before: int | None = Query(None, ge=1, le=2**63 - 1, include_in_schema=False),
) -> LedgerPage:
    """Every movement of money on the budget, newest first (BUD-08): each transaction has `kind`, a
    plain-English `memo` and double entries `{stream, account, amount_pence}` (debit positive, credit
    negative) summing to 0. Corrections appear as reversals, never as edits. `{items, next_cursor}`: pass
    `next_cursor` as `cursor` for the next page. `next_before` is the same place as a transaction id, for callers
    that page with `before` (still accepted)."""
    budget = await budgets.load(session, budget_id, caller)
    return LedgerPage.model_validate(await ledger.page(session, budget, limit=limit, cursor=cursor, before=before))


@router.post("/{budget_id}/commitments", status_code=201, summary="Commit money on a stream",
             tags=[AFTER_AGREEMENT], response_model=TransactionId)
async def commit(
    budget_id: str,
    body: CommitmentCreate,
    request: Request,
    session: SessionDep,
    caller: Finance,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Set money aside on a stream for something ordered (positive) or free it (negative): `committed_pence`
    rises and `available_pence` falls by the same amount (BUD-08). Returns `{transaction_id}`."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        if body.amount_pence == 0:
            raise InvalidInput.field("amount_pence", "must not be 0")
        txn = await money.book_commitment(
            session, budget, stream=body.stream, amount_pence=body.amount_pence, memo=body.memo
        )
        return 201, stored(TransactionId(transaction_id=txn))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/{budget_id}/ledger/{transaction_id}/reversal", status_code=201, summary="Reverse a commitment",
             tags=[AFTER_AGREEMENT], response_model=TransactionId)
async def reverse(
    budget_id: str, body: ReversalCreate, request: Request, session: SessionDep, caller: Finance,
    transaction_id: int = Path(ge=1, le=2**63 - 1, description="The id of the ledger transaction to reverse"),
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Correct a commitment by a reversing transaction (entries are never edited, BUD-08). Other kinds are
    corrected by the events of the service that booked them (409 `rule: BUD-08`); a second reversal is 409.
    Send an `Idempotency-Key`: a retry replays the first response instead of the 409."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        reversal = await money.reverse(session, budget, transaction_id=transaction_id, reason=body.reason)
        return 201, stored(TransactionId(transaction_id=reversal))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
