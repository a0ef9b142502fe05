"""The domain's refusals: plain exceptions naming the rule that refuses (and, where one value of a request is at
fault, that field). ``app.py`` maps them to problem+json with the status and body callers have always had."""
from __future__ import annotations


class Refusal(Exception):
    """Base of the domain's refusals: ``detail`` for people, ``rule`` (a DOMAIN.md ID), ``errors`` per field, and
    ``extra`` members of the problem (ids the caller needs)."""

    def __init__(self, detail: str, *, rule: str | None = None, errors: list[dict[str, str]] | None = None,
                 **extra: object) -> None:
        super().__init__(detail)
        self.detail, self.rule, self.errors, self.extra = detail, rule, errors, extra


class Refused(Refusal):
    """A rule refuses the change (409, rule-violation)."""


class NotNow(Refusal):
    """The record's state does not allow the change (409, conflict): it was already done, or is not there yet."""


class Invalid(Refusal):
    """A value of the request cannot be accepted (422, naming the field)."""

    def __init__(self, field: str, message: str, *, rule: str | None = None) -> None:
        super().__init__(f"{field}: {message}", rule=rule, errors=[{"field": field, "message": message}])
