"""Use cases of the contracts service: load, call the domain, write state and outbox rows. Never commits: the
request's session (or the inbox's transaction, for events) commits what a use case did, in one transaction.

What a use case returns is read by the response models from its attributes: ORM rows (with what the domain
works out from them, see ``models.Contract``), or, where the answer depends on the day, an ``AsOf``."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any, TypeVar

from kit.errors import InvalidInput
from services.contracts.domain.terms import TermsInvalid

T = TypeVar("T")


@dataclass(frozen=True)
class AsOf:
    """A row as it reads on ``today``: its own attributes, and those a subclass works out from the day."""

    row: Any
    today: date

    def __getattr__(self, name: str) -> Any:
        if name == "row":  # not set yet (a copy being made): never look for it on itself
            raise AttributeError(name)
        return getattr(self.row, name)


def as_value(cls: type[T], row: Any) -> T:
    """The domain value ``cls`` (a dataclass) with its fields read from the row's attributes of the same names."""
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def invalid(exc: TermsInvalid) -> InvalidInput:
    """The 422 of a term that cannot hold, naming its field (and its rule)."""
    return InvalidInput.field(exc.field, exc.message, rule=exc.rule)
