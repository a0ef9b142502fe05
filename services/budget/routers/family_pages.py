"""The pages a family opens from a signed link (issue 20), with no account and no bearer token: the link's own
signature is the credential, checked by ``service.family_links.open_link``. The gateway lets these paths through
without a token (``gateway/app.py``, ``SIGNED_LINKS``); nothing here reads a caller, and nothing here is reachable
without a valid, unexpired, unrevoked link, except a page saying so."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from kit.errors import NUL_MESSAGE, PROBLEM_JSON, Conflict, InvalidInput, problem
from kit.service import SessionDep, settings_of
from services.budget.routers.access import AFTER_AGREEMENT
from services.budget.schemas import FamilyReviewRequested
from services.budget.service import family_links, family_pages
from services.budget.service.family_links import INVALID, PATH, Opened

router = APIRouter(tags=[AFTER_AGREEMENT])

# A page holding a child's figures: never cached, never sent on as a Referer, never indexed, never framed; it
# runs no script and posts its one form to itself.
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
REFUSALS = {
    INVALID: (404, "not-found", "This link does not work",
              "This link is not complete or not right. Check that you copied all of it, or ask your caseworker to "
              "send you a new one."),
    "expired": (410, "gone", "This link has expired",
                "Links to your child's statement last a few weeks, to keep it private. Ask your caseworker to send "
                "you a new link."),
    "revoked": (410, "gone", "This link has been withdrawn",
                "The council withdrew this link. Ask your caseworker to send you a new one if you still need it."),
}
GONE = {"description": "the link expired or was revoked; a page when a browser asks for HTML",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
FamilyToken = Annotated[str, "the token of a family link"]


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _refused(request: Request, opened: Opened) -> Response:
    """A plain-English page when a browser asks; problem+json otherwise."""
    status, slug, title, detail = REFUSALS[opened.status]
    if _wants_html(request):
        return HTMLResponse(family_pages.message_page(title, detail), status_code=status, headers=HEADERS)
    return problem(status, slug, title, detail, headers=HEADERS)


def _split(token: str, fmt: str) -> tuple[str, str]:
    """``<token>.pdf`` is the PDF, as ``?format=pdf`` is (a JWT has exactly two dots)."""
    if token.endswith(".pdf") and token.count(".") == 3:
        return token[:-4], "pdf"
    return token, fmt


@router.get("/family/{token}", summary="A family's statement, from their link", response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}},
                       404: {"description": "not a link this service issued (or altered); a page when a browser "
                                            "asks for HTML"},
                       410: GONE, 413: {}})
async def open_statement(token: FamilyToken, request: Request, session: SessionDep,
                         format: str = Query("html", pattern="^(html|pdf)$")) -> Response:
    """No bearer token: the link is the credential. The family statement in plain English: what the money is,
    what was paid, what is left (a chart and the same numbers as a table), what the family can do next (ask for a
    review here; how to dispute the budget; independent advice). `?format=pdf` or `<token>.pdf` gives the same
    document as a PDF for letters. An expired or revoked link is a 410, a link that is not one of ours a 404 (a
    plain-English page when a browser asks for HTML). Every use of a link is recorded against it."""
    token, fmt = _split(token, format)
    opened = await family_links.open_link(session, token, key=settings_of(request).family_link_key, fmt=fmt)
    if opened.status != "open":
        return _refused(request, opened)
    view = await family_pages.statement_view(session, opened.budget, today=family_links.today())
    if fmt == "pdf":
        html = family_pages.statement_page(view, action_url=None, pdf_url=None)
        pdf = await run_in_threadpool(family_pages.pdf_of, html)
        return Response(pdf, media_type="application/pdf", headers={
            **HEADERS, "Content-Disposition": 'inline; filename="personal-budget-statement.pdf"'})
    page = family_pages.statement_page(view, action_url=f"{PATH}{token}/review-requests", pdf_url=f"{PATH}{token}.pdf")
    return HTMLResponse(page, headers=HEADERS)


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
    if "\x00" in reason:  # PostgreSQL stores no NUL; a 422 naming the field, as kit.schemas.Input gives
        raise InvalidInput.field("reason", NUL_MESSAGE)
    opened = await family_links.open_link(session, token, key=settings_of(request).family_link_key, fmt="action")
    if opened.status != "open":
        return _refused(request, opened)
    back = f"{PATH}{token}"
    try:
        review = await family_links.ask_for_review(session, opened, reason=reason)
    except Conflict:
        title = "There is nothing to review yet"
        detail = ("Your child's budget has not been agreed yet, so it cannot be reviewed. Your caseworker will tell "
                  "you when it is agreed.")
        if _wants_html(request):
            return HTMLResponse(family_pages.message_page(title, detail, back_url=back), status_code=409,
                                headers=HEADERS)
        return problem(409, "conflict", title, detail, headers=HEADERS)
    if not _wants_html(request):
        answer = FamilyReviewRequested(review_id=review.id, requested_on=review.reviewed_on,
                                       next_review_due=opened.budget.next_review_due)
        return JSONResponse(answer.model_dump(mode="json"), status_code=201, headers=HEADERS)
    return HTMLResponse(family_pages.message_page(
        "We have your request for a review",
        f"Thank you. Your request was recorded on {family_pages.long_date(review.reviewed_on)}. Your caseworker "
        "will contact you to arrange the review.", back_url=back), status_code=201, headers=HEADERS)
