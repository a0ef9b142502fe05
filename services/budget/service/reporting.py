"""The family statement and the SEN2 fields (BUD-11)."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from kit.money import pounds
from kit.pagination import Paged
from services.budget import repository as repo
from services.budget.domain.budget import Sen2Fields, sen2_fields
from services.budget.domain.ledger import STREAMS, StreamBalance
from services.budget.models import Budget, Provision

LABELS = {"education": "Education", "health": "Health", "social_care": "Social care",
          "transport": "Travel to school or college"}
FUNDERS = {"education": "the council (education)", "health": "the NHS (your ICB)",
           "social_care": "the council (social care)", "transport": "the council (transport)"}
HOW = {
    "direct_payment": "paid to you as a direct payment",
    "third_party": "held and managed for you by someone else",
    "notional": "held by the council, NHS or school, who buy what you choose",
}
ABOUT = ("This is your child's personal budget: the money agreed to pay for the help written in their plan. It is "
         "not extra money. You can ask for a review at any time.")


@dataclass(frozen=True)
class StatementStream:
    """One stream of the statement: its balances (BUD-08) and its provision lines, in plain English."""

    stream: str
    balance: StreamBalance
    lines: list[Provision]

    @property
    def title(self) -> str:
        return LABELS[self.stream]

    @property
    def summary(self) -> str:
        return _summary(self.stream, self.balance)

    @property
    def provision(self) -> list[str]:
        return [f"{p.description} ({p.outcome}): {pounds(p.annual_cost_pence)} a year, {HOW[p.arrangement]}"
                for p in self.lines]


@dataclass(frozen=True)
class Statement:
    budget: Budget
    streams: list[StatementStream]
    about: str = ABOUT

    @property
    def total_agreed_pence(self) -> int:
        return sum(s.balance.agreed_pence for s in self.streams)

    @property
    def total_left_pence(self) -> int:
        return sum(s.balance.available_pence for s in self.streams)


def _summary(stream: str, b: StreamBalance) -> str:
    text = (f"{LABELS[stream]}, funded by {FUNDERS[stream]}: the first estimate was {pounds(b.indicative_pence)}; "
            f"{pounds(b.agreed_pence)} a year was agreed")
    if b.released_pence:
        text += f", and {pounds(b.released_pence)} was moved in from services the council buys in bulk"
    committed = (f" and {pounds(b.committed_pence)} is set aside for things already ordered"
                 if b.committed_pence else "")
    return (text + f". So far {pounds(b.spent_pence)} has been spent{committed}, "
            f"which leaves {pounds(b.available_pence)}.")


async def statement(session: AsyncSession, budget: Budget) -> Statement:
    """Per stream what was indicated, agreed, released, spent and what is left, in plain English."""
    balances = await repo.balances(session, budget.id)
    provisions = await repo.provisions(session, budget.id)
    rows = []
    for s in STREAMS:
        b = balances[s]
        lines = [p for p in provisions if p.stream == s]
        if not (any(b.as_dict().values()) or lines):
            continue
        rows.append(StatementStream(s, b, lines))
    return Statement(budget, rows)


def statement_html(data: Statement) -> str:
    budget = data.budget
    rows = "".join(
        f"<h2>{escape(r.title)}</h2><p>{escape(r.summary)}</p>"
        + ("<ul>" + "".join(f"<li>{escape(p)}</li>" for p in r.provision) + "</ul>" if r.provision else "")
        for r in data.streams
    )
    review = (f"<p>Next review due by {escape(str(budget.next_review_due))}.</p>"
              if budget.next_review_due else "")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Personal budget statement'
        f"</title><style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}</style></head><body>"
        f"<h1>Personal budget statement</h1><p>Plan {escape(budget.plan_reference)}, "
        f"{escape(str(budget.period_start))} to {escape(str(budget.period_end))}.</p>"
        f"<p>{escape(data.about)}</p>{rows}"
        f"<p><strong>In total {pounds(data.total_agreed_pence)} a year was agreed and "
        f"{pounds(data.total_left_pence)} is left.</strong></p>{review}</body></html>"
    )


@dataclass(frozen=True)
class Sen2Plan:
    """One plan of the LA and its SEN2 fields (BUD-11)."""

    budget: Budget
    fields: Sen2Fields


async def sen2(session: AsyncSession, la: str, *, limit: int, after: str | None) -> Paged[Sen2Plan]:
    """BUD-11: per plan, has a personal budget, organised (notional) arrangements, direct-payment funders (third-party
    arrangements counted as direct payments, as in the SEN2 file)."""
    budgets = await repo.budgets_of_la(session, la, limit=limit, after=after)
    page = budgets[:limit]
    by_budget: dict[str, dict[str, set[str]]] = {}
    for p in await repo.provisions_of(session, [b.id for b in page]):
        by_budget.setdefault(p.budget_id, {}).setdefault(p.stream, set()).add(p.arrangement)
    items = [Sen2Plan(b, sen2_fields(agreed=b.status in ("agreed", "closed"),
                                     arrangements_by_stream=by_budget.get(b.id, {}))) for b in page]
    return Paged(items, page[-1].id if len(budgets) > limit else None)

