"""Who read or changed a budget: its audit log (``kit.audit``; reading it is not recorded)."""
from __future__ import annotations

from fastapi import APIRouter

from kit.pagination import Cursor, Limit
from kit.service import SessionDep
from services.budget.routers.access import AUDIT, AuditReader
from services.budget.schemas import AuditPage
from services.budget.service import audit, budgets

router = APIRouter(tags=["budgets"], dependencies=[AUDIT])


@router.get("/{budget_id}/audit", summary="Who read or changed the budget")
async def read_audit(budget_id: str, session: SessionDep, caller: AuditReader, limit: Limit = 100,
                     cursor: Cursor = None) -> AuditPage:
    """The budget's audit log, newest first (scope `read`; another LA's budget is 404): one record per read of
    the budget (itself, its ledger, statement, variations, reviews, or a list that showed it) and per change
    (every POST on it, its opening by a client, ICB funding applied through this API), with `client_id` (from
    the token), `kind` (`read`|`change`), `action` and `route`, `request_id` (the `X-Request-ID` of the
    request, as in the logs) and `occurred_at`. A change is recorded in its own transaction: refused changes
    leave no record. A read is recorded when it returned the budget: a failed read or a 404 leaves none.
    Reads of this log are not recorded. Changes made by events (opening from eligibility and RAS, ICB events
    over the broker, payments) are not requests of a client and are traced through their events.
    `{items, next_cursor}`."""
    budget = await budgets.load(session, budget_id, caller)
    return AuditPage.model_validate(await audit.history(session, budget, limit=limit, cursor=cursor))
