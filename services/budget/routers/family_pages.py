"""The pages a family opens from a signed link (issue 20), with no account and no bearer token: the link's own
signature is the credential, checked by ``service.family_links.open_link``. The gateway lets these paths through
without a token (``gateway/app.py``, ``SIGNED_LINKS``); nothing here reads a caller, and nothing here is reachable
without a valid, unexpired, unrevoked link, except a page saying so. The frame, headers and refusals are kit's
(``kit/family_pages.py``)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from kit.errors import NUL_MESSAGE, AppError, InvalidInput
from kit.family_pages import (
    GONE,
    HEADERS,
    NOT_OURS,
    answer,
    html_response,
    pdf_response,
    refused,
    split_pdf,
    wants_html,
)
from kit.service import SessionDep, settings_of
from services.budget.routers.access import AFTER_AGREEMENT
from services.budget.schemas import FamilyDisputeAsked, FamilyReviewRequested
from services.budget.service import family_decisions, family_disputes, family_links, family_pages
from services.budget.service.family_links import PATH

router = APIRouter(tags=[AFTER_AGREEMENT])
FamilyToken = Annotated[str, "the token of a family link"]
DOCUMENTS = ("statement", "variation", "panel_decision", "dispute")


def _no_nul(reason: str) -> None:
    if "\x00" in reason:  # PostgreSQL stores no NUL; a 422 naming the field, as kit.schemas.Input gives
        raise InvalidInput.field("reason", NUL_MESSAGE)


@router.get("/family/{token}", summary="A family's statement or decision notice, from their link",
            response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}}, 404: NOT_OURS, 410: GONE,
                       413: {}})
async def open_statement(token: FamilyToken, request: Request, session: SessionDep,
                         format: str = Query("html", pattern="^(html|pdf)$")) -> Response:
    """No bearer token: the link is the credential. The document the link was issued for, in plain English:
    - the family **statement**: what the money is, what was paid, what is left (a chart and the same numbers as a
      table), what the family can do next (ask for a review here; how to dispute the budget; independent advice);
    - a **decision notice** (a variation, BUD-10, or a panel decision): the decision and its reasons, what was
      paid and is left of that part of the budget, and the next step open to the family (BUD-13), which they can
      take here (`POST .../disputes`);
    - a **dispute** (BUD-13): every step so far with its dates, outcome and reasons, what was paid and is left, and
      the next step open to the family, which they can take here when it is theirs through the council (a return
      to panel, a complaint: `POST .../escalations`).

    `?format=pdf` or `<token>.pdf` gives the same document as a PDF for letters. An expired or revoked link is a
    410, a link that is not one of ours a 404 (a plain-English page when a browser asks for HTML). Every use of a
    link is recorded against it."""
    token, fmt = split_pdf(token, format)
    opened = await family_links.open_link(session, token, key=settings_of(request).family_link_key, fmt=fmt,
                                          documents=DOCUMENTS)
    if opened.status != "open":
        return refused(request, opened.status)
    pdf = fmt == "pdf"
    if opened.link.document == "statement":
        view = await family_pages.statement_view(session, opened.budget, today=family_links.today())
        html = family_pages.statement_page(view, action_url=None if pdf else f"{PATH}{token}/review-requests",
                                           pdf_url=None if pdf else f"{PATH}{token}.pdf")
        return await pdf_response(html, "personal-budget-statement.pdf") if pdf else html_response(html)
    if opened.link.document == "dispute":
        dispute = await family_disputes.dispute_view(session, opened)
        html = family_disputes.dispute_page(dispute, action_url=None if pdf else f"{PATH}{token}/escalations",
                                            pdf_url=None if pdf else f"{PATH}{token}.pdf")
        return await pdf_response(html, "personal-budget-dispute.pdf") if pdf else html_response(html)
    view = await family_decisions.decision_view(session, opened)
    html = family_decisions.decision_page(view, action_url=None if pdf else f"{PATH}{token}/disputes",
                                          pdf_url=None if pdf else f"{PATH}{token}.pdf")
    return await pdf_response(html, "personal-budget-decision.pdf") if pdf else html_response(html)


@router.post("/family/{token}/review-requests", status_code=201, summary="The family asks for a review",
             response_class=HTMLResponse,
             responses={201: {"content": {"text/html": {"schema": {"type": "string"}}},
                              "model": FamilyReviewRequested},
                        404: {"description": "not a link this service issued (or altered)"},
                        409: {"description": "the budget is not agreed: nothing to review yet"},
                        410: GONE, 413: {}})
async def ask_for_review(token: FamilyToken, request: Request, session: SessionDep,
                         reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """No bearer token: the link is the credential. The form on the statement page: the family asks for a review
    (BUD-09: whenever the family asks), recorded as a review request due today, by the link. Answers a page
    saying so (JSON `{review_id, requested_on, next_review_due}` when the client asks for JSON). A budget that is
    not agreed has nothing to review yet: 409."""
    _no_nul(reason)
    opened = await family_links.open_link(session, token, key=settings_of(request).family_link_key, fmt="action")
    if opened.status != "open":
        return refused(request, opened.status)
    back = {"label": "Personal budget statement", "back_url": f"{PATH}{token}", "back_text": "Back to your statement"}
    try:
        review = await family_links.ask_for_review(session, opened, reason=reason)
    except AppError:
        return answer(request, 409, "There is nothing to review yet",
                      "Your child's budget has not been agreed yet, so it cannot be reviewed. Your caseworker will "
                      "tell you when it is agreed.", **back)
    if not wants_html(request):
        said = FamilyReviewRequested(review_id=review.id, requested_on=review.reviewed_on,
                                     next_review_due=opened.budget.next_review_due)
        return JSONResponse(said.model_dump(mode="json"), status_code=201, headers=HEADERS)
    return answer(request, 201, "We have your request for a review",
                  f"Thank you. Your request was recorded on {family_pages.long_date(review.reviewed_on)}. Your "
                  "caseworker will contact you to arrange the review.", **back)


@router.post("/family/{token}/disputes", status_code=201, summary="The family disputes a decision, from its notice",
             response_class=HTMLResponse,
             responses={201: {"content": {"text/html": {"schema": {"type": "string"}}}, "model": FamilyDisputeAsked},
                        200: {"description": "asked before from this link: what the first post recorded",
                              "model": FamilyDisputeAsked},
                        404: {"description": "not a decision notice's link this service issued (or altered)"},
                        409: {"description": "no step is open to the family on this decision now (BUD-13)"},
                        410: GONE, 413: {}, 422: {"description": "`reason` is missing"}})
async def dispute_decision(token: FamilyToken, request: Request, session: SessionDep,
                           reason: Annotated[str, Form(min_length=1, max_length=1000)]) -> Response:
    """No bearer token: the link is the credential. The form on a decision notice: the family takes the next step
    the notice names (BUD-13): a reduction under notice is reconsidered, once (BUD-10); any other decision is
    disputed through the disputes use case, from a reconsideration by the local authority (or a return to panel
    once the reduction was reconsidered). Recorded once per link: posting again answers 200 with what the first
    post recorded. Answers a page (JSON `{step, record_id, again}` when the client asks for JSON); nothing open
    now is a 409."""
    _no_nul(reason)
    opened = await family_links.open_link(session, token, key=settings_of(request).family_link_key, fmt="action",
                                          documents=("variation", "panel_decision"))
    if opened.status != "open":
        return refused(request, opened.status)
    back = {"label": family_decisions.LABEL, "back_url": f"{PATH}{token}", "back_text": "Back to the notice"}
    try:
        asked = await family_decisions.ask(session, opened, reason=reason)
    except AppError as e:
        return answer(request, e.status, "There is no step to take on this decision now", e.detail, **back)
    status = 200 if asked.again else 201
    what = "reconsider the decision" if asked.step == "reconsideration" else "send the budget back to panel"
    return answer(request, status, "We have your request",
                  f"Thank you. You asked us to {what}. Your caseworker will write to you with the decision, its "
                  "reasons and what you can do next.", **back,
                  json=FamilyDisputeAsked(step=asked.step, record_id=asked.record_id,
                                          again=asked.again).model_dump(mode="json"))


@router.post("/family/{token}/escalations", status_code=201, summary="The family takes the next step of a dispute",
             response_class=HTMLResponse,
             responses={201: {"content": {"text/html": {"schema": {"type": "string"}}}, "model": FamilyDisputeAsked},
                        200: {"description": "taken before from this link: what the first post recorded",
                              "model": FamilyDisputeAsked},
                        404: {"description": "not a dispute's link this service issued (or altered)"},
                        409: {"description": "no step is the family's to take here now (BUD-13)"},
                        410: GONE, 413: {}, 422: {"description": "`reason` is missing"}})
async def escalate_dispute(token: FamilyToken, request: Request, session: SessionDep,
                           reason: Annotated[str, Form(min_length=1, max_length=1000)]) -> Response:
    """No bearer token: the link is the credential. The form on a dispute's notice: the family takes the next step
    of their dispute (BUD-13) once the current one was decided and not upheld: a return to panel after the local
    authority's reconsideration, or a complaint after the panel, through the same use case as
    `POST /{budget_id}/disputes/{dispute_id}/escalate`. Recorded once per link: posting again answers 200 with
    what the first post recorded (`{step, record_id: the dispute, again}` when the client asks for JSON). No step
    open to the family here (waiting for a decision, upheld, or the Ombudsman, which they go to directly) is a
    409."""
    _no_nul(reason)
    opened = await family_links.open_link(session, token, key=settings_of(request).family_link_key, fmt="action",
                                          documents=("dispute",))
    if opened.status != "open":
        return refused(request, opened.status)
    back = {"label": family_disputes.LABEL, "back_url": f"{PATH}{token}", "back_text": "Back to your dispute"}
    try:
        taken = await family_disputes.take_next_step(session, opened, reason=reason)
    except AppError as e:
        return answer(request, e.status, "There is no step for you to take here now", e.detail, **back)
    what = {"panel": "send the budget back to panel", "complaint": "look at your complaint"}[taken.step]
    return answer(request, 200 if taken.again else 201, "We have your request",
                  f"Thank you. You asked us to {what}. You will be told the decision, its reasons and what you can "
                  "do next.", **back,
                  json=FamilyDisputeAsked(step=taken.step, record_id=taken.dispute_id,
                                          again=taken.again).model_dump(mode="json"))
