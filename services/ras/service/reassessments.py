"""BUD-12: re-assessment requests. The budget service asks for one when a change of circumstances is recorded
(``budget.reassessment_requested.v1``); it is due a bound of working days later (settings, per LA); the next
assessment of the child completes it (``service.assessments.assess``); one still open after its due date reads
as overdue, worked out from the day, so no job has to mark it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.auth import Caller
from kit.events import utcnow
from kit.tenancy import found
from services.ras import repository as repo
from services.ras.domain import reassessment
from services.ras.models import ReassessmentRequest
from services.ras.settings import RasSettings


@dataclass(frozen=True)
class Standing:
    """A request as it reads on ``today``: its own attributes, and ``overdue`` (BUD-12)."""

    row: ReassessmentRequest
    today: date

    def __getattr__(self, name: str) -> Any:
        if name == "row":  # not set yet (a copy being made): never look for it on itself
            raise AttributeError(name)
        return getattr(self.row, name)

    @property
    def received_at(self) -> datetime:
        return self.row.created_at

    @property
    def overdue(self) -> bool:
        return reassessment.is_overdue(status=self.row.status, due_by=self.row.due_by, today=self.today)


async def record(session: AsyncSession, *, source_event_id: str, budget_id: str, review_id: str | None,
                 plan_reference: str | None, local_authority: str, child_id: str, reason: str,
                 requested_on: date, settings: RasSettings) -> Standing:
    """Record the request asked for by one event, once (BUD-12): due the LA's bound of working days after the
    day the change was recorded. Raises ``reassessment.DueDateOutOfRange`` when that day cannot be a date."""
    due_by = reassessment.due_by(requested_on, settings.reassessment_working_days_for(local_authority))
    await repo.add_reassessment_request_once(session, {
        "id": str(uuid.uuid4()), "source_event_id": source_event_id, "budget_id": budget_id,
        "review_id": review_id, "plan_reference": plan_reference, "local_authority": local_authority,
        "child_id": child_id, "reason": reason, "requested_on": requested_on, "due_by": due_by,
        "status": reassessment.OPEN, "assessment_id": None, "completed_at": None, "created_at": utcnow()})
    return Standing(await repo.reassessment_request_of_event(session, source_event_id), clock.today())


async def complete_for(session: AsyncSession, *, local_authority: str, child_id: str, assessment_id: str,
                       completed_at: datetime) -> list[str]:
    """BUD-12: an assessment of the child completes every request open for the child in that LA (one new
    assessment answers every change recorded before it); the ids it completed."""
    return await repo.complete_open_reassessments(session, local_authority=local_authority, child_id=child_id,
                                                  assessment_id=assessment_id, completed_at=completed_at)


async def get_reassessment(session: AsyncSession, *, caller: Caller, request_id: str) -> Standing:
    """A request in the caller's LAs, or 404."""
    row = found(await repo.reassessment_request(session, caller, request_id), "re-assessment request", request_id)
    return Standing(row, clock.today())


async def list_reassessments(session: AsyncSession, *, caller: Caller, local_authority: str | None,
                             status: str | None, child_id: str | None, overdue: bool, limit: int,
                             cursor: str | None) -> tuple[list[Standing], str | None]:
    """Requests in the caller's LAs, newest first (``overdue``: only those still open past their due date)."""
    today = clock.today()
    rows, next_cursor = await repo.reassessment_requests(
        session, caller, local_authority=local_authority, status=status, child_id=child_id,
        overdue_on=today if overdue else None, limit=limit, cursor=cursor)
    return [Standing(row, today) for row in rows], next_cursor
