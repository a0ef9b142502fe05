"""Reading: a request with its decision in force, one decision, a request's decisions, the caller's requests.
Only the caller's local authorities are visible; another LA's request is a 404 that does not say it exists."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.tenancy import found
from services.eligibility import repository as repo
from services.eligibility.models import EligibilityRequest
from services.eligibility.service.deciding import DecidedRequest


async def request_of(session: AsyncSession, request_id: str, caller: Caller) -> EligibilityRequest:
    """The request if it belongs to one of the caller's LAs; otherwise 404, never revealing another LA's."""
    return found(await repo.request_for(session, request_id, caller), "eligibility request", request_id)


async def current(session: AsyncSession, *, request_id: str, caller: Caller) -> DecidedRequest:
    """The request with its decision in force."""
    request = await request_of(session, request_id, caller)
    decision = await repo.current_decision(session, request.id)
    assert decision is not None
    return DecidedRequest(request, decision, await repo.review_of(session, decision), current=True)


async def one_decision(session: AsyncSession, *, request_id: str, decision_id: str,
                       caller: Caller) -> DecidedRequest:
    """One decision of a request, current or superseded."""
    request = await request_of(session, request_id, caller)
    decision = found(await repo.decision_of(session, request.id, decision_id), "decision", decision_id)
    return DecidedRequest(request, decision, await repo.review_of(session, decision),
                          current=not await repo.is_superseded(session, decision.id))


async def decisions(session: AsyncSession, *, request_id: str, caller: Caller, limit: int,
                    cursor: str | None) -> tuple[list[DecidedRequest], str | None]:
    """A request's decisions, newest first."""
    request = await request_of(session, request_id, caller)
    rows, next_cursor = await repo.decisions_page(session, request.id, limit=limit, cursor=cursor)
    reviews = await repo.reviews_by_id(session, [d.review_id for d in rows if d.review_id])
    latest = await repo.current_decision(session, request.id)
    in_force = latest.id if latest is not None else None
    return [DecidedRequest(request, d, reviews.get(d.review_id or ""), current=d.id == in_force)
            for d in rows], next_cursor


async def history(session: AsyncSession, *, caller: Caller, child_id: str | None, local_authority: str | None,
                  limit: int, cursor: str | None) -> tuple[list[DecidedRequest], str | None]:
    """The caller's requests, newest first, each with its current decision."""
    rows, next_cursor = await repo.requests_page(session, caller, child_id=child_id,
                                                 local_authority=local_authority, limit=limit, cursor=cursor)
    reviews = await repo.reviews_by_id(session, [d.review_id for _, d in rows if d.review_id])
    return [DecidedRequest(r, d, reviews.get(d.review_id or ""), current=True) for r, d in rows], next_cursor
