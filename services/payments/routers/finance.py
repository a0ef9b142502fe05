"""Finance totals of direct payments for reconciliation: ``/v1/payments/finance``."""
from __future__ import annotations

from fastapi import APIRouter, Response

from kit.auth import caller_with
from kit.reports import AsOf, LocalAuthority, report
from kit.service import SessionDep
from services.payments.schemas import PaymentTotals
from services.payments.service import finance

router = APIRouter(tags=["payments: finance totals"])
Reader = caller_with("finance", "read")


@router.get("/finance/totals", summary="Direct-payment totals per budget and stream, and per run",
            response_model=PaymentTotals)
async def totals(session: SessionDep, caller: Reader, local_authority: LocalAuthority, as_of: AsOf = None) -> Response:
    """What payments holds of the LA's money, for reconciliation with the budget ledger (`sendpb reconcile`;
    scope `finance` or `read`; another LA's code is a 403).

    `rows`, one per budget and stream of the LA's direct-payment agreements (`budget_id` or `stream` null for
    an agreement opened without one): `issued_pence`/`issued_count`, the payments sent to the bank (PAY-04),
    returned ones included; `returned_pence`/`returned_count`, the bank's returns; `recovered_pence`/
    `recovered_count`, confirmed recoveries (PAY-07); `repaid_pence`/`repaid_count`, repayments received under
    PAY-10 repayment plans. What the budget ledger should hold as payment postings is
    `issued_pence − returned_pence`, and as recovery postings `recovered_pence + repaid_pence`.

    `runs`, one per payment run: `recorded_total_pence`/`recorded_payments`, what the run recorded sending, and
    `file_total_pence`/`file_credits`, what its bank file carries (the run's payments sent to the bank).
    A payment whose run is unknown shows as a run with `run_date` and `status` null.

    `as_of` counts only what was recorded on or before that day (UTC). The totals are one report for the LA,
    not a paginated list: a row per budget and stream, a row per run."""
    caller.ensure_la(local_authority)
    return report(PaymentTotals.model_validate(await finance.totals(session, la=local_authority, as_of=as_of)))
