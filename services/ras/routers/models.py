"""``/v1/ras/models``: RAS model versions (RAS-01, RAS-03, RAS-04) and calibration (RAS-07)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from kit.auth import caller_with
from kit.pagination import Cursor, Limit, Page
from kit.service import SessionDep, settings_of
from services.ras.schemas import (
    CalibrationCreate,
    CalibrationRead,
    LocalAuthority,
    ModelCreate,
    ModelRead,
    ModelSummary,
    ModelVersionCreate,
)
from services.ras.service import calibration, questionnaires

router = APIRouter(prefix="/models", tags=["ras", "ras models"])
Admin = caller_with("ras-admin")
Reader = caller_with("ras-admin", "casework", "read")


@router.post("", status_code=201, response_model=ModelRead, summary="Create a RAS model (version 1, draft)")
async def create_model(body: ModelCreate, session: SessionDep, caller: Admin) -> ModelRead:
    """Create version 1 of a RAS model as a **draft** (scope `ras-admin`).

    A model is a questionnaire: each question sits in a domain (e.g. the Every Child Matters outcomes plus
    family and carers) and is tagged to one stream; each answer option carries whole points (RAS-01). Each
    stream with questions converts its points to money by `price_per_point` (`points × pence_per_point`) or
    by `bands` (a step table, RAS-03). Each stream's points above `ceiling_points` are referred to panel
    (RAS-04).

    A draft may be incomplete: the response's `validation` lists every problem that would stop it being
    published (duplicate ids, a stream without a conversion, bands that overlap, leave a gap or do not
    reach the ceiling). `services/ras/examples/ecm_model.json` is a ready-to-use example."""
    return ModelRead.model_validate(await questionnaires.create_model(session, caller=caller, body=body))


@router.get("", response_model=Page[ModelSummary], summary="List RAS model versions")
async def list_models(session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None,
                      local_authority: Annotated[LocalAuthority | None, Query()] = None,
                      lineage_id: Annotated[str | None, Query(max_length=36)] = None) -> Page[ModelSummary]:
    """Model versions in the caller's local authorities, newest first; filter by `local_authority` or by
    `lineage_id` (every version of one model)."""
    rows, next_cursor = await questionnaires.list_models(session, caller=caller, local_authority=local_authority,
                                                         lineage_id=lineage_id, limit=limit, cursor=cursor)
    return Page[ModelSummary](items=rows, next_cursor=next_cursor)


@router.get("/active", response_model=ModelRead, summary="The local authority's active RAS model",
            responses={404: {"description": "The local authority has no published model yet, or it is not one of "
                                            "the caller's local authorities (never revealed which)."}})
async def active_model(session: SessionDep, caller: Reader,
                       local_authority: Annotated[LocalAuthority, Query()]) -> ModelRead:
    """The version new assessments are scored on when they name no `model_id`: the local authority's most
    recently published version. 404 when it has none (or is not one of the caller's local authorities)."""
    return ModelRead.model_validate(await questionnaires.active_model(session, caller=caller,
                                                                      local_authority=local_authority))


@router.get("/{model_id}", response_model=ModelRead, summary="Read a RAS model version")
async def read_model(model_id: str, session: SessionDep, caller: Reader) -> ModelRead:
    """One model version, draft or published, with its validation report and whether it is the LA's active
    model. Published versions stay readable after a newer one is published. Another LA's model is 404."""
    return ModelRead.model_validate(await questionnaires.read_model(session, caller=caller, model_id=model_id))


@router.post("/{model_id}/versions", status_code=201, response_model=ModelRead,
             summary="Edit a model: create its next version (draft)")
async def create_version(model_id: str, body: ModelVersionCreate, session: SessionDep,
                         caller: Admin) -> ModelRead:
    """Editing is always by new version: a published version never changes (RAS-01). The body is the whole new
    content (questions, conversions, ceiling; `name` defaults to the source's); the new draft gets the next
    version number of the same model (`lineage_id`) and names its source in `previous_version_id`. Publish it
    to make it the active model. A calibration's `proposed_conversions` can be used here as they are."""
    return ModelRead.model_validate(await questionnaires.create_version(session, caller=caller, model_id=model_id,
                                                                        body=body))


@router.post("/{model_id}/publish", response_model=ModelRead,
             summary="Publish a draft: it becomes the active model")
async def publish_model(model_id: str, session: SessionDep, caller: Admin) -> ModelRead:
    """Publish a draft version: from now on it never changes and it is the local authority's active model
    (earlier versions stay readable and their assessments keep pointing at them).

    An invalid model is refused with 422 listing **every** problem in `errors` (`{field, message, rule}`).
    Publishing a version that is already published is refused with 409 and rule `RAS-01`."""
    return ModelRead.model_validate(await questionnaires.publish(session, caller=caller, model_id=model_id))


@router.post("/{model_id}/calibrations", response_model=CalibrationRead,
             summary="Calibrate: a what-if (RAS-07)")
async def calibrate(model_id: str, body: CalibrationCreate, request: Request, session: SessionDep,
                    caller: Admin) -> CalibrationRead:
    """Given the money available per stream (`available_pence`) less a `contingency_percent` reserve (default:
    the LA's configured DEFAULT, 5 %), propose per stream the conversion under which the cohort's total
    fits (RAS-07). **Nothing changes**: the proposal is returned as `proposed_conversions`, ready to post
    as a new version.

    - `price_per_point` streams: the **largest** whole pence per point whose cohort total fits, so less
      than one penny per point of the money is left unallocated.
    - `bands` streams: the largest uniform scale in whole basis points (10,000 = unchanged), applied to
      every band amount and rounded down to the penny.
    - Rounding never overspends: the reserve is rounded up, everything else down (see `rounding`).

    `cohort`: assessment ids on any version of this model, or null for every current (not superseded)
    assessment on it. Points are those scored at the time. Assessments referred to panel in a stream (above
    the ceiling or outside the bands) are counted in `referred` and left out of the projection: the panel
    decides them. 422 for an empty cohort, unknown ids, or a stream whose cohort has no points to price."""
    return await calibration.calibrate(session, caller=caller, settings=settings_of(request),
                                       model_id=model_id, body=body)
