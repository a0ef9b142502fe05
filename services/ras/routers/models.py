"""``/v1/ras/models``: RAS model versions (RAS-01, RAS-03, RAS-04) and calibration (RAS-07)."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BeforeValidator, Field

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
from services.ras.service import calibration, calibration_page, questionnaires

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


# The page's query parameters: the JSON body's inputs, one parameter per stream (`available_pence.<stream>`
# would be a dotted name that an HTML form and most clients handle badly). The page's form sends a field left
# empty as `name=`: that is "not given", as leaving it out is.
EmptyIsNone = BeforeValidator(lambda value: None if value == "" else value)
StreamPence = Annotated[Annotated[int, Field(ge=0, le=10**13)] | None, EmptyIsNone,
                        Query(description="Money available a year, in pence")]
Percent = Annotated[Annotated[Decimal, Field(ge=0, lt=100, decimal_places=2)] | None, EmptyIsNone,
                    Query(description="Reserve held back, e.g. 7.5; default: the LA's configured DEFAULT (5)")]
# Each id up to 64 characters, at most 100 of them: a link must stay well under the 8 KB of a URL that servers and
# proxies take; a larger cohort is calibrated with the JSON route.
# No NUL character, which PostgreSQL cannot take (kit.schemas.Input refuses it in the JSON body alike).
CohortIds = Annotated[list[Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]] | None,
                      Query(max_length=100, description="Assessment ids, repeated (`cohort=a&cohort=b`), at "
                                                        "most 100; none = every current assessment on the model")]
# No script runs on the page and its one form goes back to itself; it shows a cohort's money, so it is never
# cached, framed or sent on as a Referer.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
}


@router.get("/{model_id}/calibration.html", response_class=HTMLResponse,
            summary="Calibrate: the what-if as a page with charts (RAS-07)",
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                             "description": "The what-if as a plain-English HTML page"}})
async def calibration_what_if_page(
        model_id: str, request: Request, session: SessionDep, caller: Admin,
        education_pence: StreamPence = None, health_pence: StreamPence = None,
        social_care_pence: StreamPence = None, transport_pence: StreamPence = None,
        contingency_percent: Percent = None,
        cohort: CohortIds = None) -> HTMLResponse:
    """The calibration of `POST /v1/ras/models/{model_id}/calibrations` as a page an LA finance or commissioning
    officer reads (scope `ras-admin`, as the JSON): per stream, the figures (money available, contingency, to
    allocate, today's and the proposed conversion, the cohort's total under each, what is left unallocated), how
    the cohort's points are spread (a histogram) and the money line (points → indicative amount a year, today's
    conversion dashed and the proposed one solid), each chart with the same numbers as a table. A form on the page
    tries other figures. **Nothing changes**: it is the same what-if, with the same numbers, as the JSON.

    A GET, so the what-if is a link: bookmarked, sent to a colleague, opened again after the cohort has changed.
    The inputs are the JSON body's as query parameters: `<stream>_pence` for each stream's `available_pence`,
    `contingency_percent`, and `cohort` repeated (at most 100 ids; none: every current assessment on the model).
    Errors are the JSON route's, as problem+json: 422 with no stream's money, for a stream the model does not
    convert, for unknown cohort ids or a stream with nothing to price; another LA's model is 404."""
    available = {stream: pence for stream, pence in (
        ("education", education_pence), ("health", health_pence), ("social_care", social_care_pence),
        ("transport", transport_pence)) if pence is not None}
    view = await calibration_page.what_if(session, caller=caller, settings=settings_of(request), model_id=model_id,
                                          available=available, contingency_percent=contingency_percent,
                                          cohort=cohort)
    return HTMLResponse(calibration_page.page(view), headers=PAGE_HEADERS)
