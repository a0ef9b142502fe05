"""Every query of the eligibility service. Reads on behalf of a caller are scoped to the caller's LAs. Rows are
only ever added (ELIG-11: requests, reviews and decisions are never updated)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import and_, exists, insert, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kit.auth import Caller
from kit.pagination import decode_cursor, encode_cursor, newest_first, page_of
from kit.tenancy import scoped
from services.eligibility.models import (
    AdulthoodAnnouncement,
    Decision,
    EligibilityRequest,
    FamilyLink,
    Review,
    ReviewRequest,
)

_later = aliased(Decision)
# The current decision of a request is the one no other decision supersedes.
IS_CURRENT = ~exists().where(_later.supersedes_decision_id == Decision.id)

# A child's latest decision: current, and no other current decision of the same child (another request of the
# same LA) was made after it.
_other_request, _other, _later_other = aliased(EligibilityRequest), aliased(Decision), aliased(Decision)
IS_CHILDS_LATEST = ~exists().where(
    _other_request.child_id == EligibilityRequest.child_id,
    _other_request.local_authority == EligibilityRequest.local_authority,
    _other.request_id == _other_request.id,
    ~exists().where(_later_other.supersedes_decision_id == _other.id),
    or_(_other.decided_at > Decision.decided_at,
        and_(_other.decided_at == Decision.decided_at, _other.id > Decision.id)),
)


async def add(session: AsyncSession,
              row: EligibilityRequest | Review | Decision | AdulthoodAnnouncement | ReviewRequest) -> None:
    """Insert ``row`` in the use case's transaction now, so that a constraint it breaks (a decision superseded
    twice) raises here rather than at commit. A plain INSERT on the session's connection, not a unit-of-work
    flush: these rows are only ever added (ELIG-11), so the session need not track them (bench/write_api.py)."""
    mapper = inspect(type(row))
    await (await session.connection()).execute(insert(mapper.local_table), {
        attr.columns[0].name: getattr(row, attr.key) for attr in mapper.column_attrs if attr.key in vars(row)})


async def request_for(session: AsyncSession, request_id: str, caller: Caller) -> EligibilityRequest | None:
    stmt = select(EligibilityRequest).where(EligibilityRequest.id == request_id)
    return (
        await session.execute(scoped(stmt, EligibilityRequest.local_authority, caller))
    ).scalar_one_or_none()


async def current_decision(session: AsyncSession, request_id: str) -> Decision | None:
    stmt = select(Decision).where(Decision.request_id == request_id, IS_CURRENT)
    return (await session.execute(stmt)).scalar_one_or_none()


async def decision_of(session: AsyncSession, request_id: str, decision_id: str) -> Decision | None:
    stmt = select(Decision).where(Decision.request_id == request_id, Decision.id == decision_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def is_superseded(session: AsyncSession, decision_id: str) -> bool:
    stmt = select(exists().where(Decision.supersedes_decision_id == decision_id))
    return bool((await session.execute(stmt)).scalar())


async def review_of(session: AsyncSession, decision: Decision) -> Review | None:
    """The review that led to ``decision``, if any."""
    return None if decision.review_id is None else await session.get(Review, decision.review_id)


async def reviews_by_id(session: AsyncSession, review_ids: list[str]) -> dict[str, Review]:
    if not review_ids:
        return {}
    rows = (await session.execute(select(Review).where(Review.id.in_(review_ids)))).scalars()
    return {r.id: r for r in rows}


async def decisions_page(
    session: AsyncSession, request_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Decision], str | None]:
    """A request's decisions, newest first."""
    stmt = newest_first(
        select(Decision).where(Decision.request_id == request_id),
        Decision.decided_at,
        Decision.id,
        limit=limit,
        cursor=cursor,
    )
    rows = list((await session.execute(stmt)).scalars())
    return page_of(rows, limit=limit, created="decided_at")


async def requests_page(
    session: AsyncSession,
    caller: Caller,
    *,
    child_id: str | None,
    local_authority: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[tuple[EligibilityRequest, Decision]], str | None]:
    """The caller's requests, newest first, each with its current decision."""
    stmt = (
        select(EligibilityRequest, Decision)
        .join(Decision, Decision.request_id == EligibilityRequest.id)
        .where(IS_CURRENT)
    )
    stmt = scoped(stmt, EligibilityRequest.local_authority, caller)
    if child_id is not None:
        stmt = stmt.where(EligibilityRequest.child_id == child_id)
    if local_authority is not None:
        stmt = stmt.where(EligibilityRequest.local_authority == local_authority)
    stmt = newest_first(
        stmt, EligibilityRequest.created_at, EligibilityRequest.id, limit=limit, cursor=cursor
    )
    rows = [(row[0], row[1]) for row in (await session.execute(stmt)).all()]
    requests, next_cursor = page_of([r for r, _ in rows], limit=limit)
    return rows[: len(requests)], next_cursor


Approaching = tuple[EligibilityRequest, Decision, AdulthoodAnnouncement | None]


async def approaching_adulthood(
    session: AsyncSession,
    *,
    born_from: date,
    born_to: date,
    las: tuple[str, ...] | None,
    local_authority: str | None = None,
    unannounced: bool = False,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Approaching], str | None]:
    """Children born from ``born_from`` to ``born_to`` whose latest decision grants a stream (ELIG-14), with
    their announcement if adult social care was told; soonest 18th birthday first. ``las``: the caller's LAs
    (None: every LA, for the scheduled job)."""
    stmt = (
        select(EligibilityRequest, Decision, AdulthoodAnnouncement)
        .join(Decision, Decision.request_id == EligibilityRequest.id)
        .outerjoin(AdulthoodAnnouncement, and_(
            AdulthoodAnnouncement.local_authority == EligibilityRequest.local_authority,
            AdulthoodAnnouncement.child_id == EligibilityRequest.child_id))
        .where(IS_CURRENT, IS_CHILDS_LATEST, Decision.status != "not_eligible",
               Decision.date_of_birth >= born_from, Decision.date_of_birth <= born_to)
    )
    if las is not None:
        stmt = stmt.where(EligibilityRequest.local_authority.in_(las))
    if local_authority is not None:
        stmt = stmt.where(EligibilityRequest.local_authority == local_authority)
    if unannounced:
        stmt = stmt.where(AdulthoodAnnouncement.id.is_(None))
    if cursor:
        moment, ident = decode_cursor(cursor)
        born = moment.date()
        stmt = stmt.where(or_(Decision.date_of_birth > born, and_(Decision.date_of_birth == born, Decision.id > ident)))
    stmt = stmt.order_by(Decision.date_of_birth, Decision.id).limit(limit + 1)
    rows: list[Approaching] = [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1][1]
    assert last.date_of_birth is not None  # selected by it
    return rows[:limit], encode_cursor(datetime.combine(last.date_of_birth, time(), UTC), last.id)


async def superseding(session: AsyncSession, decision_id: str) -> Decision | None:
    """The decision that superseded ``decision_id`` (a review's, or a decline's), or None while it is in force."""
    stmt = select(Decision).where(Decision.supersedes_decision_id == decision_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def request_by_id(session: AsyncSession, request_id: str) -> EligibilityRequest | None:
    """A request by id, for a family link (which names it and was issued under its LA)."""
    return await session.get(EligibilityRequest, request_id)


async def review_request_of_link(session: AsyncSession, link_id: str) -> ReviewRequest | None:
    stmt = select(ReviewRequest).where(ReviewRequest.link_id == link_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def review_requests(session: AsyncSession, request_id: str) -> list[tuple[ReviewRequest, bool]]:
    """The family's review requests of a request, newest first, each with whether it is open (the decision it names
    is still in force: not yet reviewed)."""
    open_ = ~exists().where(_later.supersedes_decision_id == ReviewRequest.decision_id)
    stmt = (select(ReviewRequest, open_).where(ReviewRequest.request_id == request_id)
            .order_by(ReviewRequest.asked_at.desc(), ReviewRequest.id))
    return [(row, bool(is_open)) for row, is_open in (await session.execute(stmt)).all()]


async def family_link_locked(session: AsyncSession, link_id: str) -> FamilyLink:
    """The link as it stands, locked until the transaction ends (one review request per link)."""
    return await session.get(FamilyLink, link_id, with_for_update=True, populate_existing=True)
