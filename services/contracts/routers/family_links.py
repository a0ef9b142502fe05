"""Family links to contract summaries (issue 20; CON-07, CON-10): a caseworker issues a signed link to the
plain-English summary of one block contract for the family of a child it serves, lists a child's links with every
opening, and revokes one. The family opens it at ``GET /family/{token}`` (routers/family_pages)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep, settings_of
from services.contracts.schemas import SummaryLinkCreate, SummaryLinkRead, SummaryLinks
from services.contracts.service import family_links

router = APIRouter(tags=["contracts"])
Casework = caller_with("casework", "commissioning")
Reader = caller_with("casework", "commissioning", "read")


def _signing(request: Request) -> dict:
    settings = settings_of(request)
    return {"key": settings.family_link_key, "base_url": settings.family_link_base_url}


@router.post("/{contract_id}/family-links", status_code=201, summary="Issue a family link to a contract's summary",
             response_model=SummaryLinkRead)
async def issue_link(contract_id: str, body: SummaryLinkCreate, request: Request, session: SessionDep,
                     caller: Casework, key: IdempotencyKey = None) -> JSONResponse:
    """A signed link for the family of `child_id`, a child the contract serves (CON-10; another child is a 422
    naming `child_id`), to open the contract's plain-English summary without an account (CON-07: what it provides,
    what was moved into the child's budget, how much can still go into a personal budget and why, how to ask; a PDF
    at `?format=pdf`). It lasts `expires_in_days` (default 28, at most 90) or until `expires_on`; it can be
    revoked; every opening is recorded. The same `Idempotency-Key` and body gives the same link."""

    async def produce():
        link = await family_links.issue(session, caller, contract_id, child_id=body.child_id,
                                        expires_in_days=body.expires_in_days, expires_on=body.expires_on,
                                        **_signing(request))
        return 201, SummaryLinkRead.model_validate(link)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/{contract_id}/family-links", summary="Family links to a contract's summary")
async def list_links(contract_id: str, request: Request, session: SessionDep, caller: Reader,
                     child_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None) -> SummaryLinks:
    """The links to the contract's summary (`child_id`: that child's only), newest first, each with its `status`
    (`open`, `expired`,
    `revoked`) and every opening (when, page or PDF, opened or refused), without IP address or user agent."""
    links = await family_links.listing(session, caller, contract_id, child_id, **_signing(request))
    return SummaryLinks(items=[SummaryLinkRead.model_validate(link) for link in links])


@router.post("/{contract_id}/family-links/{link_id}/revoke", summary="Revoke a family link to a contract's summary",
             response_model=SummaryLinkRead)
async def revoke_link(contract_id: str, link_id: str, request: Request, session: SessionDep, caller: Casework,
                      key: IdempotencyKey = None) -> JSONResponse:
    """Withdraw a link: from now on it opens nothing, and the family sees a page saying the link was withdrawn. A
    link already revoked is a 409."""

    async def produce():
        link = await family_links.revoke(session, caller, contract_id, link_id, **_signing(request))
        return 200, SummaryLinkRead.model_validate(link)

    return await idempotent(session, request=request, caller=caller, key=key, body=None, produce=produce)
