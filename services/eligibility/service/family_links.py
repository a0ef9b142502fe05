"""Decision notices by family link (issue 20; ELIG-10): a caseworker issues a signed link to one decision on a
request for the family who made it; the family opens it without an account, reads in plain English what was decided
and why, and the next step open to them (``domain/notices.py``): for a refusal, to ask for a review from the page
(``reviews.ask_for_review``, once per link); after a review, a complaint. The mechanism (token, expiry, revocation,
openings) is kit's (``kit/family_links.py``), signed under ``SENDPB_ELIGIBILITY_FAMILY_LINK_SECRET``."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kit import family_links as links
from kit.auth import Caller
from kit.errors import InvalidInput
from kit.family_links import LinkScope, LinkTarget
from services.eligibility import repository as repo
from services.eligibility.domain.notices import NextStep, next_step, refused
from services.eligibility.models import (
    Decision,
    EligibilityRequest,
    FamilyLink,
    FamilyLinkOpening,
    Review,
    ReviewRequest,
)
from services.eligibility.schemas import DecisionLinkCreate
from services.eligibility.service.reading import request_of

PATH = "/v1/eligibility/family/"
DOCUMENT = "decision"
SPEC = links.LinkSpec(issuer="sendpb-eligibility", path=PATH, link=FamilyLink, opening=FamilyLinkOpening,
                      family_field="request_id", family_claim="req", documents=(DOCUMENT,))


async def scope(session: AsyncSession, caller: Caller, request_id: str, *, lock: bool = False) -> LinkScope:
    """The caller's request (404 for another LA's) and its links: every decision notice of its family."""
    request = await request_of(session, request_id, caller)
    return LinkScope(request.local_authority, request.id, None, request)


async def target(session: AsyncSession, scope: LinkScope, body: DecisionLinkCreate) -> LinkTarget:
    """A new link opens the notice of one decision of this request (another request's decision: 422 naming
    ``decision_id``)."""
    if await repo.decision_of(session, scope.family_id, body.decision_id) is None:
        raise InvalidInput.field("decision_id", f"this request has no decision {body.decision_id}")
    return LinkTarget(scope.family_id, DOCUMENT, body.decision_id)


@dataclass(frozen=True)
class Notice:
    """What a family's link opened: the link, and when it is open the request, the decision, the review it came
    from (if any), the decision that replaced it (if any), the family's review request from this link (if any) and
    the next step open to the family."""

    status: str
    link: FamilyLink | None = None
    request: EligibilityRequest | None = None
    decision: Decision | None = None
    review: Review | None = None
    replaced_by: Decision | None = None
    asked: ReviewRequest | None = None
    step: NextStep | None = None


async def open_notice(session: AsyncSession, token: str, *, key: bytes, fmt: str) -> Notice:
    """Check the token and its link, record the opening, and load the decision it is about."""
    opened = await links.open_link(session, SPEC, token, key=key, fmt=fmt)
    if opened.status != links.OPEN:
        return Notice(opened.status, opened.link)
    return await _notice(session, opened.status, opened.link)


async def _notice(session: AsyncSession, status: str, link: FamilyLink) -> Notice:
    request = await repo.request_by_id(session, link.request_id)
    decision = await repo.decision_of(session, link.request_id, link.document_id)
    replaced_by = await repo.superseding(session, decision.id)
    asked = await repo.review_request_of_link(session, link.id)
    step = next_step(refuses=refused(decision.streams, decision.arrangements, decision.declines),
                     reviewed=decision.review_id is not None, in_force=replaced_by is None,
                     review_asked=asked is not None)
    return Notice(status, link, request, decision, await repo.review_of(session, decision), replaced_by, asked,
                  step)


async def reloaded(session: AsyncSession, notice: Notice) -> Notice:
    """The notice as it stands now, its link locked (``SELECT ... FOR UPDATE``), so that two posts of the form at
    once record one review request."""
    link = await repo.family_link_locked(session, notice.link.id)
    return await _notice(session, notice.status, link)
