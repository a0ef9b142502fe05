"""Who read or changed a record: a router dependency that writes one audit record per record a request touched,
in the request's own transaction.

``audited(record, path_param="budget_id")`` is put on a router (``APIRouter(dependencies=[...])``). Every route
of the router whose path names ``{budget_id}`` is recorded; a route without it (a list, a create) adds the ids it
touched with ``trail.touched(id)`` (``trail: AuditTrail`` as a parameter; FastAPI hands the endpoint the same trail
the router dependency holds). After the endpoint returns, and before the unit of work commits, ``record`` writes
the records; so:

- a change is recorded exactly when it commits (a refused or failed change rolls back with its record);
- a read is recorded when it returned the record; a read that fails, or answers 404 (unknown, or another LA's:
  nothing was disclosed and nothing may be revealed), writes nothing here. Every request, refused or not, is
  still in the access log with its client-facing request id.
"""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import authenticate
from kit.events import utcnow
from kit.logs import request_id
from kit.pagination import newest_first, page_of
from kit.service import SessionDep

READS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Access:
    """One request's access, as an audit record keeps it (the record id and what was touched are added)."""

    client_id: str
    kind: str            # read | change
    action: str          # the route's name, e.g. read_ledger
    route: str           # e.g. "GET /v1/budgets/{budget_id}/ledger"
    request_id: str | None
    occurred_at: datetime

    def row(self, **subject: Any) -> dict[str, Any]:
        return {"id": str(uuid.uuid4()), "client_id": self.client_id, "kind": self.kind, "action": self.action,
                "route": self.route, "request_id": self.request_id, "occurred_at": self.occurred_at, **subject}


@dataclass
class AuditTrail:
    """The records one request touched beyond the one its path names."""

    ids: list[str] = field(default_factory=list)

    def touched(self, *ids: str) -> None:
        self.ids.extend(i for i in ids if i and i not in self.ids)


# record(session, access, ids): writes one audit record per id (the service knows what an id names).
Recorder = Callable[[AsyncSession, Access, Sequence[str]], Awaitable[None]]


def _trail_dependency(record: Recorder, path_param: str, unaudited: frozenset[str]):
    async def trail(request: Request, session: SessionDep) -> AsyncIterator[AuditTrail]:
        trail = AuditTrail()
        yield trail  # an exception from the endpoint is raised here: nothing below runs, the session rolls back
        route = request.scope.get("route")
        name = getattr(route, "name", "")
        ids = [request.path_params[path_param]] if path_param in request.path_params else []
        ids += [i for i in trail.ids if i not in ids]
        if not ids or name in unaudited:
            return
        access = Access(client_id=_client_id(request), kind="read" if request.method in READS else "change",
                        action=name, route=f"{request.method} {_template(request, getattr(route, 'path', ''))}",
                        request_id=request_id.get(), occurred_at=utcnow())
        await record(session, access, ids)

    return trail


def _template(request: Request, route_path: str) -> str:
    """The route's path with its parameters named (``/v1/budgets/{budget_id}/ledger``): the route knows its own
    segments, the request's path gives the prefix of the router it was included with."""
    segments = [s for s in route_path.split("/") if s]
    actual = [s for s in request.url.path.split("/") if s]
    return "/" + "/".join(actual[:max(len(actual) - len(segments), 0)] + segments)


def _client_id(request: Request) -> str:
    """The client of the token the endpoint has already accepted (verified tokens are cached)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return authenticate(request, HTTPAuthorizationCredentials(scheme=scheme, credentials=token)).client_id


def audited(record: Recorder, *, path_param: str, unaudited: Sequence[str] = ()) -> tuple[Any, Any]:
    """``(router_dependency, AuditTrail annotation)`` for a service's routers. ``unaudited`` names routes that
    are not recorded (e.g. the route that reads the audit log itself)."""
    dependency = Depends(_trail_dependency(record, path_param, frozenset(unaudited)), scope="function")
    return dependency, Annotated[AuditTrail, dependency]


def recorder(model: Any, subject: Callable[[AsyncSession, str], Awaitable[dict[str, Any] | None]]) -> Recorder:
    """A ``Recorder`` inserting into ``model`` one row per id that ``subject`` describes (the columns naming the
    record and whose it is, e.g. budget, child and LA); an id it does not describe is not recorded."""

    async def record(session: AsyncSession, access: Access, ids: Sequence[str]) -> None:
        rows = [access.row(**found) for ident in ids if (found := await subject(session, ident)) is not None]
        if rows:
            await session.execute(insert(model), rows)

    return record


async def history(session: AsyncSession, model: Any, *where: Any, limit: int, cursor: str | None) -> dict:
    """A page of audit records, newest first: ``{items, next_cursor}`` (items are the model's rows)."""
    stmt = newest_first(select(model).where(*where), model.occurred_at, model.id, limit=limit, cursor=cursor)
    rows = list((await session.execute(stmt)).scalars())
    page, next_cursor = page_of(rows, limit=limit, created="occurred_at")
    return {"items": page, "next_cursor": next_cursor}
