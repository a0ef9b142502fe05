"""Finance totals of the budget ledger for reconciliation: ``/finance/totals``, a fixed path."""
from __future__ import annotations

from fastapi import APIRouter, Response

from kit.reports import AsOf, LocalAuthority, report
from kit.service import SessionDep
from services.budget.routers.access import LedgerReader
from services.budget.schemas import LedgerTotals
from services.budget.service import finance

router = APIRouter(tags=["budgets: finance totals"])


@router.get("/finance/totals", summary="Ledger totals per budget and stream", response_model=LedgerTotals)
async def totals(session: SessionDep, caller: LedgerReader, local_authority: LocalAuthority,
                 as_of: AsOf = None) -> Response:
    """What the budget ledger holds of the LA's money (BUD-08), for reconciliation with payments and contracts
    (`sendpb reconcile`; scope `finance` or `read`; another LA's code is a 403).

    `rows`, one per budget and stream with money on it:
    - postings booked from other services' events: `payments_pence` (direct payments spent, from
      `payments.payment_issued.v1`), `recoveries_pence` (confirmed recoveries given back, from
      `payments.recovery_confirmed.v1`), `released_pence` and `returned_pence` (funds released from block
      contracts and given back to them, from `contracts.funds_released.v1` / `contracts.funds_returned.v1`);
    - balances: `agreed_pence`, `released_total_pence` (released less returned), `committed_pence`,
      `spent_pence` and `available_pence` = agreed + released − committed − spent, which must not be below zero.

    `as_of` counts only postings made on or before that day (UTC). The totals are one report for the LA, not a
    paginated list."""
    caller.ensure_la(local_authority)
    return report(LedgerTotals.model_validate(await finance.totals(session, la=local_authority, as_of=as_of)))
