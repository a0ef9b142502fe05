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
from kit.pagination import Paged
from services.contracts import repository
from services.contracts.domain import delivery
from services.contracts.models import EvidenceRequest
from services.contracts.schemas import EvidenceCreate, EvidenceRequestCreate
from services.contracts.service import AsOf


class Standing(AsOf):
    """An evidence request as it stands on ``today`` (CON-09): worked out from its due date, so no job has to
    mark it; not evidenced by then is due a review by a person, never an automatic clawback."""

    @property
    def status(self) -> str:
        return delivery.state(due_on=self.row.due_on, evidenced=self.row.status == delivery.EVIDENCED,
                              today=self.today)

    @property
    def overdue(self) -> bool:
        return self.status == delivery.REVIEW_DUE

    @property
    def review(self) -> delivery.ReviewNeeded | None:
        return delivery.ReviewNeeded() if self.overdue else None

    @property
    def description(self) -> str | None:
        return self.row.evidence_description


async def ask_for_evidence(session: AsyncSession, *, transfer_id: str, body: EvidenceRequestCreate,
                           caller: Caller) -> Standing:
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
    return Standing(request, now.date())


async def record_evidence(session: AsyncSession, *, transfer_id: str, request_id: str, body: EvidenceCreate,
                          caller: Caller) -> Standing:
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
    return Standing(request, now.date())



async def evidence_of_transfer(session: AsyncSession, *, transfer_id: str, caller: Caller, limit: int,
                               cursor: str | None) -> Paged[Standing]:
    """The evidence of delivery asked for on one of the caller's transfers (404 otherwise), newest first."""
    transfer = await repository.transfer(session, transfer_id, caller)
    rows = await repository.evidence_requests_page(session, caller, limit=limit, cursor=cursor,
                                                   transfer_id=transfer.id)
    return _standing(rows, limit=limit)


async def evidence_requests(session: AsyncSession, *, caller: Caller, limit: int, cursor: str | None,
                            overdue: bool, local_authority: str | None) -> Paged[Standing]:
    """Evidence requests across the caller's LAs (or one), newest first; ``overdue`` keeps those not evidenced
    by their due date, each due a review (CON-09)."""
    today = utcnow().date()
    rows = await repository.evidence_requests_page(session, caller, limit=limit, cursor=cursor,
                                                   local_authority=local_authority,
                                                   overdue_on=today if overdue else None)
    return _standing(rows, limit=limit, today=today)


def _standing(rows: list[EvidenceRequest], *, limit: int, today: date | None = None) -> Paged[Standing]:
    page = Paged.of(rows, limit=limit)
    today = today or utcnow().date()
    return Paged([Standing(r, today) for r in page.items], page.next_cursor)
