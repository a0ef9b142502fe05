"""Scoring an assessment against a pinned, published model version and recording the immutable result."""
from __future__ import annotations

import uuid
from dataclasses import asdict

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import Conflict, InvalidInput
from kit.events import utcnow
from kit.outbox import add_event
from kit.tenancy import found
from services.ras import repository as repo
from services.ras.domain.definition import ModelDefinition
from services.ras.domain.scoring import AnswersInvalid, Scored, StreamResult, score
from services.ras.events import assessment_completed
from services.ras.models import POINT_COLUMNS, Assessment, RasModel
from services.ras.schemas import AssessmentCreate
from services.ras.service import reassessments


async def get_assessment(session: AsyncSession, *, caller: Caller, assessment_id: str) -> Assessment:
    """An assessment in the caller's LAs, or 404."""
    return found(await repo.assessment(session, caller, assessment_id), "assessment", assessment_id)


async def list_assessments(session: AsyncSession, *, caller: Caller, child_id: str | None,
                           local_authority: str | None, limit: int,
                           cursor: str | None) -> tuple[list[Assessment], str | None]:
    """Assessments in the caller's LAs, newest first, and the next page's cursor."""
    return await repo.assessments(session, caller, child_id=child_id, local_authority=local_authority,
                                  limit=limit, cursor=cursor)


async def _pinned_model(session: AsyncSession, caller: Caller, body: AssessmentCreate) -> RasModel:
    """The model version the assessment is scored on: the one named, else the LA's active model."""
    if body.model_id is None:
        active = await repo.active_model(session, body.local_authority)
        if active is None:
            raise Conflict(f"local authority {body.local_authority} has no published RAS model yet; publish "
                           "one or give model_id",
                           errors=[{"field": "model_id", "message": "no active model"}])
        return active
    model = found(await repo.model(session, caller, body.model_id), "RAS model", body.model_id)
    if model.local_authority != body.local_authority:
        raise InvalidInput.field("model_id", f"this model belongs to {model.local_authority}, not "
                                             f"{body.local_authority}")
    if model.status != "published":
        raise InvalidInput.field("model_id", "this model version is a draft: only a published version scores "
                                             "assessments", rule="RAS-01")
    return model


async def _check_superseded(session: AsyncSession, caller: Caller, body: AssessmentCreate) -> None:
    earlier_id = body.supersedes_assessment_id
    if earlier_id is None:
        return
    earlier = await repo.assessment(session, caller, earlier_id)
    if earlier is None:
        raise InvalidInput.field("supersedes_assessment_id", f"assessment {earlier_id} was not found")
    if (earlier.child_id, earlier.local_authority) != (body.child_id, body.local_authority):
        raise InvalidInput.field("supersedes_assessment_id",
                                 "that assessment is of another child or local authority")
    later = await repo.superseded_by(session, earlier_id)
    if later is not None:
        raise Conflict(f"assessment {earlier_id} is already superseded by {later}; supersede the latest",
                       errors=[{"field": "supersedes_assessment_id",
                                "message": f"already superseded by {later}"}])


def _conversion(result: StreamResult) -> dict:
    band = result.band and {"min_points": result.band.min_points, "max_points": result.band.max_points,
                            "amount_pence": result.band.amount_pence}
    return {"method": result.method, "points": result.points, "pence_per_point": result.pence_per_point,
            "band": band, "amount_pence": result.amount_pence, "referred_to_panel": result.referred_to_panel,
            "arithmetic": result.arithmetic}


def _row(body: AssessmentCreate, model: RasModel, scored: Scored, caller: Caller) -> Assessment:
    row = Assessment(
        id=str(uuid.uuid4()), local_authority=body.local_authority, child_id=body.child_id, model_id=model.id,
        model_version=model.version, supersedes_assessment_id=body.supersedes_assessment_id,
        indicative_pence=scored.indicative_pence, total_indicative_pence=scored.total_indicative_pence,
        referred_to_panel=scored.referred_to_panel, referred_streams=scored.referred_streams,
        answers=dict(body.answers), explanation=[asdict(a) for a in scored.answers],
        conversions={s.stream: _conversion(s) for s in scored.streams},
        created_by=caller.client_id, created_at=utcnow())
    for stream, points in scored.points.items():
        setattr(row, POINT_COLUMNS[stream], points)
    return row


async def assess(session: AsyncSession, *, caller: Caller, body: AssessmentCreate) -> Assessment:
    """Score the answers (RAS-02..04, RAS-08), store the explained result (RAS-06) and announce it through the
    outbox in the same transaction. A re-assessment is a new result linked to the one it supersedes. The result
    completes the child's open re-assessment requests (BUD-12) and names them."""
    caller.ensure_la(body.local_authority)
    model = await _pinned_model(session, caller, body)
    await _check_superseded(session, caller, body)
    try:
        scored = score(ModelDefinition.from_dict(model.definition), body.answers)
    except AnswersInvalid as exc:
        first = exc.errors[0]
        raise InvalidInput(f"{len(exc.errors)} answer problem(s), every one listed in errors; first "
                           f"{first['field']}: {first['message']}", rule="RAS-02",
                           errors=exc.errors) from None
    row = _row(body, model, scored, caller)
    row.reassessment_request_ids = await reassessments.complete_for(  # BUD-12
        session, local_authority=row.local_authority, child_id=row.child_id, assessment_id=row.id,
        completed_at=row.created_at)
    session.add(row)
    try:
        await session.flush()  # a failed flush leaves the transaction to be rolled back at the boundary
    except IntegrityError:
        raise Conflict(f"assessment {body.supersedes_assessment_id} was superseded meanwhile; supersede the "
                       "latest result") from None
    await add_event(session, assessment_completed(row))
    return row
