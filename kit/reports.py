"""Query parameters shared by the finance reports that services serve for reconciliation: the LA reported on
and the date the report runs to."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Query, Response

LocalAuthority = Annotated[str, Query(pattern=r"^[EWSN]\d{8}$", description="ONS code of the local authority")]
AsOf = Annotated[date | None, Query(
    ge=date(2000, 1, 1), le=date(2100, 12, 31),
    description="Count only movements recorded on or before this date (UTC days); all of them when left out.")]


def until(as_of: date | None) -> datetime | None:
    """The first moment after ``as_of`` (midnight UTC the next day): movements recorded before it count."""
    return None if as_of is None else datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC)


def report(body: dict[str, Any]) -> Response:
    """The report as JSON, encoded at once: a report has a row per budget and stream (tens of thousands in a large
    LA), where FastAPI's generic encoder would walk every value first. Dates become ISO strings."""
    return Response(json.dumps(body, default=date.isoformat, separators=(",", ":")), media_type="application/json")
