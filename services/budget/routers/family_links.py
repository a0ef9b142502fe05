"""Family links (issue 20): a caseworker issues a signed link to one document of a budget for its family, lists the
links with every opening, and revokes one. The family opens it at ``GET /family/{token}`` (routers/family_pages)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep, settings_of
from services.budget.routers.access import AFTER_AGREEMENT, AUDIT, Casework, Reader, stored
from services.budget.schemas import FamilyLinkCreate, FamilyLinkRead, FamilyLinks
from services.budget.service import budgets, family_links

router = APIRouter(tags=[AFTER_AGREEMENT], dependencies=[AUDIT])


def _signing(request: Request) -> dict:
    settings = settings_of(request)
    return {"key": settings.family_link_key, "base_url": settings.family_link_base_url}


@router.post("/{budget_id}/family-links", status_code=201, summary="Issue a family link",
             response_model=FamilyLinkRead)
async def issue_link(budget_id: str, body: FamilyLinkCreate, request: Request, session: SessionDep,
                     caller: Casework, key: IdempotencyKey = None) -> JSONResponse:
    """A signed link for the child's family to open one document of the budget without an account: the
    `statement`, or a decision notice (`variation` or `panel_decision`, named by `document_id`) from which the
    family can take the next step open to them (BUD-13). Each is a page in plain English, and a PDF at
    `?format=pdf`. It lasts `expires_in_days` (default 28,
    at most 90) or until `expires_on`; it can be revoked; every opening is recorded (`GET .../family-links`).
    Give `url` to the family: anyone holding it can open the document until it expires or is revoked. The same
    `Idempotency-Key` and body gives the same link."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller)
        link = await family_links.issue(session, budget, document=body.document, document_id=body.document_id,
                                        expires_in_days=body.expires_in_days, expires_on=body.expires_on,
                                        by=caller.client_id, **_signing(request))
        return 201, stored(FamilyLinkRead.model_validate(link))

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/{budget_id}/family-links", summary="Family links of a budget")
async def list_links(budget_id: str, request: Request, session: SessionDep, caller: Reader) -> FamilyLinks:
    """The budget's family links, newest first, each with its `status` (`open`, `expired`, `revoked`) and every
    opening (when, page or PDF, opened or refused). Openings record no IP address or user agent."""
    budget = await budgets.load(session, budget_id, caller)
    links = await family_links.listing(session, budget, **_signing(request))
    return FamilyLinks(items=[FamilyLinkRead.model_validate(link) for link in links])


@router.post("/{budget_id}/family-links/{link_id}/revoke", summary="Revoke a family link",
             response_model=FamilyLinkRead)
async def revoke_link(budget_id: str, link_id: str, request: Request, session: SessionDep, caller: Casework,
                      key: IdempotencyKey = None) -> JSONResponse:
    """Withdraw a link (sent to the wrong address, or the family asked): from now on it opens nothing, and the
    family sees a page saying the link was withdrawn. A link already revoked is a 409."""

    async def produce():
        budget = await budgets.load(session, budget_id, caller, lock=True)
        link = await family_links.revoke(session, budget, link_id, by=caller.client_id, **_signing(request))
        return 200, stored(FamilyLinkRead.model_validate(link))

    return await idempotent(session, request=request, caller=caller, key=key, body=None, produce=produce)
