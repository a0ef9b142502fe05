"""A decision notice by family link (issue 20, BUD-13): a variation of the budget (BUD-10: a reduction's written
notice with its reasons) or a panel decision (BUD-06), as a page a person reads: what the money is, what was paid,
what is left, and the next step open to the family, which they can take from the page: ask for the reduction to be
reconsidered (its one reconsideration, BUD-10) or dispute the decision (BUD-13, through the disputes use case).

The form is posted to the link itself: the signed link is the capability (no cookie, so nothing for another site to
ride on), and what the family asked for is recorded against the link once (``kit.family_links.acted``): a second
post answers what the first did."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from kit import family_links as links
from kit.errors import Conflict
from kit.family_pages import form, long_date, p, page
from kit.money import pounds
from services.budget import repository as repo
from services.budget.domain.disputes import NONE, NextStep
from services.budget.domain.family import StreamMoney
from services.budget.models import PanelDecision, Variation
from services.budget.service import disputes, variations
from services.budget.service.family_links import Opened, decision_of, today
from services.budget.service.reporting import FUNDERS, LABELS

LABEL = "Personal budget decision"
TITLE = "A decision about your child's personal budget"
ACTS = {"reconsideration": "Ask us to reconsider", "panel": "Ask for the budget to go back to panel"}
DECISIONS = {"approved": "approved", "declined": "declined", "escalated": "passed to a senior officer"}


@dataclass(frozen=True)
class DecisionView:
    opened: Opened
    decision: Variation | PanelDecision
    money: StreamMoney

    @property
    def next_step(self) -> NextStep:
        return self.decision.next_step

    @property
    def acted(self) -> bool:
        return self.opened.link.action_id is not None


async def decision_view(session: AsyncSession, opened: Opened) -> DecisionView:
    decision = await decision_of(session, opened)
    b = (await repo.balances(session, opened.budget.id))[decision.stream]
    money = StreamMoney(decision.stream, b.agreed_pence, b.released_pence, b.committed_pence, b.spent_pence)
    return DecisionView(opened, decision, money)


def _what_the_money_is(view: DecisionView) -> str:
    d, b, part = view.decision, view.opened.budget, LABELS[view.decision.stream].lower()
    intro = p(f"This is about the {part} part of your child's personal budget for their plan {b.plan_reference}, "
              f"paid for by {FUNDERS[d.stream]}.")
    if isinstance(d, Variation):
        if d.kind == "reduction":
            what = (f"On {long_date(d.notice_issued_on)} we told you we intend to reduce it from {pounds(d.from_pence)}"
                    f" to {pounds(d.to_pence)} a year.")
        else:
            what = f"On {long_date(d.notice_issued_on)} we increased it from {pounds(d.from_pence)} to " \
                   f"{pounds(d.to_pence)} a year."
        return "<h2>What the money is</h2>" + intro + f'<p class="sum">{escape(what)}</p>' + p(
            f"Our reasons: {d.reasons}")
    said = DECISIONS.get(d.decision, d.decision)
    what = (f"On {long_date(d.decided_at.date())} the panel {said} {pounds(d.agreed_pence)} a year for this part.")
    extra = p(f"It added {pounds(d.extra_pence)} to what was first estimated.") if d.extra_pence else ""
    return "<h2>What the money is</h2>" + intro + f'<p class="sum">{escape(what)}</p>' + extra


def _paid_and_left(view: DecisionView) -> str:
    m = view.money
    set_aside = f", and {pounds(m.committed_pence)} is set aside for help already ordered" if m.committed_pence else ""
    less = f", less {pounds(m.committed_pence)} set aside" if m.committed_pence else ""
    return ("<h2>What was paid</h2>"
            + p(f"By {long_date(today())}, {pounds(m.spent_pence)} has been paid from this part{set_aside}.")
            + "<h2>What is left</h2>"
            + f'<p class="sum">{pounds(m.left_pence)} is left: {pounds(m.for_the_year_pence)} for the year, less '
              f"{pounds(m.spent_pence)} paid{less}.</p>")


ADVICE = ("Your local SEND Information, Advice and Support Service (SENDIAS) gives free, confidential advice about "
          "personal budgets and can help you ask for a decision to be looked at again.")


def next_step_part(step: NextStep, *, acted: str | None, acts: dict[str, str], label: str, print_text: str,
                   action_url: str | None, advice: str = ADVICE) -> str:
    """What the family can do next (BUD-13), as every budget notice says it: the step and by when; what they
    already did from this page (``acted``), or else the form taking the step when it is one of ``acts`` (step →
    button); and where to get free advice."""
    by = f" You can do this until {long_date(step.by)}." if step.by else ""
    out = ["<h2>What you can do next</h2>", p(step.how + by)]
    if acted is not None:
        out.append(p(acted))
    elif step.step in acts:
        out.append(form(action_url=action_url, field="reason", label=label, button=acts[step.step], required=True,
                        print_text=print_text))
    return "".join(out) + "<h3>Free, independent advice</h3>" + p(advice)


def _what_you_can_do(view: DecisionView, *, action_url: str | None) -> str:
    link = view.opened.link
    acted = (f"You asked for this from this page on {long_date(link.acted_at.date())}: your caseworker will write to "
             "you with the decision, its reasons and what you can do next.") if view.acted else None
    return next_step_part(view.next_step, acted=acted, acts=ACTS, action_url=action_url,
                          label="What do you disagree with, and why?",
                          print_text="To ask, open this notice from the link you were sent, or contact your "
                                     "caseworker.")


def decision_page(view: DecisionView, *, action_url: str | None, pdf_url: str | None) -> str:
    pdf = (f'<p class="screen-only"><a href="{escape(pdf_url)}">Download this notice as a PDF</a> '
           "(to print or keep).</p>") if pdf_url else ""
    return page(title=TITLE, label=LABEL, body=(
        f"<h1>{TITLE}</h1>" + p(f"Notice made on {long_date(today())}.") + pdf + _what_the_money_is(view)
        + _paid_and_left(view) + _what_you_can_do(view, action_url=action_url)))


@dataclass(frozen=True)
class Asked:
    """What the family asked for from the link: ``step`` (``reconsideration`` or ``panel``), the record made (the
    variation reconsidered, or the dispute opened), and ``again`` when the form was posted before."""

    step: str
    record_id: str
    again: bool


async def ask(session: AsyncSession, opened: Opened, *, reason: str) -> Asked:
    """The family takes the next step open to them from the notice (BUD-13): a reduction under notice is
    reconsidered once (BUD-10); any other decision is disputed from its next step (a reconsideration, or a return
    to panel after the reduction's reconsideration). Once per link; nothing open is a 409."""
    budget = await repo.budget_by_id(session, opened.budget.id, lock=True)  # one post at a time per budget
    link = opened.link
    await session.refresh(link)
    decision = await decision_of(session, opened)
    step = decision.next_step
    if link.action_id is not None:
        return Asked(step.step if step.step != NONE else "reconsideration", link.action_id, True)
    said = reason.strip()
    by = f"family-link:{link.id}"
    if isinstance(decision, Variation) and decision.kind == "reduction" and decision.status == "notice_issued":
        await variations.ask_reconsideration(session, decision, f"Asked by the family from their notice: {said}")
        links.acted(link, decision.id)
        return Asked("reconsideration", decision.id, False)
    if step.step not in ACTS:
        raise Conflict(step.how, rule="BUD-13")
    state = await disputes.open_dispute(
        session, budget, subject="amount", details=said, raised_by="family (from their notice link)", opened_on=None,
        starts_at=step.step, variation_id=decision.id if isinstance(decision, Variation) else None,
        panel_decision_id=decision.id if isinstance(decision, PanelDecision) else None, by=by)
    links.acted(link, state.dispute.id)
    return Asked(step.step, state.dispute.id, False)
