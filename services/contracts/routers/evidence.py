"""Evidence of delivery (CON-09) on transfers where the family provides the service itself:
``/v1/contracts/transfers/{id}/evidence-requests`` and ``/v1/contracts/evidence-requests``."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request

from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit, Page
from kit.service import SessionDep
from services.contracts.routers import Reader, Requester
from services.contracts.schemas import EvidenceCreate, EvidenceRequestCreate, EvidenceRequestRead
from services.contracts.service import evidence as delivery

router = APIRouter(tags=["evidence of delivery"])


@router.post("/transfers/{transfer_id}/evidence-requests", status_code=201, response_model=EvidenceRequestRead,
             summary="Ask for evidence that a family-provided service was delivered")
async def ask(transfer_id: str, body: EvidenceRequestCreate, request: Request, session: SessionDep,
              caller: Requester, key: IdempotencyKey = None):
    """CON-09: where the family provides the service itself (route `family_provision`, CON-06d), ask for
    evidence of delivery (scope `commissioning` or `casework`): `what` is asked for, by `due_on` (today or
    later, at most a year ahead; 422 naming `due_on` otherwise). Only on an approved, `active` family-provision
    transfer: any other route, or a transfer declined, withdrawn or refused, is a 409 naming CON-09. Another
    LA's transfer is 404. Nothing moves money. Accepts `Idempotency-Key`."""
    async def produce():
        made = await delivery.ask_for_evidence(session, transfer_id=transfer_id, body=body, caller=caller)
        return 201, EvidenceRequestRead.model_validate(made)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.post("/transfers/{transfer_id}/evidence-requests/{evidence_request_id}/evidence",
             response_model=EvidenceRequestRead, summary="Record the evidence of delivery received")
async def evidence(transfer_id: str, evidence_request_id: str, body: EvidenceCreate, request: Request,
                   session: SessionDep, caller: Requester, key: IdempotencyKey = None):
    """CON-09: record what the family provided (`received_on`, not in the future nor before the request;
    `description`) and close the request as `evidenced`, also after its due date. Evidence is recorded once: a
    second time is a 409 naming CON-09. Accepts `Idempotency-Key`."""
    async def produce():
        done = await delivery.record_evidence(session, transfer_id=transfer_id, request_id=evidence_request_id,
                                              body=body, caller=caller)
        return 200, EvidenceRequestRead.model_validate(done)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/transfers/{transfer_id}/evidence-requests", response_model=Page[EvidenceRequestRead],
            summary="Evidence requests of a transfer")
async def of_transfer(transfer_id: str, session: SessionDep, caller: Reader, limit: Limit = 50,
                      cursor: Cursor = None):
    """The evidence of delivery asked for on a transfer, newest first, each `open`, `evidenced` or
    `review_due` (CON-09)."""
    page = await delivery.evidence_of_transfer(session, transfer_id=transfer_id, caller=caller, limit=limit,
                                               cursor=cursor)
    return Page[EvidenceRequestRead].model_validate(page, from_attributes=True)


@router.get("/evidence-requests", response_model=Page[EvidenceRequestRead],
            summary="Evidence requests of the caller's LAs, or those overdue")
async def listed(session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None,
                 overdue: bool = Query(False, description="Only those not evidenced by their due date"),
                 local_authority: str | None = Query(None, pattern=r"^E\d{8}$")):
    """Evidence requests across the caller's LAs (or one `local_authority`), newest first. With
    `overdue=true`, only those not evidenced by their due date: each is `review_due`, with `review.reason`
    "not evidenced: a review, never an automatic clawback (CON-09)". A review is for a person to hold: nothing
    moves money and no units go back to the contract automatically."""
    page = await delivery.evidence_requests(session, caller=caller, limit=limit, cursor=cursor, overdue=overdue,
                                            local_authority=local_authority)
    return Page[EvidenceRequestRead].model_validate(page, from_attributes=True)

