"""CON-09: asking a family that provides a service itself (CON-06d) for evidence of delivery, recording what it
sent, and listing what is overdue. Nothing here touches the transfer, the contract or any money: a request not
evidenced is due a review by a person, never an automatic clawback."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import InvalidInput, RuleViolation
from kit.events import utcnow
from services.contracts import repository
from services.contracts.domain import delivery
from services.contracts.models import EvidenceRequest
from services.contracts.schemas import EvidenceCreate, EvidenceRequestCreate, EvidenceRequestRead, ReviewNeeded


async def ask_for_evidence(session: AsyncSession, *, transfer_id: str, body: EvidenceRequestCreate,
                           caller: Caller) -> EvidenceRequest:
    """Record a request for evidence of delivery on an approved, active family-provision transfer."""
    transfer = await repository.transfer(session, transfer_id, caller)
    why_not = delivery.refusal(route=transfer.route, status=transfer.status)
    if why_not:
        raise RuleViolation(why_not, rule="CON-09")
    now = utcnow()
    error = delivery.due_on_error(body.due_on, today=now.date())
    if error:
        raise InvalidInput.field("due_on", error, rule="CON-09")
    request = EvidenceRequest(
        id=str(uuid.uuid4()), transfer_id=transfer.id, local_authority=transfer.local_authority,
        child_id=transfer.child_id, what=body.what, due_on=body.due_on, status=delivery.OPEN,
        requested_by=caller.client_id, created_at=now)
    session.add(request)
    await session.flush()
    return request


async def record_evidence(session: AsyncSession, *, transfer_id: str, request_id: str, body: EvidenceCreate,
                          caller: Caller) -> EvidenceRequest:
    """Record the evidence received and close the request (late evidence closes it too), once."""
    request = await repository.evidence_request(session, request_id, caller, transfer_id=transfer_id, lock=True)
    if request.status == delivery.EVIDENCED:
        raise RuleViolation(f"evidence for request {request.id} was recorded already "
                            f"(received {request.received_on.isoformat()})", rule="CON-09")
    now = utcnow()
    error = delivery.received_on_error(body.received_on, asked_on=request.created_at.date(), today=now.date())
    if error:
        raise InvalidInput.field("received_on", error, rule="CON-09")
    request.status, request.received_on, request.evidence_description = delivery.EVIDENCED, body.received_on, \
        body.description
    request.evidenced_by, request.evidenced_at = caller.client_id, now
    await session.flush()
    return request


def evidence_request_view(r: EvidenceRequest, *, today: date) -> EvidenceRequestRead:
    status = delivery.state(due_on=r.due_on, evidenced=r.status == delivery.EVIDENCED, today=today)
    return EvidenceRequestRead(
        id=r.id, transfer_id=r.transfer_id, local_authority=r.local_authority, child_id=r.child_id, what=r.what,
        due_on=r.due_on, status=status, overdue=status == delivery.REVIEW_DUE,
        review=ReviewNeeded(reason=delivery.REVIEW_REASON) if status == delivery.REVIEW_DUE else None,
        requested_by=r.requested_by, created_at=r.created_at, received_on=r.received_on,
        description=r.evidence_description, evidenced_by=r.evidenced_by, evidenced_at=r.evidenced_at)
