"""The SEN2 return's personal-budget items (BUD-11) as the file the DfE's COLLECT takes, and the validation report
to read before submitting it. Fixed paths under ``/sen2``: mounted before budgets' ``GET /{budget_id}``."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kit.service import SessionDep, settings_of
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Reader, Trail
from services.budget.schemas import Sen2ValidationRead
from services.budget.service import sen2_return

router = APIRouter(tags=[AFTER_AGREEMENT], dependencies=[AUDIT])

LA_QUERY = Query(pattern=r"^[EWSN]\d{8}$", description="ONS code of the local authority, e.g. E06000060")
CENSUS_QUERY = Query(description="The SEN2 census (reference) date, e.g. 2027-01-21: the plans whose budget period "
                                 "covers it count, as they stood that day. From 2014-09-01 to a year ahead.")


@router.get("/sen2/file", summary="SEN2 return file (personal budgets)", response_class=Response,
            responses={200: {"content": {sen2_return.MEDIA_TYPE: {}, "text/xml": {}},
                             "description": "The SEN2 XML message (`text/xml` when only that is accepted)"},
                       409: {"description": "No DfE LA number configured for the LA"}})
async def sen2_file(request: Request, session: SessionDep, caller: Reader, trail: Trail,
                    local_authority: str = LA_QUERY, census_date: date = CENSUS_QUERY) -> Response:
    """BUD-11: the LA's SEN2 personal-budget items at the census date as the XML message the DfE's COLLECT takes
    (`application/xml`, downloaded as `SEN2_<year>_<LA number>_personal_budgets.xml`): the header (collection
    `SEN2`, year, reference date, the LA's DfE number) and per plan module 4's `PB` (1/0), `OA` (1/0) and `DP`
    (`E`, `S`, `H` or `I`), following the DfE's *Special educational needs person level survey 2025: guide*.
    The person, request and assessment items are the council's case-management system's: each plan carries the
    child's and plan's references (namespace `urn:sendpb:sen2:personal-budgets:1`) to be matched to them.
    Layout: docs/sen2.md. Read `GET /sen2/validation` first. A census date outside 2014-09-01 … a year ahead is
    **422** naming `census_date`; an LA outside the token's is **403**."""
    caller.ensure_la(local_authority)
    ret = await sen2_return.prepare(session, settings_of(request), local_authority, census_date)
    body = sen2_return.xml_file(ret)
    trail.touched(*(r.budget_id for r in ret.records))
    # RFC 7303: text/xml is the same XML under another name; a client that accepts only it gets it.
    accept = request.headers.get("accept", "")
    media_type = "text/xml" if "text/xml" in accept and sen2_return.MEDIA_TYPE not in accept else sen2_return.MEDIA_TYPE
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{ret.file_name}"'})


@router.get("/sen2/validation", summary="SEN2 return validation report", response_model=Sen2ValidationRead)
async def sen2_validation(request: Request, session: SessionDep, caller: Reader, trail: Trail,
                          local_authority: str = LA_QUERY, census_date: date = CENSUS_QUERY) -> Sen2ValidationRead:
    """BUD-11: before submitting, what is missing or inconsistent in the LA's SEN2 personal-budget items at the
    census date, per record (`reference`: the plan reference; the LA for the header) and SEN2 item (`field`):
    a budget agreed with no stream agreed (`PB`), agreed with no provision (`OA`), a direct payment whose stream no
    funder agreed (`DP`), a child with two plans at the census date (`Person`), one plan reference on two budgets
    (`NamedPlan`), no DfE LA number (`LEA`). `ready` is true when there are no errors. The records the file will
    hold come with it."""
    caller.ensure_la(local_authority)
    ret = await sen2_return.prepare(session, settings_of(request), local_authority, census_date)
    trail.touched(*(r.budget_id for r in ret.records))
    return Sen2ValidationRead.model_validate(ret)
