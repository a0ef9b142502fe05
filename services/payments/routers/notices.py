"""Written notices on an agreement and their reconsideration: ``/v1/payments/agreements/{id}/notices``."""
from fastapi import APIRouter, Request

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit, Page
from kit.service import SessionDep
from services.payments.schemas import NoticeRead, Reconsideration, ReconsiderationDecision
from services.payments.service import agreements, notices

router = APIRouter(tags=["payments: agreements"])
Casework = caller_with("casework")
Reader = caller_with("casework", "finance", "read")


@router.get("/agreements/{agreement_id}/notices", response_model=Page[NoticeRead])
async def list_notices(agreement_id: str, session: SessionDep, caller: Reader, limit: Limit = 100,
                       cursor: Cursor = None) -> Page[NoticeRead]:
    """The written notices on the agreement, oldest first: suspensions and stops with their reasons (PAY-08),
    reductions under notice and their reconsideration (BUD-10), increases. Each carries the letter's text.
    Pass `next_cursor` back as `cursor` for the next page."""
    await agreements.find(session, caller, agreement_id)
    page, next_cursor = await notices.listed(session, agreement_id, limit=limit, cursor=cursor)
    return Page[NoticeRead](items=[NoticeRead.model_validate(n) for n in page], next_cursor=next_cursor)


@router.post("/agreements/{agreement_id}/notices/{notice_id}/reconsideration", response_model=NoticeRead)
async def ask_reconsideration(agreement_id: str, notice_id: str, body: Reconsideration, session: SessionDep,
                              caller: Casework) -> NoticeRead:
    """The family asks, once, for a reduction to be reconsidered, while its notice stands (BUD-10). Nothing
    changes until the decision."""
    await agreements.find(session, caller, agreement_id, lock=True)
    notice = await notices.find(session, agreement_id, notice_id)
    notices.ask_reconsideration(notice, body.reason)
    return NoticeRead.model_validate(notice)


@router.post("/agreements/{agreement_id}/notices/{notice_id}/reconsideration-decision", response_model=NoticeRead)
async def decide_reconsideration(agreement_id: str, notice_id: str, body: ReconsiderationDecision,
                                 request: Request, session: SessionDep, caller: Casework,
                                 key: IdempotencyKey = None):
    """The LA's decision on the reconsideration (BUD-10): `upheld` — the reduction applies from its date (at once
    if that has passed); `overturned` — it is withdrawn and the amount stays. Send an `Idempotency-Key`: a retry
    replays the first response."""

    async def produce():
        agreement = await agreements.find(session, caller, agreement_id, lock=True)
        notice = await notices.find(session, agreement_id, notice_id)
        await notices.decide_reconsideration(session, agreement, notice, outcome=body.outcome, reason=body.reason)
        return 200, NoticeRead.model_validate(notice)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)
