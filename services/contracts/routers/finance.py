"""Finance totals of releases from block contracts for reconciliation: ``/v1/contracts/finance``."""
from __future__ import annotations

from fastapi import APIRouter, Response

from kit.auth import caller_with
from kit.reports import AsOf, LocalAuthority, report
from kit.service import SessionDep
from services.contracts.schemas import ReleaseTotals
from services.contracts.service import finance

router = APIRouter(tags=["contracts: finance totals"])
FinanceReader = caller_with("finance", "read")


@router.get("/finance/totals", summary="Releases and returns per budget and stream", response_model=ReleaseTotals)
async def totals(session: SessionDep, caller: FinanceReader, local_authority: LocalAuthority,
                 as_of: AsOf = None) -> Response:
    """What contracts released from the LA's block contracts into personal budgets, for reconciliation with the
    budget ledger (`sendpb reconcile`; scope `finance` or `read`; another LA's code is a 403).

    `rows`, one per budget and stream: `released_pence`/`released_count`, approved transfers (CON-04), and
    `returned_pence`/`returned_count`, those given back to their contract since (withdrawn, or refused by the
    budget). What the budget ledger should hold as released postings, net of returns, is
    `released_pence − returned_pence`.

    `as_of` counts only what was recorded on or before that day (UTC). The totals are one report for the LA, not a
    paginated list."""
    totals = await finance.totals(session, caller=caller, local_authority=local_authority, as_of=as_of)
    return report(ReleaseTotals.model_validate(totals))
