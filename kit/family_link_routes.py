"""Family links (issue 20), the casework routes every service shares: issue a link to one document for one family,
list a record's links with every opening, revoke one. The mechanism is ``kit/family_links.py``; here, the three
routes made once for every service from its ``LinkRoutes``.

A service declares only what is its own: the path parameter naming the record its links hang from (a budget, a
recovery, a contract, an eligibility request), ``scope`` (load that record under the caller's LAs, a 404 for
another LA's, and say which family's links about which document it holds), ``target`` (what a new link opens, its
family and document, refusing a body that names another record), its models and its docs.

No ``from __future__ import annotations`` here: the routes' parameters are annotated with the service's models and
dependencies held in local variables, which FastAPI must see as objects, not strings."""
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, create_model

from kit import family_links as links
from kit.family_links import LinkScope, LinkTarget
from kit.idempotency import IdempotencyKey, idempotent
from kit.schemas import Read
from kit.service import SessionDep, settings_of

Scope = Callable[..., Awaitable[LinkScope]]      # (session, caller, record_id, *, lock: bool) -> LinkScope
Target = Callable[..., Awaitable[LinkTarget]]    # (session, scope, body) -> LinkTarget


def _no_family() -> None:
    return None


@dataclass(frozen=True)
class LinkRoutes:
    """One service's casework routes for its family links: ``record`` names the path parameter (``budget_id``),
    ``path`` the links' path under the router (``/{budget_id}/family-links``); ``create``/``read`` its body and
    response models and ``listing`` the list's name; ``casework``/``reader`` the caller dependencies; ``docs`` and
    ``summaries`` (issue, list, revoke) the API documentation; ``encode`` how an idempotent response is stored;
    ``family`` a dependency narrowing the list to one family (a query parameter), or none."""

    spec: links.LinkSpec
    record: str
    path: str
    scope: Scope
    target: Target
    create: type[BaseModel]
    read: type[BaseModel]
    listing: str
    casework: Any
    reader: Any
    summaries: tuple[str, str, str]
    docs: tuple[str, str, str]
    encode: Callable[[BaseModel], Any] = lambda response: response
    family: Callable[..., str | None] = _no_family


def _path_value(name: str) -> Callable[..., Awaitable[str]]:
    """A dependency reading path parameter ``name``, so the routes keep each service's parameter name."""

    async def value(**params: str) -> str:
        return params[name]

    value.__signature__ = inspect.Signature([inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                                               annotation=str)])
    return value


def _signing(request: Request) -> dict:
    settings = settings_of(request)
    return {"key": settings.family_link_key, "base_url": settings.family_link_base_url}


def link_router(routes: LinkRoutes, **router: Any) -> APIRouter:
    """The issue, list and revoke routes of ``routes`` on a new ``APIRouter(**router)`` (its tags, dependencies)."""
    api = APIRouter(**router)
    spec, read, Body, Casework, Reader = routes.spec, routes.read, routes.create, routes.casework, routes.reader
    RecordId = Depends(_path_value(routes.record))
    page = create_model(routes.listing, __base__=Read, items=(list[read], ...))

    @api.post(routes.path, status_code=201, summary=routes.summaries[0], description=routes.docs[0],
              response_model=read)
    async def issue_link(body: Body, request: Request, session: SessionDep, caller: Casework,
                         record_id: str = RecordId, key: IdempotencyKey = None) -> JSONResponse:
        async def produce():
            scope = await routes.scope(session, caller, record_id, lock=False)
            target = await routes.target(session, scope, body)
            link = await links.issue(session, spec, family_id=target.family_id,
                                     local_authority=scope.local_authority, document=target.document,
                                     document_id=target.document_id, expires_in_days=body.expires_in_days,
                                     expires_on=body.expires_on, by=caller.client_id, **_signing(request))
            return 201, routes.encode(read.model_validate(link))

        return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)

    @api.get(routes.path, summary=routes.summaries[1], description=routes.docs[1], response_model=page)
    async def list_links(request: Request, session: SessionDep, caller: Reader, record_id: str = RecordId,
                         family: str | None = Depends(routes.family)):
        scope = await routes.scope(session, caller, record_id, lock=False)
        found = await links.listing(session, spec, family or scope.family_id, document_id=scope.document_id,
                                    **_signing(request))
        return page(items=[read.model_validate(link) for link in found])

    @api.post(f"{routes.path}/{{link_id}}/revoke", summary=routes.summaries[2], description=routes.docs[2],
              response_model=read)
    async def revoke_link(request: Request, session: SessionDep, caller: Casework, record_id: str = RecordId,
                          link_id: str = Depends(_path_value("link_id")),
                          key: IdempotencyKey = None) -> JSONResponse:
        async def produce():
            scope = await routes.scope(session, caller, record_id, lock=True)
            link = await links.revoke(session, spec, scope.family_id, link_id, document_id=scope.document_id,
                                      by=caller.client_id, **_signing(request))
            return 200, routes.encode(read.model_validate(link))

        return await idempotent(session, request=request, caller=caller, key=key, body=None, produce=produce)

    return api
