"""The contract summary a family opens from a signed link (issue 20; CON-07), with no account and no bearer token:
the link's own signature is the credential, checked by ``service.family_links.open_summary``. The gateway lets this
path through without a token (``gateway/app.py``, ``SIGNED_LINKS``); nothing here reads a caller. The frame,
headers and refusals are kit's (``kit/family_pages.py``)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from kit import clock
from kit.family_pages import GONE, NOT_OURS, html_response, pdf_response, refused, split_pdf
from kit.service import SessionDep, settings_of
from services.contracts.service import family_links, family_pages
from services.contracts.service.family_links import PATH

router = APIRouter(tags=["contracts"])
FamilyToken = Annotated[str, "the token of a family link"]


@router.get("/family/{token}", summary="A contract's family summary, from the family's link",
            response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}}, 404: NOT_OURS, 410: GONE,
                       413: {}})
async def open_summary(token: FamilyToken, request: Request, session: SessionDep,
                       format: str = Query("html", pattern="^(html|pdf)$")) -> Response:
    """No bearer token: the link is the credential. The plain-English summary of a block contract that serves the
    family's child (CON-07): what it provides and costs, what was moved from it into the child's budget, how much
    can still go into a personal budget and why, and how to ask. `?format=pdf` or `<token>.pdf` gives the same
    summary as a PDF for letters. An expired or revoked link is a 410, a link that is not one of ours a 404 (a
    plain-English page when a browser asks for HTML). Every use is recorded."""
    token, fmt = split_pdf(token, format)
    summary = await family_links.open_summary(session, token, key=settings_of(request).family_link_key, fmt=fmt)
    if summary.status != "open":
        return refused(request, summary.status, label=family_pages.LABEL)
    pdf = fmt == "pdf"
    html = family_pages.summary_page(summary, today=clock.today(), pdf_url=None if pdf else f"{PATH}{token}.pdf")
    return await pdf_response(html, "council-service-summary.pdf") if pdf else html_response(html)
