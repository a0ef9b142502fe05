"""A dispute's notice by family link (issue 20, BUD-13): every step of a family's dispute so far (reconsideration by
the local authority, return to panel, complaint, Ombudsman) with its dates, outcome and reasons, the budget's money
as it stands, and the next step open to the family. Where that step is the family's to take through the council (a
return to panel, a complaint), the page offers it and takes it through the disputes use case (``disputes.escalate``),
once per link (``kit.family_links.acted``); the Ombudsman is independent, so the page says how to go to it.

The form is posted to the link itself: the signed link is the capability (no cookie, so nothing for another site to
ride on); a second post answers what the first did."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from kit import family_links as links
from kit.errors import Conflict, NotFound
from kit.family_pages import long_date, p, page
from kit.money import pounds
from services.budget import repository as repo
from services.budget.domain.disputes import STEPS, NextStep
from services.budget.domain.family import DISPUTE, StreamMoney, Totals, totals
from services.budget.domain.ledger import STREAMS
from services.budget.service import disputes
from services.budget.service.disputes import DisputeState
from services.budget.service.family_decisions import next_step_part
from services.budget.service.family_links import Opened, today

LABEL = "Personal budget dispute"
ADVICE = ("Your local SEND Information, Advice and Support Service (SENDIAS) gives free, confidential advice about "
          "personal budgets and disputes, and can help you with each step.")
TITLE = "Your dispute about your child's personal budget"
# The steps the family takes through the council from this page; the Ombudsman is theirs to go to directly.
ACTS = {"panel": "Ask for the budget to go back to panel", "complaint": "Make a complaint"}
NAMES = {"reconsideration": "Reconsideration by the local authority", "panel": "Return to panel",
         "complaint": "The council's complaints process", "ombudsman": "The Local Government and Social Care Ombudsman"}
OUTCOMES = {"upheld": "upheld", "not_upheld": "not upheld", "partly_upheld": "partly upheld"}
SUBJECTS = {"amount": "the amount of the budget", "contents": "what the budget pays for"}


@dataclass(frozen=True)
class DisputeView:
    opened: Opened
    state: DisputeState
    totals: Totals

    @property
    def next_step(self) -> NextStep:
        return self.state.next_step

    @property
    def acted(self) -> bool:
        return self.opened.link.action_id is not None


async def dispute_view(session: AsyncSession, opened: Opened) -> DisputeView:
    """The dispute a dispute notice's link is about, with its steps and the budget's money."""
    if opened.link is None or opened.budget is None or opened.link.document != DISPUTE:
        raise NotFound("this link opens no dispute")
    state = await disputes.one(session, opened.budget, opened.link.document_id)
    balances = await repo.balances(session, opened.budget.id)
    money = [StreamMoney(s, b.agreed_pence, b.released_pence, b.committed_pence, b.spent_pence)
             for s, b in ((s, balances[s]) for s in STREAMS)]
    return DisputeView(opened, state, totals(money))


def _what_it_is_about(view: DisputeView) -> str:
    d, b, t = view.state.dispute, view.opened.budget, view.totals
    return ("<h2>What the money is</h2>"
            + p(f"This is about your child's personal budget for their plan {b.plan_reference}, from "
                f"{long_date(b.period_start)} to {long_date(b.period_end)}: {pounds(t.for_the_year_pence)} for the "
                "year.")
            + f'<p class="sum">You disputed {escape(SUBJECTS.get(d.subject, d.subject))} on '
              f"{long_date(d.created_at.date())}.</p>"
            + p(f"What you told us: {d.details}"))


def _paid_and_left(view: DisputeView) -> str:
    t = view.totals
    return ("<h2>What was paid</h2>" + p(f"By {long_date(today())}, {pounds(t.spent_pence)} has been paid.")
            + "<h2>What is left</h2>"
            + f'<p class="sum">{pounds(t.left_pence)} is left: {pounds(t.for_the_year_pence)} for the year, less '
              f"{pounds(t.spent_pence)} paid and {pounds(t.committed_pence)} set aside.</p>")


def _steps(view: DisputeView) -> str:
    rows = []
    for s in view.state.steps:
        decided = long_date(s.decided_on) if s.decided_on else "not yet"
        outcome = OUTCOMES.get(s.outcome, "waiting for the decision") if s.outcome else "waiting for the decision"
        reasons = escape(s.reasons or "")
        rows.append(f"<tr><th scope=\"row\">{escape(NAMES[s.step])}</th><td>{long_date(s.opened_on)}</td>"
                    f"<td>{decided}</td><td>{escape(outcome)}</td><td>{reasons}</td></tr>")
    taken = len(view.state.steps)
    return ("<h2>Each step so far</h2>"
            + p(f"A dispute goes through up to {len(STEPS)} steps, in order: the local authority reconsiders, then "
                "a return to panel, then the council's complaints process, then the Ombudsman. You have taken "
                f"{taken} of them.")
            + "<table><caption>The steps of your dispute</caption><thead><tr><th scope=\"col\">Step</th>"
              "<th scope=\"col\">Started</th><th scope=\"col\">Decided</th><th scope=\"col\">Outcome</th>"
              "<th scope=\"col\">Reasons</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _what_you_can_do(view: DisputeView, *, action_url: str | None) -> str:
    link = view.opened.link
    acted = (f"You took this step from this page on {long_date(link.acted_at.date())}: you will be told the "
             "decision, its reasons and what you can do next.") if view.acted else None
    return next_step_part(view.next_step, acted=acted, acts=ACTS, action_url=action_url,
                          label="Why are you taking this step?",
                          print_text="To take this step, open this notice from the link you were sent, or contact "
                                     "your caseworker.", advice=ADVICE)


def dispute_page(view: DisputeView, *, action_url: str | None, pdf_url: str | None) -> str:
    """The dispute's notice, in the order a family needs it: the money, what was paid and is left, each step so
    far, and the next step; ``action_url`` where the form posts (none in the PDF), ``pdf_url`` the same as PDF."""
    pdf = (f'<p class="screen-only"><a href="{escape(pdf_url)}">Download this notice as a PDF</a> '
           "(to print or keep).</p>") if pdf_url else ""
    return page(title=TITLE, label=LABEL, body=(
        f"<h1>{TITLE}</h1>" + p(f"Notice made on {long_date(today())}.") + pdf + _what_it_is_about(view)
        + _paid_and_left(view) + _steps(view) + _what_you_can_do(view, action_url=action_url)))


@dataclass(frozen=True)
class Escalated:
    """The step the family took from the link, the dispute, and ``again`` when the form was posted before."""

    step: str
    dispute_id: str
    again: bool


async def take_next_step(session: AsyncSession, opened: Opened, *, reason: str) -> Escalated:
    """The family takes the next step of their dispute from its notice (BUD-13), through ``disputes.escalate``:
    a return to panel or a complaint, once per link. A step not theirs to take here (none open, the dispute upheld
    or waiting for a decision, or the Ombudsman, which they go to directly) is a 409 naming BUD-13."""
    budget = await repo.budget_by_id(session, opened.budget.id, lock=True)  # one post at a time per budget
    link = opened.link
    await session.refresh(link)
    state = await disputes.one(session, budget, link.document_id)
    if link.action_id is not None:
        return Escalated(state.current_step, state.dispute.id, True)
    step = state.next_step
    if step.step not in ACTS:
        raise Conflict(step.how, rule="BUD-13")
    done = await disputes.escalate(session, budget, state.dispute, to=step.step,
                                   reason=f"Asked by the family from their dispute notice: {reason.strip()}",
                                   opened_on=None, by=f"family-link:{link.id}")
    links.acted(link, done.steps[-1].id)
    return Escalated(step.step, state.dispute.id, False)
