"""A block contract's family summary as a page a person can read (issue 20; CON-07), and the same page as a PDF
for letters. In the order a family needs it: what the money is (what the contract provides, who provides it, what
it costs), what was paid (what was moved from it into the child's budget), what is left (how much of it can still
go into a personal budget, and why), and what the family can do next (how to ask; when the contract is reviewed).
The frame is kit's (``kit/family_pages.py``)."""
from __future__ import annotations

from datetime import date
from html import escape

from kit.family_pages import long_date, p, page
from kit.money import pounds
from services.contracts.domain.money import plural
from services.contracts.service.family_links import Summary

LABEL = "Council service summary"


def title(s: Summary) -> str:
    return f"{s.contract.service}: what it is and how it can be part of your child's budget"


def _what_was_paid(s: Summary) -> str:
    moved = [t for t in s.transfers if t.decision == "approved" and t.status == "active"]
    if not moved:
        return "<h2>What was paid</h2>" + p(
            "None of this service has been moved into your child's personal budget: the council pays the provider "
            "for your child's share under the contract.")
    units = sum(t.units for t in moved)
    said = (f"{plural(units, s.contract.unit)} of this service, {pounds(s.moved_pence)} a year, were moved into "
            "your child's personal budget, so you can arrange that help yourselves.")
    return f'<h2>What was paid</h2><p class="sum">{escape(said)}</p>'


def _what_is_left(s: Summary) -> str:
    parts, figures = s.summary["parts"], s.summary["figures"]
    return ("<h2>What is left</h2>"
            + f'<p class="sum">{escape(plural(figures["available_units"], s.contract.unit))} of this contract can '
              "still go into personal budgets.</p>"
            + p(parts["how_much"]) + p(parts["why"]))


def summary_page(s: Summary, *, today: date, pdf_url: str | None) -> str:
    parts = s.summary["parts"]
    pdf = (f'<p class="screen-only"><a href="{escape(pdf_url)}">Download this summary as a PDF</a> '
           "(to print or keep).</p>") if pdf_url else ""
    return page(title=title(s), label=LABEL, body=(
        f"<h1>{escape(title(s))}</h1>" + p(f"Summary made on {long_date(today)}.") + pdf
        + "<h2>What the money is</h2>" + p(parts["what"]) + p(parts["who"]) + p(parts["price"])
        + _what_was_paid(s) + _what_is_left(s)
        + "<h2>What you can do next</h2>" + p(parts["how_to_ask"]) + p(parts["review"])
        + "<h3>Free, independent advice</h3>" + p(
            "Your local SEND Information, Advice and Support Service (SENDIAS) gives free, confidential advice about "
            "personal budgets and can help you ask for part of a service to be moved into your child's budget.")))
