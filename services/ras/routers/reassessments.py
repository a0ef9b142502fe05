"""``/v1/ras/reassessments``: the swift re-assessments a change of circumstances asks for (BUD-12)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kit.auth import caller_with
from kit.pagination import Cursor, Limit, Page
from kit.service import SessionDep
from services.ras.schemas import LocalAuthority, ReassessmentRead, ReassessmentStatus
from services.ras.service import reassessments

router = APIRouter(prefix="/reassessments", tags=["ras", "ras re-assessments"])
Reader = caller_with("casework", "read", "ras-admin")


@router.get("", response_model=Page[ReassessmentRead], summary="List re-assessment requests (e.g. those overdue)")
async def list_reassessments(session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None,
                             local_authority: Annotated[LocalAuthority | None, Query()] = None,
                             status: Annotated[ReassessmentStatus | None, Query()] = None,
                             child_id: Annotated[str | None, Query(max_length=64)] = None,
                             overdue: Annotated[bool, Query(description="Only those still open past due_by")]
                             = False) -> Page[ReassessmentRead]:
    """Re-assessment requests in the caller's local authorities, newest first (BUD-12).

    A request is recorded when the budget service announces a change of circumstances
    (`budget.reassessment_requested.v1`, from `POST /v1/budgets/{id}/review-requests` with
    `circumstances_changed: true`). It is `open` and due by `due_by`: the local authority's bound of working
    days (Monday to Friday; 20 unless configured) after the day the change was recorded. The next assessment of
    that child (`POST /v1/ras/assessments`) completes it: `status: completed` with the `assessment_id`. A
    request still open after `due_by` is `overdue: true`; `overdue=true` lists only those."""
    items, next_cursor = await reassessments.list_reassessments(
        session, caller=caller, local_authority=local_authority, status=status, child_id=child_id,
        overdue=overdue, limit=limit, cursor=cursor)
    return Page[ReassessmentRead](items=[ReassessmentRead.model_validate(i) for i in items],
                                  next_cursor=next_cursor)


@router.get("/{reassessment_id}", response_model=ReassessmentRead, summary="Read a re-assessment request")
async def read_reassessment(reassessment_id: str, session: SessionDep, caller: Reader) -> ReassessmentRead:
    """One re-assessment request (BUD-12), with its due date and, once completed, the assessment that completed
    it. Another local authority's request is 404."""
    return ReassessmentRead.model_validate(await reassessments.get_reassessment(session, caller=caller,
                                                                                request_id=reassessment_id))
