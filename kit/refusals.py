"""A domain's refusal as the problem a caller sees, in one place for every service.

A domain stays pure (no FastAPI, nothing of kit.errors): it says no with a plain exception, or returns a refusal
value, carrying ``message`` (or ``detail``), and where they apply ``rule`` (the DOMAIN.md ID), ``field`` (the value
of the request at fault), ``invalid`` (the request itself is wrong), ``stream`` and ``details`` (more members of the
problem). ``as_problem`` reads those attributes: a refusal of the request is a 422 naming the field, one naming a
rule a 409 rule-violation carrying it, any other (the record's state does not allow it) a 409 conflict."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kit.errors import AppError, Conflict, InvalidInput, RuleViolation


def as_problem(refusal: Any) -> AppError:
    """The typed error (``kit.errors``) of a domain refusal, mapped to problem+json by the error handlers."""
    message = getattr(refusal, "message", None) or getattr(refusal, "detail", None) or str(refusal)
    rule, field = getattr(refusal, "rule", None), getattr(refusal, "field", None)
    error = InvalidInput if getattr(refusal, "invalid", False) else RuleViolation if rule else Conflict
    extra = dict(getattr(refusal, "details", None) or {})
    if stream := getattr(refusal, "stream", None):
        extra.setdefault("stream", stream)
    return error(f"{field}: {message}" if field else message, rule=rule,
                 errors=[{"field": field, "message": message}] if field else None, **extra)


@contextmanager
def refused(*kinds: type[Exception]) -> Iterator[None]:
    """Within the block, a domain exception of ``kinds`` becomes its problem (``as_problem``)."""
    try:
        yield
    except kinds as refusal:
        raise as_problem(refusal) from refusal
