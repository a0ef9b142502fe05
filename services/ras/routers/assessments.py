"""``/v1/ras/assessments``: scoring a child's answers into an indicative amount per stream (RAS-02..06,
RAS-08)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.pagination import Cursor, Limit, Page
from kit.service import SessionDep
from services.ras.schemas import AssessmentCreate, AssessmentRead, LocalAuthority
from services.ras.service import assessments

router = APIRouter(prefix="/assessments", tags=["ras", "ras assessments"])
Casework = caller_with("casework")
Reader = caller_with("casework", "read", "ras-admin")


@router.post("", status_code=201, response_model=AssessmentRead, summary="Score a RAS assessment")
async def create_assessment(body: AssessmentCreate, request: Request, session: SessionDep, caller: Casework,
                            key: IdempotencyKey = None):
    """Score a child's answers on a published model version (scope `casework`) and record the result, which
    never changes afterwards. The result is **indicative** (RAS-05): a starting point for planning the
    provision.

    - `model_id` pins the version; without it the local authority's active model is used. A draft, or a
      model of another local authority, is refused.
    - `answers` maps **every** question id to one of its option ids (RAS-02): a missing answer, an unknown
      question or an unknown option is a 422 naming each field (`answers.<question_id>`), never a zero.
    - Per stream (RAS-08): `points` is the sum of that stream's answers; `indicative_pence` is `points ×
      pence_per_point` or the amount of the band the points fall in (RAS-03). A stream above the model's
      ceiling or outside every band is referred to panel (RAS-04): it is listed in `referred_streams` and
      has no amount.
    - `explanation` gives each question's answer, points and stream; `conversions` gives each stream's
      method and arithmetic in words, so a family can see how the figure was reached (RAS-06).
    - A re-assessment names the result it replaces in `supersedes_assessment_id` (the child's latest one).

    Emits `ras.assessment_completed.v1`. Send an `Idempotency-Key` to retry safely."""
    async def produce():
        row = await assessments.assess(session, caller=caller, body=body)
        return 201, AssessmentRead.model_validate(row).model_dump(mode="json")

    if key is None:  # kit's idempotent() would walk the body through jsonable_encoder: a third of the CPU
        status, content = await produce()
        return JSONResponse(content, status_code=status)
    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("", response_model=Page[AssessmentRead], summary="List assessments (e.g. a child's)")
async def list_assessments(session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None,
                           child_id: Annotated[str | None, Query(max_length=64)] = None,
                           local_authority: Annotated[LocalAuthority | None,
                                                      Query()] = None) -> Page[AssessmentRead]:
    """Assessments in the caller's local authorities, newest first; `child_id` gives one child's history,
    where each re-assessment names the result it superseded."""
    rows, next_cursor = await assessments.list_assessments(session, caller=caller, child_id=child_id,
                                                           local_authority=local_authority, limit=limit,
                                                           cursor=cursor)
    return Page[AssessmentRead](items=rows, next_cursor=next_cursor)


@router.get("/{assessment_id}", response_model=AssessmentRead,
            summary="Read an assessment and its explanation")
async def read_assessment(assessment_id: str, session: SessionDep, caller: Reader) -> AssessmentRead:
    """One recorded result with its full explanation (RAS-06). Another local authority's assessment is 404."""
    return AssessmentRead.model_validate(await assessments.get_assessment(session, caller=caller,
                                                                          assessment_id=assessment_id))
