"""Review: re-open the decision in force at the family's request and decide again (ELIG-10); and the family's own
request for a review from their decision notice's link, recorded for the LA to review."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit import family_links as links
from kit.auth import Caller
from kit.events import utcnow
from services.eligibility import repository as repo
from services.eligibility.domain.notices import review_refusal
from services.eligibility.models import Review, ReviewRequest
from services.eligibility.schemas import ReviewCreate
from services.eligibility.service import family_links
from services.eligibility.service.deciding import DecidedRequest, answerable, record_decision
from services.eligibility.service.family_links import Notice
from services.eligibility.service.reading import request_of
from services.eligibility.settings import EligibilitySettings


async def review(session: AsyncSession, *, request_id: str, body: ReviewCreate, caller: Caller,
                 settings: EligibilitySettings) -> DecidedRequest:
    """Re-open a decision at the family's request (ELIG-10): record why, who asked and any corrected facts,
    decide again under the current rules and LA settings, and supersede the decision that was current."""
    request = await request_of(session, request_id, caller)
    previous = await repo.current_decision(session, request.id)
    assert previous is not None  # a request is recorded with its first decision
    corrections = body.corrections.model_dump(mode="json", exclude_unset=True) if body.corrections else {}
    facts = {**previous.facts, **corrections}
    rules_input = answerable(facts, custody_rule=settings.custody_rule_for(request.local_authority),
                             field_prefix="corrections.")
    record = Review(id=str(uuid.uuid4()), request_id=request.id, local_authority=request.local_authority,
                    reason=body.reason, asked_by=body.asked_by, corrections=corrections,
                    recorded_by=caller.client_id, created_at=utcnow())
    await repo.add(session, record)
    return await record_decision(session, request, facts, rules_input, supersedes=previous.id, review=record)


@dataclass(frozen=True)
class AskedForReview:
    """The family's review request from their link, and ``again`` when the link had asked before (nothing new)."""

    review_request: ReviewRequest
    again: bool


async def ask_for_review(session: AsyncSession, notice: Notice, *, reason: str) -> AskedForReview:
    """The family asks for a review of a refusal from their decision notice's link (ELIG-10), once per link: a
    second post answers the first request. Raises ``ReviewRefused`` (ELIG-10) when the notice offers no review: the
    decision refused nothing, a later decision replaced it, or it came from a review (the next step is a complaint).

    Recorded for the LA to review, not re-decided at once: ``review`` decides again on the facts, with the
    caseworker's corrections and evidence, and records who made it; a review the family triggers alone would apply
    the same rules to the same facts and give the same answer, and an ELIG-12 decline is the LA's judgement, which
    only an officer can look at again. So the family's request is kept (``review_requests``, open while the
    decision is in force), casework lists it (``GET /requests/{id}/review-requests``) and answers it with
    ``POST /requests/{id}/review``, whose decision supersedes the one the family asked about."""
    notice = await family_links.reloaded(session, notice)
    if notice.asked is not None:
        return AskedForReview(notice.asked, True)
    if refusal := review_refusal(notice.step):
        raise refusal
    asked = ReviewRequest(id=str(uuid.uuid4()), request_id=notice.request.id, decision_id=notice.decision.id,
                          local_authority=notice.request.local_authority, reason=reason.strip(),
                          asked_by=f"the family, from their decision notice link {notice.link.id}",
                          asked_at=clock.now(), link_id=notice.link.id)
    await repo.add(session, asked)
    links.acted(notice.link, asked.id)
    return AskedForReview(asked, False)


@dataclass(frozen=True)
class OpenReviewRequest:
    """A family's review request, and whether it is still open."""

    review_request: ReviewRequest
    open: bool

    def __getattr__(self, name: str):  # the request's own fields (id, reason, asked_at, ...)
        return getattr(self.review_request, name)


async def review_requests(session: AsyncSession, *, request_id: str, caller: Caller) -> list[OpenReviewRequest]:
    """The family's review requests of the caller's request, newest first, each ``open`` until a review supersedes
    the decision it names."""
    request = await request_of(session, request_id, caller)
    return [OpenReviewRequest(row, is_open) for row, is_open in await repo.review_requests(session, request.id)]
