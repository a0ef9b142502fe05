"""The family statement and the SEN2 return (BUD-11)."""
from __future__ import annotations

from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from kit.money import pounds
from services.budget import repository as repo
from services.budget.domain.budget import sen2_fields
from services.budget.domain.ledger import STREAMS
from services.budget.models import Budget

LABELS = {"education": "Education", "health": "Health", "social_care": "Social care",
          "transport": "Travel to school or college"}
FUNDERS = {"education": "the council (education)", "health": "the NHS (your ICB)",
           "social_care": "the council (social care)", "transport": "the council (transport)"}
HOW = {
    "direct_payment": "paid to you as a direct payment",
    "third_party": "held and managed for you by someone else",
    "notional": "held by the council, NHS or school, who buy what you choose",
}


async def statement(session: AsyncSession, budget: Budget) -> dict:
    """Per stream what was indicated, agreed, released, spent and what is left, in plain English."""
    balances = await repo.balances(session, budget.id)
    provisions = await repo.provisions(session, budget.id)
    rows = []
    for s in STREAMS:
        b = balances[s]
        lines = [p for p in provisions if p.stream == s]
        if not (any(b.as_dict().values()) or lines):
            continue
        text = (
            f"{LABELS[s]}, funded by {FUNDERS[s]}: the first estimate was {pounds(b.indicative_pence)}; "
            f"{pounds(b.agreed_pence)} a year was agreed"
        )
        if b.released_pence:
            text += f", and {pounds(b.released_pence)} was moved in from services the council buys in bulk"
        text += (
            f". So far {pounds(b.spent_pence)} has been spent"
            + (
                f" and {pounds(b.committed_pence)} is set aside for things already ordered"
                if b.committed_pence
                else ""
            )
            + f", which leaves {pounds(b.available_pence)}."
        )
        rows.append(
            {
                "stream": s,
                "title": LABELS[s],
                "indicated_pence": b.indicative_pence,
                "agreed_pence": b.agreed_pence,
                "released_pence": b.released_pence,
                "committed_pence": b.committed_pence,
                "spent_pence": b.spent_pence,
                "left_pence": b.available_pence,
                "summary": text,
                "provision": [
                    f"{p.description} ({p.outcome}): {pounds(p.annual_cost_pence)} a year, "
                    f"{HOW[p.arrangement]}"
                    for p in lines
                ],
            }
        )
    return {
        "budget_id": budget.id,
        "child_id": budget.child_id,
        "plan_reference": budget.plan_reference,
        "period_start": budget.period_start,
        "period_end": budget.period_end,
        "status": budget.status,
        "streams": rows,
        "total_agreed_pence": sum(r["agreed_pence"] for r in rows),
        "total_left_pence": sum(r["left_pence"] for r in rows),
        "next_review_due": budget.next_review_due,
        "about": (
            "This is your child's personal budget: the money agreed to pay for the help written in their "
            "plan. It is not extra money. You can ask for a review at any time."
        ),
    }


def statement_html(data: dict) -> str:
    rows = "".join(
        f"<h2>{escape(r['title'])}</h2><p>{escape(r['summary'])}</p>"
        + (
            "<ul>" + "".join(f"<li>{escape(p)}</li>" for p in r["provision"]) + "</ul>"
            if r["provision"]
            else ""
        )
        for r in data["streams"]
    )
    review = (
        f"<p>Next review due by {escape(str(data['next_review_due']))}.</p>"
        if data["next_review_due"]
        else ""
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Personal budget statement'
        f"</title><style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}</style></head><body>"
        f"<h1>Personal budget statement</h1><p>Plan {escape(data['plan_reference'])}, "
        f"{escape(str(data['period_start']))} to {escape(str(data['period_end']))}.</p>"
        f"<p>{escape(data['about'])}</p>{rows}"
        f"<p><strong>In total {pounds(data['total_agreed_pence'])} a year was agreed and "
        f"{pounds(data['total_left_pence'])} is left.</strong></p>{review}</body></html>"
    )


async def sen2(
    session: AsyncSession, la: str, *, limit: int, after: str | None
) -> tuple[list[dict], str | None]:
    """BUD-11: per plan, has a personal budget, organised (notional) arrangements, direct-payment funders."""
    budgets = await repo.budgets_of_la(session, la, limit=limit, after=after)
    page = budgets[:limit]
    by_budget: dict[str, dict[str, set[str]]] = {}
    for p in await repo.provisions_of(session, [b.id for b in page]):
        by_budget.setdefault(p.budget_id, {}).setdefault(p.stream, set()).add(p.arrangement)
    items = [
        {
            "budget_id": b.id,
            "child_id": b.child_id,
            "plan_reference": b.plan_reference,
            "period_start": b.period_start,
            "period_end": b.period_end,
            "status": b.status,
            **sen2_fields(
                agreed=b.status in ("agreed", "closed"), arrangements_by_stream=by_budget.get(b.id, {})
            ),
        }
        for b in page
    ]
    return items, page[-1].id if len(budgets) > limit else None
