"""The checker of the fault loops. Each check reads the services' databases (and the dead letters taken from the
broker) and returns the problems it finds, as sentences; none means the invariant holds:

- nothing is stuck in an outbox: every committed event was published and marked sent;
- every event a producer committed was applied exactly once by its consumer (its inbox holds it) or dead-lettered
  with a reason, never both, and a consumer applied nothing no producer committed;
- every ICB event applied exactly once (BUD-07): one record per ICB event id, one ledger posting and one
  ``budget.health_funding_applied.v1`` per applied event, none for a held or superseded one, and each budget's
  health funding is that of its latest applied event;
- every budget ledger balances: the entries of each transaction sum to 0, and the balances the service reports are
  the sums of the entries, with available = agreed + released - committed - spent (BUD-08);
- each direct payment agreed opens exactly one agreement of its amount (PAY-01);
- no payment is duplicated or missing (PAY-04): each instalment due is paid by exactly one live payment of its
  amount, with one ledger entry, one ``payments.payment_issued.v1`` and one spend booked on the budget, and each
  run's totals are the sum of its payments; each PAY-10 repayment received is one ledger entry, one
  ``payments.repayment_received.v1`` and one recovery posting on the budget;
- no penny leaves without an agreed budget line (BUD-06, PAY-01, BUD-08): per budget and stream, the payments
  issued (less those the bank returned) are no more than the direct-payment share the budget agreed, for each plan
  year of its period, and equal the payment postings in that budget's ledger;
- ``sendpb reconcile``'s comparison of the services' finance totals finds no difference;
- every poison message is dead-lettered with its reason, and nothing else is.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date
from typing import Any

from sqlalchemy import text

from kit.bus import DeadLetter
from kit.db import Database
from sendpb.reconcile import Totals, compare
from services.payments.domain import plan_years

LIST = 5  # problems of one kind listed by name; the rest are counted


async def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.sessions() as session:
        return list((await session.execute(text(sql), params)).all())


def named(what: str, items: list[Any]) -> list[str]:
    if not items:
        return []
    shown = ", ".join(str(i) for i in items[:LIST])
    return [f"{len(items)} {what}: {shown}{' …' if len(items) > LIST else ''}"]


async def applied_ids(db: Database, consumer: str, event_type: str) -> set[str]:
    """The envelope ids in the consumer's inbox of that type."""
    return {r.event_id for r in await rows(db, "SELECT event_id FROM inbox WHERE consumer = :c AND type = :t",
                                           c=consumer, t=event_type)}


def envelope_id(body: bytes) -> str | None:
    """The event id of a message that is an envelope at all."""
    try:
        return str(json.loads(body)["event_id"])
    except (ValueError, KeyError, TypeError):
        return None


def dead_event_ids(dead: list[DeadLetter]) -> set[str]:
    return {envelope_id(letter.body) for letter in dead} - {None}


async def stuck_in_outbox(db: Database, service: str) -> list[str]:
    unsent = await rows(db, "SELECT event_id FROM outbox WHERE published_at IS NULL ORDER BY id")
    return named(f"events stuck unsent in the outbox of {service}", [r.event_id for r in unsent])


async def consumed_once(producer: Database, consumer: Database, *, consumer_name: str, event_type: str,
                        dead: set[str]) -> list[str]:
    """Each event the producer committed is in the consumer's inbox once, or dead-lettered; not both."""
    published = {r.event_id for r in await rows(producer, "SELECT event_id FROM outbox WHERE type = :t",
                                                 t=event_type)}
    inbox = Counter({r.event_id: r.n for r in await rows(
        consumer, "SELECT event_id, count(*) AS n FROM inbox WHERE consumer = :c AND type = :t GROUP BY event_id",
        c=consumer_name, t=event_type)})
    return (named(f"{event_type} events committed but neither applied by {consumer_name} nor dead-lettered",
                  sorted(published - set(inbox) - dead))
            + named(f"{event_type} events in {consumer_name}'s inbox more than once",
                    sorted(e for e, n in inbox.items() if n > 1))
            + named(f"{event_type} events applied by {consumer_name} and also dead-lettered",
                    sorted(set(inbox) & dead))
            + named(f"{event_type} events applied by {consumer_name} that no producer committed",
                    sorted(set(inbox) - published)))


async def icb_applied_once(budget: Database, published: dict[str, dict], dead: set[str]) -> list[str]:
    """``published``: envelope event id -> payload of every valid ICB event sent. The loops give every event
    of a child a distinct amount, so every applied event moves money and is posted."""
    inbox = await applied_ids(budget, "budget", "icb.health_funding.changed.v1")
    problems = named("ICB events neither applied nor dead-lettered", sorted(set(published) - inbox - dead))
    problems += named("ICB events applied and also dead-lettered", sorted(set(published) & inbox & dead))
    expected = {p["event_id"] for e, p in published.items() if e in inbox}
    records = {r.event_id: r for r in await rows(
        budget, "SELECT event_id, status, budget_id, annual_amount_pence, effective_from, received_at "
                "FROM health_funding_events WHERE event_id = ANY(:ids)", ids=sorted(expected))}
    problems += named("ICB event ids received but not recorded", sorted(expected - set(records)))
    postings = Counter({r.reference[4:]: r.n for r in await rows(
        budget, "SELECT reference, count(*) AS n FROM ledger_transactions WHERE reference = ANY(:refs) "
                "GROUP BY reference", refs=[f"icb:{e}" for e in expected])})
    announced: Counter[str] = Counter()
    for r in await rows(budget, "SELECT body FROM outbox WHERE type = 'budget.health_funding_applied.v1'"):
        announced[json.loads(r.body)["payload"]["icb_event_id"]] += 1
    wrong_postings, wrong_events = [], []
    for event_id, record in sorted(records.items()):
        want = 1 if record.status == "applied" else 0
        if postings[event_id] != want:
            wrong_postings.append(f"{event_id} ({record.status}: {postings[event_id]} postings)")
        if announced[event_id] != want:
            wrong_events.append(f"{event_id} ({record.status}: {announced[event_id]} events)")
    problems += named("ICB events not posted to the ledger exactly once if applied (never if not)",
                      wrong_postings)
    problems += named("ICB events not announced exactly once if applied (never if not)", wrong_events)
    return problems + await _health_is_latest_applied(budget, records)


async def _health_is_latest_applied(budget: Database, records: dict[str, Any]) -> list[str]:
    """BUD-07: a budget's health funding is the amount of its latest applied event (effective date, then
    arrival), however the events were ordered, repeated or redelivered."""
    latest: dict[str, Any] = {}
    for r in records.values():
        if r.status == "applied":
            key = (r.effective_from, r.received_at)
            if r.budget_id not in latest or key > (latest[r.budget_id].effective_from,
                                                  latest[r.budget_id].received_at):
                latest[r.budget_id] = r
    agreed = {r.budget_id: -int(r.total) for r in await rows(
        budget, "SELECT budget_id, sum(amount_pence)::bigint AS total FROM ledger_entries WHERE stream = 'health' "
                "AND account = 'agreed' AND budget_id = ANY(:ids) GROUP BY budget_id", ids=sorted(latest))}
    return named("budgets whose health funding is not their latest ICB event's amount",
                 [f"{b} ({agreed.get(b)} != {r.annual_amount_pence})" for b, r in sorted(latest.items())
                  if agreed.get(b) != r.annual_amount_pence])


async def ledger_balanced(budget: Database) -> list[str]:
    unbalanced = await rows(budget, """
        SELECT t.id, coalesce(sum(e.amount_pence), 0)::bigint AS total, count(e.id) AS n
        FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
        GROUP BY t.id HAVING coalesce(sum(e.amount_pence), 0)::bigint <> 0 OR count(e.id) < 2 ORDER BY t.id""")
    strays = await rows(budget, """
        SELECT e.id FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
        WHERE e.budget_id <> t.budget_id ORDER BY e.id""")
    return (named("ledger transactions whose entries do not sum to 0 (BUD-08)",
                  [f"{r.id} (sum {r.total}, {r.n} entries)" for r in unbalanced])
            + named("ledger entries on another budget than their transaction", [r.id for r in strays]))


CREDIT = {"agreed", "released"}
FIGURES = ("agreed", "released", "committed", "spent")


async def balances_are_sums(budget: Database, views: dict[str, dict]) -> list[str]:
    """``views``: budget id -> the ``streams`` of ``GET /v1/budgets/{id}``, as the service reports them."""
    sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys((*FIGURES, "available"), 0))
    for r in await rows(budget, "SELECT budget_id, stream, account, sum(amount_pence)::bigint AS total "
                                "FROM ledger_entries WHERE budget_id = ANY(:ids) GROUP BY budget_id, stream, account",
                        ids=sorted(views)):
        if r.account in (*FIGURES, "available"):
            sums[(r.budget_id, r.stream)][r.account] = -int(r.total) if r.account in CREDIT else int(r.total)
    wrong = []
    for budget_id, streams in sorted(views.items()):
        for stream, shown in sorted(streams.items()):
            s = sums[(budget_id, stream)]
            reported = {k: shown[f"{k}_pence"] for k in s}
            if reported != s:
                wrong.append(f"{budget_id}/{stream} reports {reported}, entries sum to {s}")
            if s["available"] != s["agreed"] + s["released"] - s["committed"] - s["spent"]:
                wrong.append(f"{budget_id}/{stream}: available {s['available']} != agreed + released - committed"
                             f" - spent ({s})")
    return named("budget balances that are not the sums of their entries (BUD-08)", wrong)


async def payments_exact(payments: Database, budget: Database, *, paid_up_to: date, dead: set[str]) -> list[str]:
    """PAY-04 after the last run, dated ``paid_up_to``, completed."""
    instalments = await rows(payments, """
        SELECT i.agreement_id, i.due_date, i.amount_pence - i.deducted_pence AS owed, i.settled,
               count(p.id) AS live, coalesce(sum(p.amount_pence), 0)::bigint AS paid
        FROM instalments i JOIN agreements a ON a.id = i.agreement_id
        LEFT JOIN payments p ON p.agreement_id = i.agreement_id AND p.due_date = i.due_date AND p.status <> 'returned'
        WHERE a.status = 'active' AND i.due_date <= :upto
        GROUP BY i.agreement_id, i.due_date, i.amount_pence, i.deducted_pence, i.settled""", upto=paid_up_to)
    problems = named("instalments due and unpaid", [f"{r.agreement_id}@{r.due_date}" for r in instalments
                                                     if r.live == 0])
    problems += named("instalments paid more than once", [f"{r.agreement_id}@{r.due_date} x{r.live}"
                                                          for r in instalments if r.live > 1])
    problems += named("instalments paid the wrong amount", [f"{r.agreement_id}@{r.due_date} {r.paid} != {r.owed}"
                                                            for r in instalments if r.live == 1 and r.paid != r.owed])
    problems += named("instalments whose settled marker disagrees with their payments",
                      [f"{r.agreement_id}@{r.due_date}" for r in instalments if r.settled != (r.live > 0)])
    orphans = await rows(payments, """
        SELECT p.id FROM payments p LEFT JOIN instalments i ON i.agreement_id = p.agreement_id
        AND i.due_date = p.due_date WHERE i.id IS NULL""")
    problems += named("payments of no instalment", [r.id for r in orphans])
    return (problems + await _payments_booked_once(payments, budget, dead) + await _runs_add_up(payments)
            + await repayments_booked_once(payments, budget, dead))


async def repayments_booked_once(payments: Database, budget: Database, dead: set[str]) -> list[str]:
    """PAY-10: each repayment received under a plan (a deduction a run took, an invoice paid) is one ledger entry of
    its amount in payments (per recovery: the entries add up to what was received), one
    ``payments.repayment_received.v1``, and one recovery posting of its amount on the budget."""
    received = {r.id: r for r in await rows(payments, """
        SELECT id, recovery_id, amount_pence FROM repayments WHERE status = 'received'""")}
    by_recovery: Counter = Counter()
    for r in received.values():
        by_recovery[r.recovery_id] += r.amount_pence
    entries = {r.recovery_id: r.total for r in await rows(payments, """
        SELECT recovery_id, coalesce(sum(amount_pence), 0)::bigint AS total FROM ledger_entries
        WHERE kind = 'repayment' GROUP BY recovery_id""")}
    problems = named("recoveries whose repayment ledger entries differ from the repayments received",
                     [f"{k} ({entries.get(k, 0)} booked for {v})" for k, v in sorted(by_recovery.items())
                      if entries.get(k, 0) != v]
                     + [f"{k} ({v} booked, nothing received)" for k, v in sorted(entries.items())
                        if k not in by_recovery])
    events: dict[str, list[str]] = defaultdict(list)
    for r in await rows(payments, "SELECT event_id, body FROM outbox WHERE type = 'payments.repayment_received.v1'"):
        events[json.loads(r.body)["payload"]["repayment_id"]].append(r.event_id)
    problems += named("repayments without exactly one repayment_received event",
                      [f"{k} ({len(events[k])})" for k in received if len(events[k]) != 1])
    booked = {r.reference[10:]: r for r in await rows(budget, """
        SELECT t.reference, count(DISTINCT t.id) AS n, coalesce(sum(e.amount_pence), 0)::bigint AS total
        FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id AND e.account = 'spent'
        WHERE t.reference = ANY(:refs) GROUP BY t.reference""", refs=[f"repayment:{k}" for k in received])}
    wrong = [f"{k} ({b.n if b else 0} bookings of {-b.total if b else 0} for {r.amount_pence})"
             for k, r in sorted(received.items())
             if not any(e in dead for e in events[k])
             and ((b := booked.get(k)) is None or b.n != 1 or -b.total != r.amount_pence)]
    return problems + named("repayments not booked back on the budget exactly once", wrong)


async def _payments_booked_once(payments: Database, budget: Database, dead: set[str]) -> list[str]:
    issued = {r.id: r for r in await rows(payments, """
        SELECT p.id, p.amount_pence, count(l.id) AS entries, coalesce(sum(l.amount_pence), 0)::bigint AS booked
        FROM payments p LEFT JOIN ledger_entries l ON l.payment_id = p.id AND l.kind = 'payment'
        WHERE p.amount_pence > 0 GROUP BY p.id, p.amount_pence""")}
    problems = named("payments without exactly one ledger entry of their amount",
                     [f"{p.id} ({p.entries} entries, {p.booked})" for p in issued.values()
                      if p.entries != 1 or p.booked != p.amount_pence])
    events: dict[str, list[str]] = defaultdict(list)
    for r in await rows(payments, "SELECT event_id, body FROM outbox WHERE type = 'payments.payment_issued.v1'"):
        events[json.loads(r.body)["payload"]["payment_id"]].append(r.event_id)
    problems += named("payments without exactly one payment_issued event",
                      [f"{p} ({len(events[p])})" for p in issued if len(events[p]) != 1])
    spent = {r.reference[8:]: r for r in await rows(budget, """
        SELECT t.reference, count(DISTINCT t.id) AS n, coalesce(sum(e.amount_pence), 0)::bigint AS total
        FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id AND e.account = 'spent'
        WHERE t.reference = ANY(:refs) GROUP BY t.reference""", refs=[f"payment:{p}" for p in issued])}
    wrong = []
    for payment_id, p in sorted(issued.items()):
        if any(e in dead for e in events[payment_id]):
            continue  # dead-lettered with its reason: checked with the dead letters
        booked = spent.get(payment_id)
        if booked is None or booked.n != 1 or booked.total != p.amount_pence:
            wrong.append(f"{payment_id} ({booked.n if booked else 0} bookings of "
                         f"{booked.total if booked else 0} for {p.amount_pence})")
    return problems + named("payments not booked as spent on the budget exactly once", wrong)


async def agreements_opened_once(budget: Database, payments: Database, dead: set[str]) -> list[str]:
    """PAY-01: each stream with direct-payment money in a ``budget.agreed.v1`` has exactly one agreement of that
    annual amount (unless the event was dead-lettered)."""
    wanted = {}
    for r in await rows(budget, "SELECT event_id, body FROM outbox WHERE type = 'budget.agreed.v1'"):
        payload = json.loads(r.body)["payload"]
        for stream, amounts in payload.get("streams", {}).items():
            if int(amounts.get("direct_payment_pence") or 0) > 0 and r.event_id not in dead:
                wanted[(payload["budget_id"], stream)] = int(amounts["direct_payment_pence"])
    opened: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in await rows(payments, "SELECT budget_id, stream, annual_amount_pence FROM agreements "
                                  "WHERE budget_id = ANY(:ids)", ids=sorted({b for b, _ in wanted})):
        opened[(r.budget_id, r.stream)].append(r.annual_amount_pence)
    return named("agreed direct payments without exactly one agreement of their amount",
                 [f"{b}/{s} ({opened[(b, s)]} for {pence})" for (b, s), pence in sorted(wanted.items())
                  if opened[(b, s)] != [pence]])


async def _runs_add_up(payments: Database) -> list[str]:
    runs = await rows(payments, """
        SELECT r.id, r.status, r.payments_count, r.total_pence, count(p.id) AS n,
               coalesce(sum(p.amount_pence), 0)::bigint AS total
        FROM runs r LEFT JOIN payments p ON p.run_id = r.id AND p.amount_pence > 0
        GROUP BY r.id, r.status, r.payments_count, r.total_pence""")
    return named("runs whose totals are not the sum of their payments",
                 [f"{r.id} ({r.status}: {r.payments_count}/{r.total_pence} vs {r.n}/{r.total})" for r in runs
                  if (r.payments_count, r.total_pence) != (r.n, r.total)])


def dead_letters_explained(dead: list[DeadLetter], poison: dict[bytes, str]) -> list[str]:
    """Every poison message is dead-lettered once, with a reason; nothing else is dead-lettered."""
    seen = Counter(letter.body for letter in dead)
    return (named("poison messages not dead-lettered exactly once",
                  [f"{what} (x{seen[body]})" for body, what in poison.items() if seen[body] != 1])
            + named("dead letters without a reason", [d.body[:60] for d in dead if not d.reason.strip()
                                                      or d.reason == "rejected"])
            + named("valid messages dead-lettered", [f"{d.routing_key}: {d.reason}" for d in dead
                                                     if d.body not in poison]))


async def payments_within_agreed_share(payments: Database, budget: Database) -> list[str]:
    """BUD-06, PAY-01, BUD-08: what left the LA per budget and stream, against what the budget agreed (its
    ``budget.agreed.v1``, the budget service's own word) and against its ledger."""
    shares: dict[tuple[str, str], int] = {}
    for r in await rows(budget, "SELECT body FROM outbox WHERE type = 'budget.agreed.v1'"):
        p = json.loads(r.body)["payload"]
        years = len(plan_years(date.fromisoformat(p["period_start"]), date.fromisoformat(p["period_end"])))
        for stream, amounts in p.get("streams", {}).items():
            share = min(int(amounts.get("direct_payment_pence") or 0), int(amounts.get("agreed_pence") or 0))
            shares[(p["budget_id"], stream)] = share * years
    paid = {(r.budget_id, r.stream): int(r.total) for r in await rows(payments, """
        SELECT a.budget_id, a.stream, sum(p.amount_pence) AS total FROM payments p
        JOIN agreements a ON a.id = p.agreement_id WHERE p.status = 'issued' GROUP BY a.budget_id, a.stream""")}
    booked = {(r.budget_id, r.stream): int(r.total) for r in await rows(budget, """
        SELECT e.budget_id, e.stream, sum(e.amount_pence) AS total FROM ledger_entries e
        JOIN ledger_transactions t ON t.id = e.transaction_id
        WHERE t.kind IN ('payment', 'payment_return') AND e.account = 'spent' GROUP BY e.budget_id, e.stream""")}
    over = [f"{b} {s}: paid {total}p of an agreed direct-payment share of {shares.get((b, s), 0)}p"
            for (b, s), total in sorted(paid.items(), key=str) if total > shares.get((b, s), 0)]
    unbooked = [f"{b} {s}: paid {paid.get((b, s), 0)}p, booked {booked.get((b, s), 0)}p"
                for b, s in sorted(set(paid) | set(booked), key=str) if paid.get((b, s), 0) != booked.get((b, s), 0)]
    return (named("budget streams paid more than the direct-payment share agreed", over)
            + named("budget streams whose payments differ from the payment postings in their ledger", unbooked))


def reconciled(payments_totals: dict, budget_totals: dict) -> list[str]:
    """``sendpb reconcile``'s comparison (sendpb.reconcile.compare) of the two services' finance totals; the fault
    loops run no contracts service, so its side is empty."""
    differences = compare(Totals(payments=payments_totals, budgets=budget_totals, contracts={"rows": []}))
    return named("differences sendpb reconcile finds", [d.describe() for d in differences])
