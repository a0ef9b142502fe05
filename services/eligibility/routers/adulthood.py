"""``/v1/eligibility/adulthood``: the young people approaching 18, whom adult social care is told about (ELIG-14)."""
from typing import Annotated

from fastapi import APIRouter, Query, Request

from kit.auth import caller_with
from kit.pagination import Cursor, Limit
from kit.service import SessionDep, settings_of
from services.eligibility import service
from services.eligibility.schemas import LA_CODE, AdulthoodPage, AdulthoodRead

router = APIRouter(tags=["eligibility"])
Reader = caller_with("casework", "read")


@router.get("/adulthood", response_model=AdulthoodPage, summary="Young people approaching 18 (ELIG-14)",
            responses={403: {"description": "local_authority is not one of the token's LAs"},
                       422: {"description": "Invalid input; `errors` names each field"}})
async def list_approaching_adulthood(
        request: Request, session: SessionDep, caller: Reader, limit: Limit = 50, cursor: Cursor = None,
        local_authority: Annotated[str | None, Query(pattern=LA_CODE)] = None,
        within_days: Annotated[int | None, Query(ge=0, le=3650, description=(
            "Turning 18 from today to this many days ahead; default the service's notice window "
            "(`SENDPB_ELIGIBILITY_ADULTHOOD_NOTICE_DAYS`, 183: about six months)"))] = None):
    """The children and young people of the caller's local authorities who turn 18 within `within_days`, and whose
    latest decision grants at least one stream (ELIG-14), soonest 18th birthday first. Each carries the
    eligibility handover in plain English (streams, arrangements, when decided, the transition plan, care
    leaver), and `announced_at`: when adult social care was told (`eligibility.adulthood_approaching.v1`, sent
    once per child by a scheduled job when they enter the notice window). Filter by `local_authority` (403 if it
    is not one of the token's). Paginated: pass `next_cursor` back as `cursor`."""
    items, next_cursor = await service.approaching(
        session, caller=caller, local_authority=local_authority, within_days=within_days,
        settings=settings_of(request), limit=limit, cursor=cursor)
    return AdulthoodPage(items=[AdulthoodRead.model_validate(i) for i in items], next_cursor=next_cursor)
