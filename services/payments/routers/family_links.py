"""Family links to recovery notices (issue 20; PAY-07, PAY-10): a caseworker issues a signed link to one recovery
notice for the family of its agreement, lists the links with every opening, and revokes one. The family opens it at
``GET /family/{token}`` (routers/family_pages)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kit.auth import caller_with
from kit.idempotency import IdempotencyKey, idempotent
from kit.service import SessionDep, settings_of
from services.payments.schemas import RecoveryLinkCreate, RecoveryLinkRead, RecoveryLinks
from services.payments.service import family_links

router = APIRouter(tags=["payments: audits and recovery"])
Casework = caller_with("casework")
Reader = caller_with("casework", "finance", "read")


def _signing(request: Request) -> dict:
    settings = settings_of(request)
    return {"key": settings.family_link_key, "base_url": settings.family_link_base_url}


@router.post("/recoveries/{recovery_id}/family-links", status_code=201, summary="Issue a family link to a notice",
             response_model=RecoveryLinkRead)
async def issue_link(recovery_id: str, body: RecoveryLinkCreate, request: Request, session: SessionDep,
                     caller: Casework, key: IdempotencyKey = None) -> JSONResponse:
    """A signed link for the family of the recovery's agreement to open the recovery notice without an account (a
    page in plain English, and a PDF at `?format=pdf`) and challenge it there (PAY-07). It lasts `expires_in_days`
    (default 28, at most 90) or until `expires_on`; it can be revoked; every opening is recorded (`GET
    .../family-links`). Give `url` to the family. The same `Idempotency-Key` and body gives the same link."""

    async def produce():
        link = await family_links.issue(session, caller, recovery_id, expires_in_days=body.expires_in_days,
                                        expires_on=body.expires_on, **_signing(request))
        return 201, RecoveryLinkRead.model_validate(link)

    return await idempotent(session, request=request, caller=caller, key=key, body=body, produce=produce)


@router.get("/recoveries/{recovery_id}/family-links", summary="Family links to a recovery notice")
async def list_links(recovery_id: str, request: Request, session: SessionDep, caller: Reader) -> RecoveryLinks:
    """The links to the recovery notice, newest first, each with its `status` (`open`, `expired`, `revoked`), when
    the family challenged from it (`acted_at`) and every opening (when, page or PDF, opened or refused). Openings
    record no IP address or user agent."""
    links = await family_links.listing(session, caller, recovery_id, **_signing(request))
    return RecoveryLinks(items=[RecoveryLinkRead.model_validate(link) for link in links])


@router.post("/recoveries/{recovery_id}/family-links/{link_id}/revoke", summary="Revoke a family link to a notice",
             response_model=RecoveryLinkRead)
async def revoke_link(recovery_id: str, link_id: str, request: Request, session: SessionDep, caller: Casework,
                      key: IdempotencyKey = None) -> JSONResponse:
    """Withdraw a link (sent to the wrong address, or the family asked): from now on it opens nothing, and the
    family sees a page saying the link was withdrawn. A link already revoked is a 409."""

    async def produce():
        link = await family_links.revoke(session, caller, recovery_id, link_id, **_signing(request))
        return 200, RecoveryLinkRead.model_validate(link)

    return await idempotent(session, request=request, caller=caller, key=key, body=None, produce=produce)
