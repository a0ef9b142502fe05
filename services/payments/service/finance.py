"""Finance totals of direct payments for reconciliation with the budget ledger (``sendpb reconcile``): what was
issued, returned and recovered per budget and stream (PAY-04, PAY-07), and what each run recorded against what its
bank file carries. The body is the dict ``kit.reports.report`` encodes at once (a large LA has tens of thousands of
rows, where a model per row would dominate)."""
from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit.reports import until
from services.payments import repository

MEASURES = ("issued", "returned", "recovered", "repaid")


async def totals(session: AsyncSession, *, la: str, as_of: date | None) -> dict:
    """The LA's totals as of the end of ``as_of`` (UTC; None: everything recorded)."""
    window = until(as_of)
    rows: dict[tuple, dict] = {}
    for budget_id, stream, measure, pence, count in await repository.money_by_budget(
            session, la=la, until=window):
        row = rows.setdefault((budget_id, stream), {"budget_id": budget_id, "stream": stream, **{
            f"{m}_{what}": 0 for m in MEASURES for what in ("pence", "count")}})
        row[f"{measure}_pence"] += int(pence or 0)
        row[f"{measure}_count"] += int(count)
    recorded, files = await repository.run_file_totals(session, la=la, until=window)
    runs = {run_id: {"run_id": run_id, "run_date": run_date, "status": status, "recorded_total_pence": int(total),
                     "recorded_payments": int(count), "file_total_pence": 0, "file_credits": 0}
            for run_id, run_date, status, total, count in recorded}
    for run_id, pence, count in files:
        run = runs.setdefault(run_id, {"run_id": run_id, "run_date": None, "status": None, "recorded_total_pence": 0,
                                       "recorded_payments": 0})
        run["file_total_pence"], run["file_credits"] = int(pence or 0), int(count)
    key = lambda row: (row["budget_id"] or "", row["stream"] or "")  # noqa: E731
    return {"local_authority": la, "as_of": as_of,
            "rows": sorted(rows.values(), key=key), "runs": list(runs.values())}
