"""Reports: the SEN2 fields (BUD-11, ``/sen2``, a fixed path) and a budget's family statement."""
from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from kit.pagination import Limit, Page
from kit.service import SessionDep
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Reader
from services.budget.schemas import Sen2PlanRead, StatementRead
from services.budget.service import budgets, reporting

router = APIRouter(tags=[AFTER_AGREEMENT], dependencies=[AUDIT])


@router.get("/sen2", summary="SEN2 personal-budget fields", response_model=Page[Sen2PlanRead])
async def sen2(session: SessionDep, caller: Reader, local_authority: str = Query(pattern=r"^[EWSN]\d{8}$"),
               limit: Limit = 500, cursor: str | None = Query(None, max_length=36, description=(
                   "next_cursor from the previous page"))) -> Page[Sen2PlanRead]:
    """BUD-11: per plan of the LA, `has_personal_budget` (Y/N, Y once agreed), `organised_arrangements` (Y/N:
    any notional provision), `direct_payment_funders` (E education, S social care, H health) and
    `direct_payment_funder_code` (one of those, or I integrated when more than one funds direct payments).
    Provision held by a third party counts as a direct payment (SEND Code of Practice 9.101), as in the SEN2
    file (`/sen2/file`). `{items, next_cursor}`, in the order of the budgets' ids."""
    caller.ensure_la(local_authority)
    paged = await reporting.sen2(session, local_authority, limit=limit, after=cursor)
    return Page[Sen2PlanRead].model_validate(paged, from_attributes=True)


@router.get("/{budget_id}/statement", summary="Family statement", response_model=StatementRead,
            responses={200: {"content": {"text/html": {}},
                             "description": "The statement as JSON, or with `?format=html` a printable page"}})
async def statement(
    budget_id: str, session: SessionDep, caller: Reader, format: str = Query("json", pattern="^(json|html)$")
) -> StatementRead | HTMLResponse:
    """The family's statement: per stream what was indicated, agreed, released, spent and what is left, in
    plain English. `?format=html` gives a printable page."""
    data = await reporting.statement(session, await budgets.load(session, budget_id, caller))
    return HTMLResponse(reporting.statement_html(data)) if format == "html" else StatementRead.model_validate(data)
