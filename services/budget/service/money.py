"""Money moved by other services: funds released from block contracts and direct payments (BUD-08).

Each outside id (transfer, payment, recovery) is booked once: its ledger transaction carries the id as a
unique ``reference``, on top of the inbox's per-envelope idempotency."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import Conflict, RuleViolation
from kit.events import Envelope
from kit.money import pounds
from kit.outbox import add_event
from services.budget import events
from services.budget import repository as repo
from services.budget.domain.budget import cost_by_stream
from services.budget.domain.ledger import Entry, Posting, commit, commitment_refusal, release, spend, split_by_weight
from services.budget.models import Budget
from services.budget.service import common


class Refused(Exception):
    """Money another service moved that this budget will not book, for a business reason: the consumer publishes
    ``budget.booking_refused.v1`` and acknowledges (a dead letter is for messages that cannot be read)."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule, self.reason = rule, reason


async def budget_of(session: AsyncSession, *, budget_id: str | None, la: str, child_id: str) -> Budget:
    """The budget an event names (or the CYP's open one), of that LA and child; otherwise the booking is refused."""
    budget = (await repo.budget_by_id(session, budget_id, lock=True) if budget_id
              else await repo.open_budget(session, la, child_id))
    if budget is None or budget.local_authority != la:
        raise Refused("BUD-08", f"no budget {budget_id or '(open)'} for child {child_id} in {la}")
    if budget.child_id != child_id:
        raise Refused("BUD-01", f"budget {budget.id} is not the budget of child {child_id}")
    return budget


async def receive_transfer(session: AsyncSession, cause: Envelope, *, transfer_id: str, budget_id: str, la: str,
                           child_id: str, stream: str, amount_pence: int, returned: bool) -> None:
    """Funds released from a block contract into the budget's stream, or given back to it (BUD-08), once per
    transfer. A release is refused (``budget.booking_refused.v1``, after which contracts gives the units back) for
    no budget of this LA, another child's budget, or a closed budget; a return of a release never booked is
    nothing to take back."""
    released = f"transfer:{transfer_id}:released"
    if returned and not await repo.reference_booked(session, released):
        return  # a release this budget never booked (it refused it): nothing comes back out of the budget
    try:
        budget = await budget_of(session, budget_id=budget_id, la=la, child_id=child_id)
        if not returned and budget.status == "closed":
            raise Refused("BUD-06", f"budget {budget.id} is closed: nothing more is released into it")
    except Refused as refusal:
        await _refused(session, cause, refusal, transfer_id=transfer_id)
        return
    await book_release(session, budget, stream=stream, amount_pence=amount_pence,
                       reference=f"transfer:{transfer_id}:{'returned' if returned else 'released'}", returned=returned)


async def receive_direct_payment(session: AsyncSession, cause: Envelope, *, budget_id: str | None, la: str,
                                 child_id: str, stream: str | None, amount_pence: int, reference: str,
                                 recovered: bool, why: str | None = None, kind: str | None = None, **ids) -> None:
    """A direct payment issued, a recovery confirmed or a payment the bank returned (BUD-08), booked once per
    ``reference``; refused with ``budget.booking_refused.v1`` for no budget of this LA or another child's."""
    try:
        budget = await budget_of(session, budget_id=budget_id, la=la, child_id=child_id)
        await book_payment(session, budget, stream=stream, amount_pence=amount_pence, reference=reference,
                           recovered=recovered, why=why, kind=kind)
    except Refused as refusal:
        await _refused(session, cause, refusal, **ids)


async def _refused(session: AsyncSession, cause: Envelope, refusal: Refused, **ids) -> None:
    """A business refusal is an event, acknowledged: the producer acts on it (contracts gives the units back);
    only unreadable messages are dead-lettered."""
    p = cause.payload
    await add_event(session, events.booking_refused(
        cause, budget_id=p.get("budget_id"), child_id=p["child_id"], la=p["local_authority"],
        stream=p.get("stream"), amount_pence=p["amount_pence"], rule=refusal.rule, reason=refusal.reason, **ids))


async def book_release(session: AsyncSession, budget: Budget, *, stream: str, amount_pence: int,
                       reference: str, returned: bool) -> bool:
    """Funds released from (or, returned, given back to) a block contract on a stream."""
    if await repo.reference_booked(session, reference):
        return False
    signed = -amount_pence if returned else amount_pence
    memo = (f"{pounds(amount_pence)} {'returned to' if returned else 'released from'} a block contract "
            f"({stream.replace('_', ' ')})")
    await repo.post(
        session, budget.id, [release(stream, signed, memo, reference=reference)], now=common.now()
    )
    return True


async def book_payment(
    session: AsyncSession,
    budget: Budget,
    *,
    stream: str | None,
    amount_pence: int,
    reference: str,
    recovered: bool,
    why: str | None = None,
    kind: str | None = None,
) -> bool:
    """A direct payment (spent) or a confirmed recovery (back into the budget) on its stream; without a
    stream, split across the direct-payment streams in proportion to their direct-payment amounts."""
    if await repo.reference_booked(session, reference):
        return False
    what = why or ("recovered by direct payment" if recovered else "paid by direct payment")
    if stream is not None:
        parts, how = {stream: amount_pence}, ""
    else:
        weights = cost_by_stream(
            [common.line_of(p) for p in await repo.provisions(session, budget.id)],
            arrangement="direct_payment",
        )
        if not weights:
            raise Refused("BUD-08", f"budget {budget.id} has no direct-payment provision to book a payment against")
        parts = split_by_weight(amount_pence, weights)
        how = (
            " (no stream given: split across direct-payment streams in proportion to their direct-payment "
            "amounts, remainder pennies to the largest)"
        )
    postings = [
        spend(
            s,
            -part if recovered else part,
            f"{pounds(part)} of {pounds(amount_pence)} {what}{how}",
            reference=reference if i == 0 else f"{reference}#{s}",
            kind=kind,
        )
        for i, (s, part) in enumerate(sorted(parts.items()))
        if part
    ]
    await repo.post(session, budget.id, postings, now=common.now())
    return True


async def book_commitment(
    session: AsyncSession, budget: Budget, *, stream: str, amount_pence: int, memo: str
) -> int:
    """Finance commits (or, negative, frees) money on a stream, e.g. an order placed for notional
    provision."""
    posting = commit(stream, amount_pence, memo)
    await _commitment_fits(session, budget, posting)
    [txn] = await repo.post(session, budget.id, [posting], now=common.now())
    return txn


async def _commitment_fits(session: AsyncSession, budget: Budget, posting: Posting) -> None:
    """BUD-08: commit no more than is available, free no more than is committed (``commitment_refusal``). The
    budget row is locked, so two commitments never both pass on the same money."""
    balances = await repo.balances(session, budget.id)
    for e in posting.entries:
        if e.account == "committed" and (why := commitment_refusal(balances[e.stream], e.stream, e.amount_pence)):
            raise RuleViolation(why, rule="BUD-08")


async def reverse(session: AsyncSession, budget: Budget, *, transaction_id: int, reason: str) -> int:
    """Correct a commitment by reversing it (BUD-08: entries are never edited). Money booked from other
    services' events is corrected by their own events (a return, a recovery), not here."""
    txn, entries = await repo.transaction(session, budget.id, transaction_id)
    if txn.kind != "commitment":
        raise RuleViolation(
            f"a {txn.kind} is corrected by its own service's events, not reversed here", rule="BUD-08"
        )
    if await repo.reversal_of(session, transaction_id) is not None:
        raise Conflict(f"transaction {transaction_id} is already reversed")
    posting = Posting("commitment", "x", tuple(Entry(e.stream, e.account, e.amount_pence) for e in entries))
    reversal = posting.reversed(f"Reversal of transaction {transaction_id}: {reason}")
    await _commitment_fits(session, budget, reversal)
    [rid] = await repo.post(
        session,
        budget.id,
        [reversal],
        now=common.now(),
        reverses_id=transaction_id,
    )
    return rid
