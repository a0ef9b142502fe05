"""ELIG-14, before 18: the young people approaching 18 (a list per LA) and the scheduled job that tells adult
social care about each once (``eligibility.adulthood_approaching.v1``), with the eligibility handover."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.auth import Caller
from kit.db import Database
from kit.outbox import add_event
from services.eligibility import domain
from services.eligibility import repository as repo
from services.eligibility.events import adulthood_approaching
from services.eligibility.models import AdulthoodAnnouncement, Decision, EligibilityRequest
from services.eligibility.settings import EligibilitySettings


@dataclass(frozen=True)
class ApproachingAdulthood:
    """A child turning 18 soon, read from their latest decision. schemas.AdulthoodRead reads these attributes."""

    request: EligibilityRequest
    decision: Decision
    announced_at: datetime | None

    @property
    def born(self) -> date:
        assert self.decision.date_of_birth is not None  # selected by it
        return self.decision.date_of_birth

    child_id = property(lambda self: self.request.child_id)
    local_authority = property(lambda self: self.request.local_authority)
    request_id = property(lambda self: self.request.id)
    decision_id = property(lambda self: self.decision.id)
    status = property(lambda self: self.decision.status)
    eligible_streams = property(lambda self: self.decision.eligible_streams)
    allowed_arrangements = property(lambda self: self.decision.allowed_arrangements)
    care_leaver = property(lambda self: bool(self.decision.facts.get("care_leaver", False)))

    @property
    def turns_18_on(self) -> date:
        return domain.turns_18_on(self.born)

    @property
    def transition_reviewed_on(self) -> date | None:
        transition = self.decision.facts.get("transition")
        return date.fromisoformat(transition["reviewed_on"]) if transition else None

    @property
    def handover(self) -> str:
        return domain.handover_summary(
            born=self.born, eligible_streams=self.eligible_streams, allowed_arrangements=self.allowed_arrangements,
            decided_on=self.decision.decided_at.date(), care_leaver=self.care_leaver,
            transition_reviewed_on=self.transition_reviewed_on)


async def approaching(session: AsyncSession, *, caller: Caller, local_authority: str | None,
                      within_days: int | None, settings: EligibilitySettings, limit: int,
                      cursor: str | None) -> tuple[list[ApproachingAdulthood], str | None]:
    """The young people of the caller's LAs whose latest decision grants a stream and who turn 18 from today to
    ``within_days`` ahead (default: the notice window), soonest first."""
    if local_authority is not None:
        caller.ensure_la(local_authority)
    today = clock.today()
    days = settings.adulthood_notice_days if within_days is None else within_days
    born_from, born_to = domain.born_turning_18_between(today, today + timedelta(days=days))
    rows, next_cursor = await repo.approaching_adulthood(
        session, born_from=born_from, born_to=born_to, las=caller.las, local_authority=local_authority,
        limit=limit, cursor=cursor)
    return [ApproachingAdulthood(r, d, a.announced_at if a else None) for r, d, a in rows], next_cursor


async def announce_adulthood(db: Database, settings: EligibilitySettings, *, batch: int = 200) -> int:
    """The scheduled job (kit.jobs): tell adult social care about each child whose latest decision grants a stream
    and who turns 18 within the notice window (ELIG-14), once per child: the announcement row (unique per child of
    an LA) and its event commit together, so a rerun or another replica finds it told and does nothing."""
    told = 0
    while True:
        today = clock.today()
        born_from, born_to = domain.born_turning_18_between(
            today, today + timedelta(days=settings.adulthood_notice_days))
        async with db.transaction() as session:
            rows, _ = await repo.approaching_adulthood(session, born_from=born_from, born_to=born_to, las=None,
                                                       unannounced=True, limit=batch)
        for request, decision, _ in rows:
            try:
                async with db.transaction() as session:
                    await _announce(session, ApproachingAdulthood(request, decision, None))
            except IntegrityError:
                continue  # another replica told them first
            told += 1
        if len(rows) < batch:
            return told


async def _announce(session: AsyncSession, child: ApproachingAdulthood) -> None:
    await repo.add(session, AdulthoodAnnouncement(
        id=str(uuid.uuid4()), local_authority=child.local_authority, child_id=child.child_id,
        request_id=child.request_id, decision_id=child.decision_id, turns_18_on=child.turns_18_on,
        announced_at=clock.now()))
    await add_event(session, adulthood_approaching(child.request, child.decision, turns_18_on=child.turns_18_on,
                                                   summary=child.handover))
