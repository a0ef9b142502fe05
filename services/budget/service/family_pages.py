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


def long_date(d: date) -> str:
    """``1 December 2026``: how a date reads in a letter."""
    return f"{d.day} {d:%B %Y}"


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
CSS = """
body{font-family:Arial,Helvetica,sans-serif;font-size:19px;line-height:1.45;color:#0b0c0c;background:#fff;
margin:0}
header{background:#0b0c0c;color:#fff;padding:12px 16px}
header p{margin:0;font-weight:bold}
main{max-width:40em;margin:0 auto;padding:8px 16px 32px;overflow-wrap:anywhere}
h1{font-size:32px;line-height:1.2;margin:16px 0 8px}
h2{font-size:26px;margin:32px 0 8px;border-top:2px solid #b1b4b6;padding-top:16px}
h3{font-size:21px;margin:20px 0 4px}
.sum{font-size:21px;font-weight:bold;background:#f3f2f1;padding:12px;border-left:6px solid #1d70b8}
table{border-collapse:collapse;width:100%;margin:12px 0;font-size:16px}
caption{text-align:left;font-weight:bold;padding-bottom:6px}
th,td{border-bottom:1px solid #b1b4b6;padding:6px 8px 6px 0;text-align:left}
td.n,th.n{text-align:right}
.chart{max-width:100%;height:auto}
a{color:#1d70b8}
a:focus,button:focus,textarea:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 4px #0b0c0c}
label{display:block;font-weight:bold;margin:12px 0 4px}
textarea{width:100%;max-width:30em;font:inherit;border:2px solid #0b0c0c;padding:6px;box-sizing:border-box}
button{font:inherit;font-weight:bold;background:#00703c;color:#fff;border:0;padding:10px 16px;margin-top:12px;
box-shadow:0 2px #002d18;cursor:pointer;min-height:44px}
.print-only{display:none}
@media print{.screen-only{display:none}.print-only{display:block}header{background:#fff;color:#0b0c0c}
body{font-size:12pt}h2{break-after:avoid}}
"""


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


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
        "<h3>Free, independent advice</h3>", _p(
        "Your local SEND Information, Advice and Support Service (SENDIAS) gives free, confidential advice about "
        "personal budgets and can help you ask for a review or dispute a decision.")]
    return "".join(out)


def statement_page(view: StatementView, *, action_url: str | None, pdf_url: str | None) -> str:
    """The whole page (HTML). ``action_url``: where the review form posts (None: no form, as in the PDF)."""
    pdf = (f'<p class="screen-only"><a href="{escape(pdf_url)}">Download this statement as a PDF</a> '
           "(to print or keep).</p>") if pdf_url else ""
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>Your child's personal budget statement</title><style>{CSS}</style></head><body>"
        '<header><p>Personal budget statement</p></header><main id="main">'
        "<h1>Your child's personal budget</h1>"
        + _p(f"Statement made on {long_date(view.today)}.") + pdf
        + _what_the_money_is(view) + _what_was_paid(view) + _what_is_left(view)
        + _what_you_can_do(view, action_url=action_url)
        + "</main></body></html>"
    )


def message_page(title: str, message: str, *, back_url: str | None = None) -> str:
    """A short page in plain English: a link that no longer opens, a review asked for."""
    back = f'<p><a href="{escape(back_url)}">Back to your statement</a></p>' if back_url else ""
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        '<header><p>Personal budget statement</p></header><main id="main">'
        f"<h1>{escape(title)}</h1>{_p(message)}{back}</main></body></html>"
    )


def pdf_of(html: str) -> bytes:
    """The page as a PDF (WeasyPrint, print styles: no form, a sentence instead). Imported here, not at start-up:
    WeasyPrint loads Pango, which only this route needs."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()
