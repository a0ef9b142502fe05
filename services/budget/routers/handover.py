"""The handover to adult social care before a young person turns 18 (ELIG-14): the handovers prepared across the
caller's LAs (``/handovers``, a fixed path) and a budget's own summary."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kit.pagination import Cursor, Limit
from kit.service import SessionDep
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Reader, Trail
from services.budget.schemas import HandoverPage, HandoverRead
from services.budget.service import budgets, handover

router = APIRouter(tags=[AFTER_AGREEMENT], dependencies=[AUDIT])
LA_CODE = r"^[EWSN]\d{8}$"


@router.get("/handovers", summary="Handovers to adult social care (ELIG-14)")
async def list_handovers(session: SessionDep, caller: Reader, trail: Trail,
                         local_authority: Annotated[str | None, Query(
                             pattern=LA_CODE, description="One of the caller's LAs (ONS code); omitted: all of "
                                                          "them")] = None,
                         limit: Limit = 50, cursor: Cursor = None) -> HandoverPage:
    """ELIG-14: the young people whom eligibility told adult social care about before they turn 18
    (`eligibility.adulthood_approaching.v1`), most recently prepared first, `{items, next_cursor}`. Each names
    `turns_18_on`, `care_leaver`, the eligibility's part of the handover (`eligibility_summary`) and the open
    `budget_ids` whose summary is at `GET /v1/budgets/{budget_id}/handover`; `outcome` is `no_budget` when the
    young person had no open budget to hand over. An LA outside the caller's token is **403** naming
    `local_authority`."""
    page = await handover.listing(session, caller, local_authority=local_authority, limit=limit, cursor=cursor)
    trail.touched(*(b for h in page.items for b in h.budget_ids))
    return HandoverPage.model_validate(page)


@router.get("/{budget_id}/handover", summary="A budget's handover summary (ELIG-14)")
async def read_handover(budget_id: str, session: SessionDep, caller: Reader) -> HandoverRead:
    """ELIG-14: the budget's summary for adult social care, built from the budget as it stands: per stream what is
    agreed, committed and paid (`spent_pence`) (BUD-08), how the provision is held (`arrangements`: direct payment,
    third party, or managed by the council (notional)), each outcome of the plan with the provision serving it and
    the progress the latest review found, and the young person's own views (BUD-14), the next review, and the
    disputes still open, each with the next step open to the family (BUD-13). `summary` says it all in plain English.
    `turns_18_on`, `prepared_at` and `eligibility_summary` are null until eligibility has told adult social care.
    Another LA's budget is 404."""
    return HandoverRead.model_validate(await handover.of_budget(session, await budgets.load(session, budget_id,
                                                                                            caller)))
