"""Finance totals of releases from block contracts, for reconciliation with the budget ledger (``sendpb
reconcile``)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.reports import until
from services.contracts import repository


async def totals(session: AsyncSession, *, caller: Caller, local_authority: str,
                 as_of: date | None) -> dict[str, Any]:
    """Released and returned pence and counts per budget and stream of one of the caller's LAs, up to ``as_of``.
    The body of ``kit.reports.report``, which encodes it at once: a large LA has tens of thousands of rows, too
    many to pass through a response model one by one."""
    caller.ensure_la(local_authority)
    rows = await repository.releases_by_budget(session, la=local_authority, until=until(as_of))
    return {"local_authority": local_authority, "as_of": as_of, "rows": rows}
