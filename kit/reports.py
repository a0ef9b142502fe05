"""Query parameters shared by the finance reports that services serve for reconciliation: the LA reported on
and the date the report runs to."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Query

LocalAuthority = Annotated[str, Query(pattern=r"^[EWSN]\d{8}$", description="ONS code of the local authority")]
AsOf = Annotated[date | None, Query(
    ge=date(2000, 1, 1), le=date(2100, 12, 31),
    description="Count only movements recorded on or before this date (UTC days); all of them when left out.")]


def until(as_of: date | None) -> datetime | None:
    """The first moment after ``as_of`` (midnight UTC the next day): movements recorded before it count."""
    return None if as_of is None else datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC)
