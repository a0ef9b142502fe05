"""Request bodies as strict JSON: an integer is a JSON integer, a boolean a JSON boolean, a date an ISO-8601 string.

pydantic's lax mode would take ``true`` as 1 (pence, points, percent), ``"5"`` as 5, ``1`` as ``true`` and ``0`` as
1970-01-01: a client's mistake would be stored as a silent default instead of refused with a 422 naming the field
(found by fuzzing, tests/fuzz). Every service's request models are ``strict=True`` (``model_config``); dates,
datetimes and UUIDs, which JSON carries as strings, use the types below, which stay lax for ISO strings only;
a decimal takes a JSON number, not a string or a boolean.

Request models derive from ``Input``: strict, no unknown fields, and no text PostgreSQL cannot store. PostgreSQL
refuses the NUL character (``\\u0000``) in text, where SQLite stores it; found by fuzzing on PostgreSQL, where
such a request was a 500."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from kit.errors import NUL_MESSAGE

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("a date is a string YYYY-MM-DD")


def _iso_datetime(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value) and len(value) > 10:
        return value
    raise ValueError("a date-time is an ISO 8601 string, e.g. 2026-11-22T10:00:00Z")


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("a number is a JSON number")
    return value


IsoDate = Annotated[date, Field(strict=False), BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, Field(strict=False), BeforeValidator(_iso_datetime)]
Uuid = Annotated[uuid.UUID, Field(strict=False)]
JsonDecimal = Annotated[Decimal, Field(strict=False), BeforeValidator(_number)]

# Python's calendar, and so every date a service computes, ends on 9999-12-31. A date a year is planned from (an
# agreement's instalments, a plan period, the next review 12 months after one held) must leave that year inside
# it: a later one was a 500 on both backends. End dates stay free (9999-12-31 is a common "no end").
LAST_TO_PLAN_FROM = date(9998, 12, 31)


def _plannable(value: date) -> date:
    if value > LAST_TO_PLAN_FROM:
        raise PydanticCustomError("date_too_late", "must be on or before {last}: the year after it is planned",
                                  {"last": LAST_TO_PLAN_FROM.isoformat()})
    return value


PlanDate = Annotated[IsoDate, AfterValidator(_plannable)]


def up_to(days_ahead: int, why: str) -> object:
    """A date checked against today (``kit.clock``): on or before today + ``days_ahead``. A date far ahead is a
    typing slip or a probe (9999-12-31 would outrank every real change, or never fall due), so it is a 422 naming
    the field; the range is stated in the OpenAPI schema (the description, and ``x-latest-days-ahead``)."""
    def check(value: date) -> date:
        from kit import clock

        latest = clock.today().toordinal() + days_ahead
        if value.toordinal() > latest:
            raise PydanticCustomError("date_too_far_ahead", "must be on or before {latest} (today + {days} days): "
                                      "{why}", {"latest": date.fromordinal(latest).isoformat(), "days": days_ahead,
                                                "why": why})
        return value

    when = "today" if days_ahead == 0 else f"today + {days_ahead} days"
    return Annotated[IsoDate, AfterValidator(check),
                     Field(description=f"On or before {when}: {why}.",
                           json_schema_extra={"x-latest-days-ahead": days_ahead})]


def within_years(later: date, earlier: date, years: int) -> bool:
    """``later`` is no more than ``years`` years after ``earlier`` (29 February counts as 28th in a short year)."""
    try:
        limit = earlier.replace(year=earlier.year + years)
    except ValueError:
        limit = earlier.replace(year=earlier.year + years, day=28)
    return later <= limit


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(v) for v in value)
    return False  # a nested Input checks its own fields


class Input(BaseModel):
    """A request body: strict JSON, no unknown fields, and text without the NUL character, which PostgreSQL
    refuses to store (a 422 naming the field, on every backend alike)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        if _holds_nul(value):
            raise PydanticCustomError("nul_character", NUL_MESSAGE)
        return value


class Read(BaseModel):
    """A response body, read from the attributes of what a use case returns (ORM rows, domain values, the small
    dataclasses of the service): never assembled by hand."""

    model_config = ConfigDict(from_attributes=True)
