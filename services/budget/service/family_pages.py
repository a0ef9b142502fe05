"""The family's statement as a page a person can read (issue 20), and the same page as a PDF for letters.

Each page says, in this order: what the money is, what was paid, what is left (with a chart and the same numbers
as a table), and what the family can do next. The figures add up on the page: agreed + moved in from a council
contract = money for the year; money for the year − paid − set aside = left (BUD-08's available balance). The old
statement put "£10,020.00 agreed" beside "£10,580.00 left" with nothing to say that £560.00 had been moved in from
a block contract and nothing spent yet."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from kit.family_pages import long_date, message_page, page, pdf_of
from kit.family_pages import p as _p
from kit.money import pounds
from services.budget import repository as repo
from services.budget.domain.chart import Bar, Segment, bar_chart_svg
from services.budget.domain.family import StreamMoney, Totals, totals
from services.budget.domain.ledger import STREAMS
from services.budget.models import Budget, HealthFundingEvent, Provision
from services.budget.service.reporting import FUNDERS, HOW, LABELS

PAID, SET_ASIDE, LEFT = "Paid", "Set aside", "Left"
# GOV.UK Design System colours: each meets 3:1 against white (WCAG 1.4.11) and differs from the others in lightness.
COLOURS = {PAID: "#1d70b8", SET_ASIDE: "#f47738", LEFT: "#00703c"}


@dataclass(frozen=True)
class StreamView:
    money: StreamMoney
    lines: list[Provision]
    health_change: HealthFundingEvent | None  # the ICB's latest applied change (health only)

    @property
    def title(self) -> str:
        return LABELS[self.money.stream]


@dataclass(frozen=True)
class StatementView:
    budget: Budget
    streams: list[StreamView]
    totals: Totals
    today: date


async def statement_view(session: AsyncSession, budget: Budget, *, today: date) -> StatementView:
    balances = await repo.balances(session, budget.id)
    provisions = await repo.provisions(session, budget.id)
    applied = await repo.health_events(session, budget.local_authority, budget.child_id, statuses=("applied",),
                                       budget_id=budget.id)
    views = []
    for s in STREAMS:
        b = balances[s]
        lines = [p for p in provisions if p.stream == s]
        money = StreamMoney(s, b.agreed_pence, b.released_pence, b.committed_pence, b.spent_pence)
        if money.for_the_year_pence or money.spent_pence or money.committed_pence or lines:
            views.append(StreamView(money, lines, applied[-1] if s == "health" and applied else None))
    return StatementView(budget, views, totals([v.money for v in views]), today)


# ---------------------------------------------------------------- the page
def _what_the_money_is(view: StatementView) -> str:
    b = view.budget
    out = ["<h2>What the money is</h2>", _p(
        f"This is your child's personal budget for their plan {b.plan_reference}, from "
        f"{long_date(b.period_start)} to {long_date(b.period_end)}. It is the money agreed to pay for the help "
        "written in the plan. It is not extra money: it is what that help costs, and you can choose how it is "
        "held: paid to you, managed for you by someone else, or held by the council or NHS, who buy what you "
        "choose.")]
    for sv in view.streams:
        m = sv.money
        out.append(f"<h3>{escape(sv.title)}</h3>")
        text = f"Paid for by {FUNDERS[m.stream]}: {pounds(m.agreed_pence)} a year was agreed"
        if sv.health_change is not None:
            e = sv.health_change
            text += (f". The NHS sets this part: from {long_date(e.effective_from)} it is "
                     f"{pounds(e.annual_amount_pence)} a year ({e.reason})")
        if m.released_pence:
            text += (f". {pounds(m.released_pence)} more was moved in from a service the council buys in bulk, so "
                     f"you can arrange that help yourself. That makes {pounds(m.for_the_year_pence)} for the year")
        out.append(_p(text + "."))
        if sv.lines:
            out.append("<p>It pays for:</p><ul>" + "".join(
                f"<li>{escape(p.description)}, for the outcome “{escape(p.outcome)}”: "
                f"{pounds(p.annual_cost_pence)} a year, {escape(HOW[p.arrangement])}.</li>" for p in sv.lines)
                + "</ul>")
    t = view.totals
    moved = f" and {pounds(t.released_pence)} moved in from council contracts" if t.released_pence else ""
    out.append(f'<p class="sum">Money for the year: {pounds(t.agreed_pence)} agreed{moved}, '
               f"{pounds(t.for_the_year_pence)} in all.</p>")
    return "".join(out)


def _what_was_paid(view: StatementView) -> str:
    t = view.totals
    out = ["<h2>What was paid</h2>", _p(
        f"By {long_date(view.today)}, {pounds(t.spent_pence)} has been paid for your child's help."
        + (f" Another {pounds(t.committed_pence)} is set aside for help already ordered and not yet paid for."
           if t.committed_pence else ""))]
    paid = [sv for sv in view.streams if sv.money.spent_pence or sv.money.committed_pence]
    if paid:
        out.append("<ul>" + "".join(
            f"<li>{escape(sv.title)}: {pounds(sv.money.spent_pence)} paid"
            + (f", {pounds(sv.money.committed_pence)} set aside" if sv.money.committed_pence else "") + ".</li>"
            for sv in paid) + "</ul>")
    return "".join(out)


def _what_is_left(view: StatementView) -> str:
    t = view.totals
    bars = [Bar(sv.title, (Segment(PAID, sv.money.spent_pence, COLOURS[PAID]),
                           Segment(SET_ASIDE, sv.money.committed_pence, COLOURS[SET_ASIDE]),
                           Segment(LEFT, max(sv.money.left_pence, 0), COLOURS[LEFT]))) for sv in view.streams]
    rows = "".join(
        f'<tr><th scope="row">{escape(sv.title)}</th><td class="n">{pounds(sv.money.for_the_year_pence)}</td>'
        f'<td class="n">{pounds(sv.money.spent_pence)}</td><td class="n">{pounds(sv.money.committed_pence)}</td>'
        f'<td class="n">{pounds(sv.money.left_pence)}</td></tr>' for sv in view.streams)
    total = (f'<tr><th scope="row">All together</th><td class="n">{pounds(t.for_the_year_pence)}</td>'
             f'<td class="n">{pounds(t.spent_pence)}</td><td class="n">{pounds(t.committed_pence)}</td>'
             f'<td class="n">{pounds(t.left_pence)}</td></tr>')
    set_aside = f", less {pounds(t.committed_pence)} set aside" if t.committed_pence else ""
    return (
        "<h2>What is left</h2>"
        f'<p class="sum">{pounds(t.left_pence)} is left: {pounds(t.for_the_year_pence)} for the year, less '
        f"{pounds(t.spent_pence)} paid{set_aside}.</p>"
        + _p("The chart shows where the money has gone in each part of the budget; the table below it has the same "
             "numbers.")
        + bar_chart_svg(bars, title="Where the money went, by part of the budget")
        + '<table><caption>Where the money went, by part of the budget</caption><thead><tr>'
        '<th scope="col">Part</th><th scope="col" class="n">For the year</th><th scope="col" class="n">Paid</th>'
        '<th scope="col" class="n">Set aside</th><th scope="col" class="n">Left</th></tr></thead>'
        f"<tbody>{rows}{total}</tbody></table>"
    )


def _what_you_can_do(view: StatementView, *, action_url: str | None) -> str:
    b = view.budget
    due = (f"The next review of the budget is due by {long_date(b.next_review_due)}. "
           if b.next_review_due else "")
    out = ["<h2>What you can do next</h2>", "<h3>Ask for a review</h3>", _p(
        due + "You can ask for a review at any time, for example if your child's needs or your family's "
        "circumstances have changed, or the help is not working.")]
    if action_url and b.status == "agreed":
        out.append(
            f'<form class="screen-only" method="post" action="{escape(action_url)}">'
            '<label for="reason">What would you like the review to look at? (optional)</label>'
            '<textarea id="reason" name="reason" rows="4" maxlength="1000"></textarea>'
            '<button type="submit">Ask for a review</button></form>')
    out.append('<p class="print-only">To ask for a review, open your statement from the link you were sent, or '
               "contact your caseworker.</p>")
    out += ["<h3>If you disagree with the budget</h3>", _p(
        "You can dispute the amount or what the budget pays for. First ask the council to reconsider it: tell your "
        "caseworker you want to dispute your child's personal budget, and why. If you still disagree, you can ask "
        "for it to go back to the panel, then use the council's complaints process, and after that you can go to "
        "the Local Government and Social Care Ombudsman. Each decision will tell you the next step."),
        "<h3>What the budget can pay for</h3>",
        # BUD-15: the local offer is published information (no link token needed), so the page links to it
        f'<p>Your council\'s <a href="{escape(local_offer_url(b.local_authority))}">local offer of personal budgets'
        "</a> says what a personal budget may and may not be spent on, its personal budget policy, and where to get "
        "advice.</p>",
        "<h3>Free, independent advice</h3>", _p(
        "Your local SEND Information, Advice and Support Service (SENDIAS) gives free, confidential advice about "
        "personal budgets and can help you ask for a review or dispute a decision.")]
    return "".join(out)


def local_offer_url(local_authority: str) -> str:
    """Where the LA's local offer (BUD-15) is published as a page: the same host as the family's link."""
    return f"/v1/budgets/local-offer/{local_authority}.html"


def statement_page(view: StatementView, *, action_url: str | None, pdf_url: str | None) -> str:
    """The whole page (HTML). ``action_url``: where the review form posts (None: no form, as in the PDF)."""
    pdf = (f'<p class="screen-only"><a href="{escape(pdf_url)}">Download this statement as a PDF</a> '
           "(to print or keep).</p>") if pdf_url else ""
    return page(title="Your child's personal budget statement", label="Personal budget statement", body=(
        "<h1>Your child's personal budget</h1>" + _p(f"Statement made on {long_date(view.today)}.") + pdf
        + _what_the_money_is(view) + _what_was_paid(view) + _what_is_left(view)
        + _what_you_can_do(view, action_url=action_url)))


__all__ = ["StatementView", "message_page", "pdf_of", "statement_page", "statement_view", "long_date"]
