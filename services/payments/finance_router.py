"""Finance totals of direct payments for reconciliation: ``/v1/payments/finance``."""
from __future__ import annotations

from fastapi import APIRouter, Response

from kit.auth import caller_with
from kit.reports import AsOf, LocalAuthority, report, until
from kit.service import SessionDep
from services.payments import repository

router = APIRouter(tags=["payments: finance totals"])
Reader = caller_with("finance", "read")
MEASURES = ("issued", "returned", "recovered")


@router.get("/finance/totals", summary="Direct-payment totals per budget and stream, and per run")
async def totals(session: SessionDep, caller: Reader, local_authority: LocalAuthority, as_of: AsOf = None) -> Response:
    """What payments holds of the LA's money, for reconciliation with the budget ledger (`sendpb reconcile`;
    scope `finance` or `read`; another LA's code is a 403).

    `rows`, one per budget and stream of the LA's direct-payment agreements (`budget_id` or `stream` null for
    an agreement opened without one): `issued_pence`/`issued_count`, the payments sent to the bank (PAY-04),
    returned ones included; `returned_pence`/`returned_count`, the bank's returns; `recovered_pence`/
    `recovered_count`, confirmed recoveries (PAY-07). What the budget ledger should hold as payment postings is
    `issued_pence − returned_pence`, and as recovery postings `recovered_pence`.

    `runs`, one per payment run: `recorded_total_pence`/`recorded_payments`, what the run recorded sending, and
    `file_total_pence`/`file_credits`, what its bank file carries (the run's payments sent to the bank).
    A payment whose run is unknown shows as a run with `run_date` and `status` null.

    `as_of` counts only what was recorded on or before that day (UTC). The totals are one report for the LA,
    not a paginated list: a row per budget and stream, a row per run."""
    caller.ensure_la(local_authority)
    window = until(as_of)
    rows: dict[tuple, dict] = {}
    for budget_id, stream, measure, pence, count in await repository.money_by_budget(
            session, la=local_authority, until=window):
        row = rows.setdefault((budget_id, stream), {"budget_id": budget_id, "stream": stream, **{
            f"{m}_{what}": 0 for m in MEASURES for what in ("pence", "count")}})
        row[f"{measure}_pence"] += int(pence or 0)
        row[f"{measure}_count"] += int(count)
    recorded, files = await repository.run_file_totals(session, la=local_authority, until=window)
    runs = {run_id: {"run_id": run_id, "run_date": run_date, "status": status, "recorded_total_pence": int(total),
                     "recorded_payments": int(count), "file_total_pence": 0, "file_credits": 0}
            for run_id, run_date, status, total, count in recorded}
    for run_id, pence, count in files:
        run = runs.setdefault(run_id, {"run_id": run_id, "run_date": None, "status": None, "recorded_total_pence": 0,
                                       "recorded_payments": 0})
        run["file_total_pence"], run["file_credits"] = int(pence or 0), int(count)
    key = lambda row: (row["budget_id"] or "", row["stream"] or "")  # noqa: E731
    return report({"local_authority": local_authority, "as_of": as_of,
                   "rows": sorted(rows.values(), key=key), "runs": list(runs.values())})
