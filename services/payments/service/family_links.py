"""Recovery notices by family link (issue 20; PAY-07, PAY-10): a caseworker issues a signed link to one recovery
notice for the family of its agreement; the family opens it without an account, reads it in plain English (what
the money is, what was paid, what is asked back and what is left to repay, what they can do next) and challenges it
from the page, through the same use case casework uses (``audits.challenge``). The mechanism (token, expiry,
revocation, openings) is kit's (``kit/family_links.py``), signed under ``SENDPB_PAYMENTS_FAMILY_LINK_SECRET``.

The challenge form posts to the link itself: the signed link is the capability (no cookie, so nothing for another
site to ride on), and a challenge is recorded once per link (``kit.family_links.acted``): posting again answers what
the first post did."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit import family_links as links
from kit.auth import Caller
from kit.family_links import LinkScope, LinkTarget
from services.payments import repository
from services.payments.models import Agreement, FamilyLink, FamilyLinkOpening, Recovery
from services.payments.service import audits

PATH = "/v1/payments/family/"
DOCUMENT = "recovery_notice"
SPEC = links.LinkSpec(issuer="sendpb-payments", path=PATH, link=FamilyLink, opening=FamilyLinkOpening,
                      family_field="agreement_id", family_claim="agr", documents=(DOCUMENT,))


async def scope(session: AsyncSession, caller: Caller, recovery_id: str, *, lock: bool = False) -> LinkScope:
    """The recovery (404 for another LA's) and its links: its agreement's family's, to this notice."""
    recovery = await audits.find_recovery(session, caller, recovery_id)
    return LinkScope(recovery.local_authority, recovery.agreement_id, recovery.id, recovery)


async def target(session: AsyncSession, scope: LinkScope, body: object) -> LinkTarget:
    """A new link opens the recovery notice for its agreement's family."""
    return LinkTarget(scope.family_id, DOCUMENT, scope.document_id)


@dataclass(frozen=True)
class Notice:
    """What a family's link opened: the link, and when it is open the recovery notice, its agreement and what was
    paid under it."""

    status: str
    link: FamilyLink | None = None
    recovery: Recovery | None = None
    agreement: Agreement | None = None
    payments: tuple[tuple[date, int], ...] = ()  # (due date, amount) of each payment sent and not returned

    @property
    def paid_pence(self) -> int:
        """What was paid under the agreement, less what the bank returned."""
        return sum(amount for _, amount in self.payments)

    @property
    def left_to_repay_pence(self) -> int:
        return self.recovery.amount_pence - self.recovery.repaid_pence

    @property
    def challengeable(self) -> bool:
        """PAY-07: an issued notice may be challenged until its window closes."""
        return self.recovery.status == "notice_issued" and clock.today() <= self.recovery.challenge_by


async def open_notice(session: AsyncSession, token: str, *, key: bytes, fmt: str) -> Notice:
    """Check the token and its link, record the opening, and load the notice it is about."""
    opened = await links.open_link(session, SPEC, token, key=key, fmt=fmt)
    if opened.status != links.OPEN:
        return Notice(opened.status, opened.link)
    recovery = (await repository.recoveries_by_ids(session, [opened.link.document_id]))[opened.link.document_id]
    agreement = (await repository.agreements_by_ids(session, [recovery.agreement_id]))[recovery.agreement_id]
    paid = tuple(await repository.live_payments(session, agreement.id))
    return Notice(opened.status, opened.link, recovery, agreement, paid)


@dataclass(frozen=True)
class Challenged:
    recovery: Recovery
    again: bool


async def challenge(session: AsyncSession, notice: Notice, *, grounds: str) -> Challenged:
    """The family challenges the notice from their link (PAY-07), once: a second post answers the first's outcome.
    After the window, or once the notice is no longer issued, the use case refuses it (409 naming PAY-07)."""
    await repository.agreement_by_id(session, notice.agreement.id)  # locked: one challenge at a time
    link = notice.link
    await session.refresh(link)
    recovery = (await repository.recoveries_by_ids(session, [link.document_id]))[link.document_id]
    await session.refresh(recovery)
    if link.action_id is not None:
        return Challenged(recovery, True)
    audits.challenge(recovery, f"From the family's notice link: {grounds.strip()}")
    links.acted(link, recovery.id)
    return Challenged(recovery, False)
