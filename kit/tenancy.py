"""Tenancy: every read is scoped to the caller's LAs; a record of another LA is simply not found."""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select

from kit.auth import Caller
from kit.errors import NotFound

S = TypeVar("S", bound=Select)


def scoped(stmt: S, la_column: Any, caller: Caller) -> S:
    return stmt.where(la_column.in_(caller.las))


def found(record: Any, what: str, ident: Any) -> Any:
    """The record, or a 404 that does not reveal whether it exists in another LA."""
    if record is None:
        raise NotFound(f"{what} {ident} was not found")
    return record
