"""CON-03: reviewing contracts at or before renewal to add flexibility, and listing those due."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.errors import RuleViolation
from kit.events import utcnow
from kit.pagination import keyset_page
from services.contracts import repository
from services.contracts.domain import terms
from services.contracts.models import ContractReview
from services.contracts.schemas import ReviewCreate
from services.contracts.service import AsOf, invalid


class DueForReview(AsOf):
    """A contract on the list of those due for review (CON-03), as it reads on ``today``."""

    @property
    def contract_id(self) -> str:
        return self.row.id

    @property
    def days_to_renewal(self) -> int:
        return (self.row.renewal_date - self.today).days

    @property
    def overdue(self) -> bool:
        """The renewal date has passed without a review for it."""
        return self.row.renewal_date < self.today


async def reviews_due(session: AsyncSession, *, caller: Caller, within_days: int, limit: int,
                      cursor: str | None) -> tuple[list[DueForReview], str | None]:
    """A page of the contracts renewing within ``within_days`` days of today (and overdue ones) without a review
    for that renewal, soonest first, and the next page's cursor."""
    today = utcnow().date()
    rows = await repository.due_for_review(session, caller, today=today,
                                           renewing_by=today + timedelta(days=within_days), limit=limit,
                                           cursor=cursor)
    page, next_cursor = keyset_page(rows, limit=limit, keys=repository.DUE_ORDER)
    return [DueForReview(c, today) for c in page], next_cursor


async def reviews_of(session: AsyncSession, *, contract_id: str, caller: Caller, limit: int,
                     cursor: str | None) -> tuple[list[ContractReview], str | None]:
    """A page of the reviews recorded for one of the caller's contracts, latest first, and the next page's
    cursor."""
    contract = await repository.contract(session, contract_id, caller)
    rows = await repository.reviews_of(session, contract.id, limit=limit, cursor=cursor)
    return keyset_page(rows, limit=limit, keys=repository.REVIEWS_ORDER)


async def record_review(session: AsyncSession, *, contract_id: str, body: ReviewCreate,
                        caller: Caller) -> ContractReview:
    """Record a review's outcome for the contract's coming renewal. A new maximum release share applies at
    once; a next renewal date (and new end date) starts the next review cycle."""
    contract = await repository.contract(session, contract_id, caller, lock=True)
    new_max = body.new_max_release_percent
    try:
        terms.check_review_dates(reviewed_on=body.reviewed_on, today=utcnow().date(), start_date=contract.start_date,
                                 end_date=contract.end_date, renewal_date=contract.renewal_date,
                                 new_end_date=body.new_end_date, next_renewal_date=body.next_renewal_date)
        if new_max is not None:
            terms.check_new_max(new_max, contracted_units=contract.contracted_units,
                                min_retained_units=contract.min_retained_units,
                                released_units=contract.released_units)
    except terms.TermsInvalid as exc:
        raise invalid(exc) from None
    except terms.MaximumBelowReleased as exc:
        raise RuleViolation(str(exc), rule="CON-04", errors=[{"field": "new_max_release_percent",
                                                              "message": "below the units already released"}]) from None
    review = ContractReview(
        id=str(uuid.uuid4()), contract_id=contract.id, local_authority=contract.local_authority,
        reviewed_on=body.reviewed_on, for_renewal_on=contract.renewal_date, outcome=body.outcome,
        flexibility_added=body.flexibility_added, previous_max_release_percent=contract.max_release_percent,
        new_max_release_percent=new_max, families_involved=body.families_involved, notes=body.notes,
        next_renewal_date=body.next_renewal_date, new_end_date=body.new_end_date,
        recorded_by=caller.client_id, created_at=utcnow(),
    )
    session.add(review)
    contract.reviewed_for_renewal = contract.renewal_date
    if new_max is not None:
        contract.max_release_percent = new_max
    contract.end_date = body.new_end_date or contract.end_date
    contract.renewal_date = body.next_renewal_date or contract.renewal_date
    await session.flush()
    return review
