"""Typed errors and their one mapping to RFC 9457 problem+json."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from kit.db import DatabaseBusy

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://sendpb.org/problems/"
log = logging.getLogger("sendpb.errors")
# PostgreSQL's SQLSTATE for text it cannot hold: the NUL character, which SQLite stores. Request bodies refuse it
# in their schemas (kit.schemas.Input); a path or query parameter reaches the database as sent.
_NUL_REFUSED = "22021"
NUL_MESSAGE = "must not contain the NUL character (\\u0000)"
# PostgreSQL's SQLSTATEs for work ended by the service's own bounds (kit.db.Pool): lock_not_available (a lock wait
# past lock_timeout) and query_canceled (a statement past statement_timeout). The work may succeed when retried.
_ENDED_BY_TIMEOUT = {"55P03": "a lock it needed", "57014": "its statement"}
# The server refused the pool a new connection: it is at max_connections (or the role's limit), which every service
# and anything else on the same server share, or it is starting up or shutting down. A moment later one is free.
_NO_CONNECTION = {"53300": "it has no connection left to give (at its connection limit)",
                  "57P03": "it is not accepting connections yet"}


class AppError(Exception):
    """Base of every error a caller may see. Subclasses set status, slug and title."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        rule: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule
        self.errors = errors
        self.headers = headers
        self.extra = extra


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Missing or invalid credentials"


class Forbidden(AppError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, slug, title = 409, "conflict", "Conflicts with the current state"


class RuleViolation(AppError):
    """A business refusal: carries the DOMAIN.md rule ID."""

    status, slug, title = 409, "rule-violation", "Refused by a rule"


class InvalidInput(AppError):
    status, slug, title = 422, "validation", "The request is not valid"

    @classmethod
    def field(cls, field: str, message: str, *, rule: str | None = None) -> InvalidInput:
        return cls(f"{field}: {message}", rule=rule, errors=[{"field": field, "message": message}])


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in fields.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what lies under it: a driver's error wrapped by SQLAlchemy (``orig``), then its cause or
    the error it happened while handling, each once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__


def _sqlstate(exc: BaseException) -> str | None:
    return next((str(state) for e in causes(exc) if (state := getattr(e, "sqlstate", None))), None)


def _parameters_with_nul(request: Request) -> list[str]:
    return [name for name, value in (*request.path_params.items(), *request.query_params.multi_items())
            if "\x00" in str(value)]


def _unavailable(request: Request, detail: str, retry_after: int) -> JSONResponse:
    return problem(503, "unavailable", "Service unavailable", detail, instance=request.url.path,
                   headers={"Retry-After": str(retry_after)})


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to problem+json in one place; unexpected errors become a 500 without internals."""

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem(
            exc.status, exc.slug, exc.title, exc.detail, instance=request.url.path, headers=exc.headers,
            rule=exc.rule, errors=exc.errors, **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field_path(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
                  for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem(422, "validation", "The request is not valid", detail, instance=request.url.path,
                       errors=errors)

    @app.exception_handler(DatabaseBusy)
    @app.exception_handler(PoolTimeout)
    async def _busy(request: Request, exc: Exception) -> JSONResponse:
        """No database connection free within the pool's bound: 503 at once, with Retry-After, never a 500 after
        waiting (issue 21)."""
        busy = exc if isinstance(exc, DatabaseBusy) else None
        return _unavailable(request, str(busy) if busy else "no database connection came free in time: the "
                            "service is at capacity; try again shortly", busy.retry_after if busy else 1)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        """A NUL character the database refused (found by fuzzing on PostgreSQL, where it was a 500) is a 422
        naming the parameter; a statement or lock wait ended by the service's timeouts, or a connection the server
        refused because it has none left, or one the server closed in the middle of the transaction (a restart), is a
        503 with Retry-After; any other database error stays unexpected."""
        if exc.connection_invalidated:
            return _unavailable(request, "the database connection was lost in the middle of the request (the "
                                "database restarted); try again shortly", 1)
        if (what := _ENDED_BY_TIMEOUT.get(_sqlstate(exc) or "")) is not None:
            return _unavailable(request, f"the database took too long over {what} (the service is busy); try "
                                "again shortly", 1)
        if (why := _NO_CONNECTION.get(_sqlstate(exc) or "")) is not None:
            return _unavailable(request, f"the database server refused a connection: {why}; try again shortly", 1)
        if _sqlstate(exc) != _NUL_REFUSED:
            raise exc
        errors = [{"field": name, "message": NUL_MESSAGE} for name in _parameters_with_nul(request)]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or f"text {NUL_MESSAGE}"
        return problem(422, "validation", "The request is not valid", detail, instance=request.url.path,
                       errors=errors or None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized", 403: "forbidden"}.get(
            exc.status_code, "http-error")
        return problem(exc.status_code, slug, str(exc.detail), str(exc.detail), instance=request.url.path,
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal", "Internal error", "An unexpected error occurred; it has been logged.",
                       instance=request.url.path)
