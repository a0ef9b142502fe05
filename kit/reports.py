"""The finance reports that services serve for reconciliation (``GET /v1/<service>/finance/totals``): the query
parameters (the LA reported on and the date the report runs to) and the one response model they share."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Response
from pydantic import BaseModel, ConfigDict, Field

LocalAuthority = Annotated[str, Query(pattern=r"^[EWSN]\d{8}$", description="ONS code of the local authority")]
AsOf = Annotated[date | None, Query(
    ge=date(2000, 1, 1), le=date(2100, 12, 31),
    description="Count only movements recorded on or before this date (UTC days); all of them when left out.")]


def until(as_of: date | None) -> datetime | None:
    """The first moment after ``as_of`` (midnight UTC the next day): movements recorded before it count."""
    return None if as_of is None else datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC)


Row = TypeVar("Row")


class FinanceTotals(BaseModel, Generic[Row]):
    """A service's finance totals of one LA (``sendpb reconcile`` compares them): a row per budget and stream, read
    from the attributes of what the use case returns. Each service names its own row model; payments adds its runs
    (a subclass)."""

    model_config = ConfigDict(from_attributes=True)
    local_authority: str = Field(description="ONS code of the local authority reported on")
    as_of: date | None = Field(description="the last day (UTC) counted; null: everything recorded")
    rows: list[Row] = Field(description="one per budget and stream with money on it")


def report(body: BaseModel) -> Response:
    """The report as JSON, encoded at once by its model (pydantic's serialiser): a report has a row per budget and
    stream (tens of thousands in a large LA), where FastAPI would validate the model a second time and walk every
    value with its generic encoder. The route declares the model as its ``response_model`` for the document."""
    return Response(body.model_dump_json(), media_type="application/json")
