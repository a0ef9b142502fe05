"""Family links (issue 20): a caseworker issues a signed link to one document of one budget (its statement, or a
decision notice: a variation or a panel decision); the family opens it without an account; it expires, can be
revoked, and every use is recorded. The mechanism (token, expiry, revocation, openings) is kit's
(``kit/family_links.py``), signed under ``SENDPB_BUDGET_FAMILY_LINK_SECRET``; here: which budget and document."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy.ext.asyncio import AsyncSession

from kit import family_links as links
from kit.auth import Caller
from kit.errors import InvalidInput, NotFound
from kit.family import INVALID, OPEN
from kit.family_links import LinkScope, LinkTarget
from services.budget import repository as repo
from services.budget.domain.family import DECISIONS, DISPUTE, DOCUMENTS
from services.budget.models import Budget, FamilyLink, FamilyLinkOpening, PanelDecision, Review, Variation
from services.budget.schemas import FamilyLinkCreate
from services.budget.service import budgets, common, disputes, reviews

__all__ = ["INVALID", "OPEN", "PATH", "Opened", "SPEC", "ask_for_review", "decision_of", "open_link", "scope",
           "target", "today"]

PATH = "/v1/budgets/family/"
# The budget's tokens kept the claims they had before kit held the mechanism (``bud`` names the budget), so links
# already sent keep opening.
SPEC = links.LinkSpec(issuer="sendpb-budget", path=PATH, link=FamilyLink, opening=FamilyLinkOpening,
                      family_field="budget_id", family_claim="bud", documents=DOCUMENTS)


async def scope(session: AsyncSession, caller: Caller, budget_id: str, *, lock: bool = False) -> LinkScope:
    """The caller's budget (404 for another LA's) and its links: every document of its family."""
    budget = await budgets.load(session, budget_id, caller, lock=lock)
    return LinkScope(budget.local_authority, budget.id, None, budget)


async def target(session: AsyncSession, scope: LinkScope, body: FamilyLinkCreate) -> LinkTarget:
    """What a new link opens: the budget's ``document``. A decision notice names its variation or panel decision
    (``document_id``: 422 naming it when missing or not this budget's, so another budget's decision is never
    linked)."""
    budget, document, document_id = scope.record, body.document, body.document_id
    if document in DECISIONS:
        if document_id is None:
            raise InvalidInput.field("document_id", f"a {document} notice names its {document}'s id")
        if await _decision(session, budget, document, document_id) is None:
            raise InvalidInput.field("document_id", f"this budget has no {document} {document_id}")
    elif document == DISPUTE:
        if document_id is None:
            raise InvalidInput.field("document_id", "a dispute's notice names the dispute's id")
        try:
            await disputes.find(session, budget, document_id)
        except NotFound:
            raise InvalidInput.field("document_id", f"this budget has no dispute {document_id}",
                                     rule="BUD-13") from None
    elif document_id is not None:
        raise InvalidInput.field("document_id", f"the {document} names no record")
    return LinkTarget(budget.id, document, document_id)


@dataclass(frozen=True)
class Opened:
    """What a family's token opened: the link and its budget and ``status`` ``open``, or a refusal
    (``expired``/``revoked``: a 410, recorded; ``invalid``: a 404, nothing to record it against)."""

    status: str
    link: FamilyLink | None = None
    budget: Budget | None = None


async def open_link(session: AsyncSession, token: str, *, key: bytes, fmt: str,
                    documents: tuple[str, ...] = ("statement",)) -> Opened:
    """Check the token and its link (one of ``documents``: a statement's token opens no decision page, nor the
    other way round), and record the opening (or the refused attempt) against the link."""
    opened = await links.open_link(session, SPEC, token, key=key, fmt=fmt)
    if opened.link is None or opened.link.document not in documents:
        return Opened(INVALID)
    return Opened(opened.status, opened.link, await repo.budget_by_id(session, opened.link.budget_id))


async def _decision(session: AsyncSession, budget: Budget, document: str,
                    document_id: str) -> Variation | PanelDecision | None:
    if document == "variation":
        return next((v for v in await repo.variations(session, budget.id) if v.id == document_id), None)
    return await repo.panel_decision(session, budget.id, document_id)


async def decision_of(session: AsyncSession, opened: Opened) -> Variation | PanelDecision:
    """The variation or panel decision a decision notice's link is about."""
    if opened.link is None or opened.budget is None or opened.link.document not in DECISIONS:
        raise NotFound("this link opens no decision")
    found = await _decision(session, opened.budget, opened.link.document, opened.link.document_id)
    if found is None:
        raise NotFound("this link's decision was not found")
    return found


async def ask_for_review(session: AsyncSession, opened: Opened, *, reason: str) -> Review:
    """The family asks for a review from their link (BUD-09: whenever the family asks): recorded as a review
    request by the link, due today."""
    if opened.link is None or opened.budget is None:
        raise NotFound("this link opens nothing")
    said = reason.strip() or "no reason given"
    requested = await reviews.request(session, opened.budget, requested_on=today(),
                                      reason=f"Asked by the family from their statement link: {said}",
                                      by=f"family-link:{opened.link.id}")
    return requested.review


def today() -> date:
    return common.now().astimezone(UTC).date()
