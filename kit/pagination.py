"""Keyset pagination, newest first: ``limit`` and an opaque ``cursor``."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
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


@dataclass(frozen=True)
class Paged(Generic[T]):
    """What a use case returns for a list: one page of items and the cursor of the next (None on the last); a
    ``Page[...]`` response model reads it from its attributes."""

    items: list[T]
    next_cursor: str | None

    @classmethod
    def of(cls, rows: list[T], *, limit: int, created: str = "created_at", ident: str = "id") -> Paged[T]:
        """The page of the ``limit + 1`` rows a repository read (``page_of``)."""
        return cls(*page_of(rows, limit=limit, created=created, ident=ident))


def encode_cursor(created_at: datetime | date, ident: Any) -> str:
    """A cursor holding a row's key: its time (a date is its midnight UTC) and its id."""
    if not isinstance(created_at, datetime):
        created_at = datetime.combine(created_at, time(0), tzinfo=UTC)
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
