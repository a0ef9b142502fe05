"""Family links to decision notices (issue 20; ELIG-10): a caseworker issues a signed link to the notice of one
decision on a request for its family, lists the request's links with every opening, and revokes one (the routes are
kit's, ``kit/family_link_routes.py``); and lists the review requests families made from them. The family opens a
link at ``GET /family/{token}`` (routers/family_pages)."""
from __future__ import annotations

from kit.auth import caller_with
from kit.family_link_routes import LinkRoutes, link_router
from kit.service import SessionDep
from services.eligibility import service
from services.eligibility.routers.requests import PROBLEMS, RequestId
from services.eligibility.schemas import DecisionLinkCreate, DecisionLinkRead, ReviewRequestRead, ReviewRequests
from services.eligibility.service import family_links

Casework = caller_with("casework")
Reader = caller_with("casework", "read")

ROUTES = LinkRoutes(
    spec=family_links.SPEC, record="request_id", path="/requests/{request_id}/family-links",
    scope=family_links.scope, target=family_links.target, create=DecisionLinkCreate, read=DecisionLinkRead,
    listing="DecisionNoticeLinks", casework=Casework, reader=Reader,
    summaries=("Issue a family link to a decision notice", "Family links to a request's decision notices",
               "Revoke a family link to a decision notice"),
    docs=("""A signed link for the family of the request to open the notice of one of its decisions (`decision_id`)
without an account: a page in plain English (what was decided, for each kind of help and each way of holding the
money, with every reason and its rule; and the next step open to the family), and a PDF at `?format=pdf` (ELIG-10).
From a refusal's notice the family can ask for a review, once per link; the request is recorded for the LA to
review (`GET .../review-requests`). It lasts `expires_in_days` (default 28, at most 90) or until `expires_on`; it
can be revoked; every opening is recorded. Give `url` to the family. A decision of another request is a 422 naming
`decision_id`; another LA's request a 404. The same `Idempotency-Key` and body gives the same link.""",
          """The request's family links, newest first, each with its `status` (`open`, `expired`, `revoked`), when
the family asked for a review from it (`acted_at`) and every opening (when, page or PDF, opened or refused), without
IP address or user agent.""",
          """Withdraw a link (sent to the wrong address, or the family asked): from now on it opens nothing, and the
family sees a page saying the link was withdrawn. A link already revoked is a 409."""))

router = link_router(ROUTES, tags=["eligibility"])


@router.get("/requests/{request_id}/review-requests", response_model=ReviewRequests, responses=PROBLEMS,
            summary="The family's review requests of a request")
async def list_review_requests(request_id: RequestId, session: SessionDep, caller: Reader):
    """The reviews the family asked for from their decision notice links (ELIG-10), newest first: which decision,
    their reason, when. Each is `open` until casework reviews the request (`POST /requests/{id}/review`, with
    `asked_by` the family and any corrected facts), which supersedes the decision it names."""
    found = await service.review_requests(session, request_id=request_id, caller=caller)
    return ReviewRequests(items=[ReviewRequestRead.model_validate(r) for r in found])
