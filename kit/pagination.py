"""Keyset pagination, newest first: ``limit`` and an opaque ``cursor``."""
from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, and_, or_

from kit.errors import InvalidInput

T = TypeVar("T")
Limit = Annotated[int, Query(ge=1, le=500, description="How many items, at most")]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor from the previous page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(created_at: datetime, ident: Any) -> str:
    raw = json.dumps([created_at.isoformat(), str(ident)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a cursor of ``encode_cursor`` holds; anything else (a forged cursor: not base64 or JSON, a
    time without a zone, one that does not exist in UTC) is a 422 naming it."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, ident = json.loads(raw)
        created_at = datetime.fromisoformat(created)
        if created_at.tzinfo is None:
            raise ValueError("a cursor's time has a zone")
        return created_at.astimezone(UTC), str(ident)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput.field("cursor", "not a cursor returned by this API") from exc


def newest_first(stmt: Select, created_col: Any, id_col: Any, *, limit: int, cursor: str | None) -> Select:
    if cursor:
        created, ident = decode_cursor(cursor)
        stmt = stmt.where(or_(created_col < created, and_(created_col == created, id_col < ident)))
    return stmt.order_by(created_col.desc(), id_col.desc()).limit(limit + 1)


def page_of(rows: list[Any], *, limit: int, created: str = "created_at", ident: str = "id") -> tuple[list, str | None]:
    """Split ``limit + 1`` rows into the page and the cursor of the next page (None on the last)."""
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(getattr(last, created), getattr(last, ident))


# Lists in another order than newest first (soonest due first, oldest first): keyset pagination on any columns, the
# last of them unique. The cursor holds the last row's values of those columns, typed back from the columns' types.
def encode_keys(*values: Any) -> str:
    """A cursor holding ``values`` (dates and times as ISO 8601)."""
    raw = json.dumps([v.isoformat() if isinstance(v, date | datetime) else v for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _python_type(column: Any) -> type:
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator (kit.db.UTCDateTime): what it wraps
    try:
        return kind.python_type
    except NotImplementedError:
        return object


def _typed(column: Any, value: Any) -> Any:
    kind = _python_type(column)
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a cursor's time has a zone")
        return moment.astimezone(UTC)
    if kind is date:
        return date.fromisoformat(value)
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError("not a whole number")
    if kind is str and not isinstance(value, str):
        raise ValueError("not a string")
    return value


def decode_keys(cursor: str, columns: Sequence[Any]) -> list[Any]:
    """The values a cursor of ``encode_keys`` holds, typed as ``columns``; anything else is a 422 naming it."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError("a cursor of another list")
        return [_typed(column, value) for column, value in zip(columns, values, strict=True)]
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput.field("cursor", "not a cursor returned by this API") from exc


def _after(columns: Sequence[Any], values: Sequence[Any], descending: bool) -> Any:
    """(c1, c2, …) after (v1, v2, …) in the order: c1 beyond v1, or equal and the rest after."""
    beyond = columns[0] < values[0] if descending else columns[0] > values[0]
    if len(columns) == 1:
        return beyond
    return or_(beyond, and_(columns[0] == values[0], _after(columns[1:], values[1:], descending)))


def keyset(stmt: Select, columns: Sequence[Any], *, limit: int, cursor: str | None,
           descending: bool = False) -> Select:
    """``stmt`` ordered by ``columns`` (ascending, or all descending), from after ``cursor``, ``limit + 1`` rows
    (``keyset_page`` splits off the one that says there is a next page)."""
    if cursor:
        stmt = stmt.where(_after(columns, decode_keys(cursor, columns), descending))
    return stmt.order_by(*(c.desc() if descending else c.asc() for c in columns)).limit(limit + 1)


def keyset_page(rows: Sequence[Any], *, limit: int, keys: Sequence[str]) -> tuple[list, str | None]:
    """Split ``limit + 1`` rows of ``keyset`` into the page and the cursor of the next (None on the last); ``keys``
    names the attributes of the ordering columns."""
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1]
    return list(rows[:limit]), encode_keys(*(getattr(last, key) for key in keys))
