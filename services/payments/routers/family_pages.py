"""The recovery notice a family opens from a signed link (issue 20; PAY-07, PAY-10), with no account and no bearer
token: the link's own signature is the credential, checked by ``service.family_links.open_notice``. The gateway lets
these paths through without a token (``gateway/app.py``, ``SIGNED_LINKS``); nothing here reads a caller. The frame,
headers and refusals are kit's (``kit/family_pages.py``)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from kit import clock
from kit.errors import NUL_MESSAGE, AppError, InvalidInput
from kit.family_pages import GONE, NOT_OURS, answer, html_response, pdf_response, refused, split_pdf
from kit.service import SessionDep, settings_of
from services.payments.domain.errors import Refusal
from services.payments.schemas import FamilyChallengeRecorded
from services.payments.service import family_links, family_pages
from services.payments.service.family_links import PATH

router = APIRouter(tags=["payments: audits and recovery"])
FamilyToken = Annotated[str, "the token of a family link"]


@router.get("/family/{token}", summary="A family's recovery notice, from their link", response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}}, 404: NOT_OURS, 410: GONE,
                       413: {}})
async def open_notice(token: FamilyToken, request: Request, session: SessionDep,
                      format: str = Query("html", pattern="^(html|pdf)$")) -> Response:
    """No bearer token: the link is the credential. The recovery notice in plain English (PAY-07: reasons, amount,
    deadline, who must repay): what the money is, what was paid, what is asked back and left to repay, and what the
    family can do next (challenge it here until `challenge_by`; how repayment works, PAY-10). `?format=pdf` or
    `<token>.pdf` gives the same notice as a PDF for letters. An expired or revoked link is a 410, a link that is
    not one of ours a 404 (a plain-English page when a browser asks for HTML). Every use is recorded."""
    token, fmt = split_pdf(token, format)
    notice = await family_links.open_notice(session, token, key=settings_of(request).family_link_key, fmt=fmt)
    if notice.status != "open":
        return refused(request, notice.status, label=family_pages.LABEL)
    pdf = fmt == "pdf"
    html = family_pages.notice_page(notice, today=clock.today(), action_url=None if pdf else f"{PATH}{token}/challenge",
                                    pdf_url=None if pdf else f"{PATH}{token}.pdf")
    return await pdf_response(html, "direct-payment-notice.pdf") if pdf else html_response(html)


@router.post("/family/{token}/challenge", status_code=201, summary="The family challenges a recovery notice",
             response_class=HTMLResponse,
             responses={201: {"content": {"text/html": {"schema": {"type": "string"}}},
                              "model": FamilyChallengeRecorded},
                        200: {"description": "challenged before from this link: nothing new recorded",
                              "model": FamilyChallengeRecorded},
                        404: NOT_OURS, 409: {"description": "the notice can no longer be challenged (PAY-07)"},
                        410: GONE, 413: {}, 422: {"description": "`grounds` is missing"}})
async def challenge(token: FamilyToken, request: Request, session: SessionDep,
                    grounds: Annotated[str, Form(min_length=1, max_length=1000)]) -> Response:
    """No bearer token: the link is the credential. The form on the notice: the family challenges it with their
    `grounds` before `challenge_by` (PAY-07), through the same use case as `POST /recoveries/{id}/challenge`.
    Recorded once per link: posting again answers 200 with the notice as it stands. Answers a page (JSON
    `{recovery_id, status, challenge_by, again}` when the client asks for JSON); a notice that can no longer be
    challenged (its window closed, or already challenged or decided) is a 409."""
    if "\x00" in grounds:  # PostgreSQL stores no NUL; a 422 naming the field, as kit.schemas.Input gives
        raise InvalidInput.field("grounds", NUL_MESSAGE)
    notice = await family_links.open_notice(session, token, key=settings_of(request).family_link_key, fmt="action")
    if notice.status != "open":
        return refused(request, notice.status, label=family_pages.LABEL)
    back = {"label": family_pages.LABEL, "back_url": f"{PATH}{token}", "back_text": "Back to the notice"}
    try:
        done = await family_links.challenge(session, notice, grounds=grounds)
    except (Refusal, AppError) as e:
        return answer(request, 409, "This notice cannot be challenged now", e.detail, **back)
    r = done.recovery
    return answer(request, 200 if done.again else 201, "We have your challenge",
                  "Thank you. Your challenge is recorded. Nothing is taken back while it is looked at; you will be "
                  "told the decision and its reasons.", **back,
                  json=FamilyChallengeRecorded(recovery_id=r.id, status=r.status, challenge_by=r.challenge_by,
                                               again=done.again).model_dump(mode="json"))
