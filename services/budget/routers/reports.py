"""Reports: the SEN2 return (BUD-11, ``/sen2``, a fixed path) and a budget's family statement."""
from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from kit.pagination import Limit
from kit.service import SessionDep
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Reader
from services.budget.service import budgets, reporting

router = APIRouter(tags=[AFTER_AGREEMENT], dependencies=[AUDIT])


@router.get("/sen2", summary="SEN2 personal-budget fields")
async def sen2(session: SessionDep, caller: Reader, local_authority: str = Query(pattern=r"^[EWSN]\d{8}$"),
               limit: Limit = 500, cursor: str | None = Query(None, max_length=36)) -> dict:
    """BUD-11: per plan of the LA, `has_personal_budget` (Y/N, Y once agreed), `organised_arrangements` (Y/N:
    any notional provision), `direct_payment_funders` (E education, S social care, H health) and
    `direct_payment_funder_code` (one of those, or I integrated when more than one funds direct payments).
    `{items, next_cursor}`."""
    caller.ensure_la(local_authority)
    items, next_cursor = await reporting.sen2(session, local_authority, limit=limit, after=cursor)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{budget_id}/statement", summary="Family statement", response_model=None)
async def statement(
    budget_id: str, session: SessionDep, caller: Reader, format: str = Query("json", pattern="^(json|html)$")
) -> dict | HTMLResponse:
    """The family's statement: per stream what was indicated, agreed, released, spent and what is left, in
    plain English. `?format=html` gives a printable page."""
    data = await reporting.statement(session, await budgets.load(session, budget_id, caller))
    return HTMLResponse(reporting.statement_html(data)) if format == "html" else data
