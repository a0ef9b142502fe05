"""The decision notice a family opens from a signed link (issue 20; ELIG-10), with no account and no bearer token:
the link's own signature is the credential, checked by ``service.family_links.open_notice``. The gateway lets these
paths through without a token (``gateway/app.py``, ``SIGNED_LINKS``); nothing here reads a caller. The frame,
headers and refusals are kit's (``kit/family_pages.py``)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from kit.errors import NUL_MESSAGE, InvalidInput
from kit.family_pages import GONE, NOT_OURS, answer, html_response, pdf_response, refused, split_pdf
from kit.service import SessionDep, settings_of
from services.eligibility import service
from services.eligibility.domain.notices import ReviewRefused
from services.eligibility.schemas import FamilyReviewAsked
from services.eligibility.service import family_links, family_pages
from services.eligibility.service.family_links import PATH

router = APIRouter(tags=["eligibility"])
FamilyToken = Annotated[str, "the token of a family link"]


@router.get("/family/{token}", summary="A family's decision notice, from their link", response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}}, 404: NOT_OURS, 410: GONE,
                       413: {}})
async def open_notice(token: FamilyToken, request: Request, session: SessionDep,
                      format: str = Query("html", pattern="^(html|pdf)$")) -> Response:
    """No bearer token: the link is the credential. The decision notice in plain English (ELIG-10): what was
    decided for each kind of help and each way of holding the money, every reason with its rule, and the next step
    open to the family: for a refusal, ask for a review here; after a review, a complaint (then the Ombudsman).
    `?format=pdf` or `<token>.pdf` gives the same notice as a PDF for letters. An expired or revoked link is a 410,
    a link that is not one of ours a 404 (a plain-English page when a browser asks for HTML). Every use is
    recorded."""
    token, fmt = split_pdf(token, format)
    notice = await family_links.open_notice(session, token, key=settings_of(request).family_link_key, fmt=fmt)
    if notice.status != "open":
        return refused(request, notice.status, label=family_pages.LABEL)
    pdf = fmt == "pdf"
    html = family_pages.notice_page(notice, action_url=None if pdf else f"{PATH}{token}/review",
                                    pdf_url=None if pdf else f"{PATH}{token}.pdf")
    return await pdf_response(html, "personal-budget-decision.pdf") if pdf else html_response(html)


@router.post("/family/{token}/review", status_code=201, summary="The family asks for a review of a decision",
             response_class=HTMLResponse,
             responses={201: {"content": {"text/html": {"schema": {"type": "string"}}}, "model": FamilyReviewAsked},
                        200: {"description": "asked before from this link: nothing new recorded",
                              "model": FamilyReviewAsked},
                        404: NOT_OURS, 409: {"description": "the notice offers no review (ELIG-10)"},
                        410: GONE, 413: {}, 422: {"description": "`reason` is missing"}})
async def ask_for_review(token: FamilyToken, request: Request, session: SessionDep,
                         reason: Annotated[str, Form(min_length=1, max_length=1000)]) -> Response:
    """No bearer token: the link is the credential. The form on a refusal's notice: the family asks for a review
    with their `reason` (ELIG-10). Recorded for the LA to review (listed at `GET /requests/{id}/review-requests`,
    answered by `POST /requests/{id}/review`), once per link: posting again answers 200 with the first request.
    Answers a page (JSON `{review_request_id, decision_id, asked_at, again}` when the client asks for JSON); a
    notice that offers no review (nothing refused, replaced by a later decision, or already reviewed: the next
    step is a complaint) is a 409 naming ELIG-10."""
    if "\x00" in reason:  # PostgreSQL stores no NUL; a 422 naming the field, as kit.schemas.Input gives
        raise InvalidInput.field("reason", NUL_MESSAGE)
    notice = await family_links.open_notice(session, token, key=settings_of(request).family_link_key, fmt="action")
    if notice.status != "open":
        return refused(request, notice.status, label=family_pages.LABEL)
    back = {"label": family_pages.LABEL, "back_url": f"{PATH}{token}", "back_text": "Back to the decision"}
    try:
        done = await service.ask_for_review(session, notice, reason=reason)
    except ReviewRefused as e:
        return answer(request, 409, "You cannot ask for a review of this decision", f"{e.message} ({e.rule})",
                      **back)
    asked = done.review_request
    return answer(request, 200 if done.again else 201, "We have your request for a review",
                  "Thank you. A caseworker will look at the decision again, with anything you send them, and write "
                  "to you with the new decision and its reasons.", **back,
                  json=FamilyReviewAsked(review_request_id=asked.id, decision_id=asked.decision_id,
                                         asked_at=asked.asked_at, again=done.again).model_dump(mode="json"))
