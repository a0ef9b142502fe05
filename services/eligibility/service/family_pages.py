"""A decision notice as a page a person can read (issue 20; ELIG-10), and the same page as a PDF for letters. In the
order a family needs it: what was decided (each kind of help and each way of holding the money, allowed or not),
why (every reason, with its rule), and what the family can do next (``domain/notices.py``: ask for a review here,
or, after a review, complain). The frame is kit's (``kit/family_pages.py``)."""
from __future__ import annotations

from html import escape

from kit.family_pages import form, long_date, p, page
from services.eligibility.service.family_links import Notice

LABEL = "Personal budget decision"
STREAMS = {"education": "Education (help at school or college)",
           "health": "Health (a personal health budget)",
           "social_care": "Social care",
           "transport": "Home-to-school or college transport"}
ARRANGEMENTS = {"direct_payment": "Direct payments: the money is paid to you to arrange the help yourself",
                "third_party": "Third-party arrangement: the money is paid to an organisation you choose",
                "notional": "Notional budget: the council holds the money and arranges the help you choose"}
STATUS = {"eligible": "You can have a personal budget for everything you asked for.",
          "partially_eligible": "You can have a personal budget for some of what you asked for, not all of it.",
          "not_eligible": "We cannot give you a personal budget for what you asked for."}
SOME_WAYS = ("You can have a personal budget for every kind of help you asked about, but the money cannot be held in "
             "every way you asked for.")
COMPLAIN = ("If you are still unhappy, you can make a complaint through the council's complaints process: ask your "
            "caseworker, or contact the council's complaints team, and say which decision you are complaining about "
            "(its date is at the top of this notice). There is no tribunal appeal about personal budget "
            "eligibility. If the council's answer to your complaint does not put things right, you can then ask the "
            "Local Government and Social Care Ombudsman to look at it.")


def _outcomes(title: str, outcomes: dict, flag: str, names: dict, yes: str, no: str) -> str:
    rows = []
    for name, outcome in outcomes.items():
        reasons = "".join(f"<li>{escape(r['message'])} <span>({escape(r['rule'])})</span></li>"
                          for r in outcome["reasons"])
        answer = yes if outcome[flag] else no
        rows.append(f"<h3>{escape(names.get(name, name))}: {answer}</h3><ul>{reasons}</ul>")
    return f"<h2>{escape(title)}</h2>" + "".join(rows)


def _summary(decision) -> str:
    if decision.status == "eligible" and not all(o["allowed"] for o in decision.arrangements.values()):
        return SOME_WAYS
    return STATUS[decision.status]


def _what_was_decided(n: Notice) -> str:
    d = n.decision
    how = " after a review you asked for" if n.review is not None else ""
    return ("<h2>What we decided</h2>"
            + p(f"On {long_date(d.decided_at.date())}{how}, we decided the request for a personal budget made on "
                f"{long_date(n.request.requested_on)}.")
            + f'<p class="sum">{escape(_summary(d))}</p>'
            + p("A personal budget is money set aside for your child's help, and you have a say in how it is "
                "spent. Below is each kind of help you asked about and each way the money could be held, with our "
                "reasons. The code after each reason names the rule we applied."))


def _why(n: Notice) -> str:
    d = n.decision
    return (_outcomes("Which help, and why", d.streams, "eligible", STREAMS, "yes", "no")
            + _outcomes("How the money can be held, and why", d.arrangements, "allowed", ARRANGEMENTS,
                        "allowed", "not allowed"))


def _what_you_can_do(n: Notice, *, action_url: str | None) -> str:
    out = ["<h2>What you can do next</h2>"]
    if n.step == "replaced":
        out.append(p(f"This decision was replaced by a later one on {long_date(n.replaced_by.decided_at.date())}. "
                     "Ask your caseworker for the notice of the new decision: it says what you can do next."))
    elif n.step == "nothing_refused":
        out.append(p("Everything you asked for was agreed, so there is nothing to challenge. Your caseworker will "
                     "now work out the budget with you. If your circumstances change, tell your caseworker."))
    elif n.step == "complain":
        out += [p("This decision was made after a review you asked for."), p(COMPLAIN)]
    elif n.step == "review_asked":
        out.append(p(f"You asked for a review of this decision on {long_date(n.asked.asked_at.date())}. A "
                     "caseworker will look at it again, with anything you have sent, and write to you with the new "
                     "decision and its reasons. If you are still unhappy after the review, you can complain."))
    else:
        out += ["<h3>Ask for a review</h3>", p(
            "If you think this decision is wrong, or something we relied on is not right (for example your "
            "child's plan, who asked, or who would manage the money), you can ask us to look at it again. A "
            "caseworker will review it and write to you with the new decision and its reasons."),
            form(action_url=action_url, field="reason", label="Why should we look at this decision again?",
                 button="Ask for a review", required=True,
                 print_text="To ask for a review, open this notice from the link you were sent, or contact your "
                            "caseworker.")]
    return "".join(out)


def notice_page(n: Notice, *, action_url: str | None, pdf_url: str | None) -> str:
    """The decision notice, in the order a family needs it; ``action_url`` is where the review form posts (none in
    the PDF), ``pdf_url`` the PDF of the same notice (none in the PDF itself)."""
    pdf = f'<p class="screen-only"><a href="{escape(pdf_url)}">Download this notice as a PDF</a></p>' if pdf_url else ""
    body = ("<h1>Your personal budget decision</h1>" + _what_was_decided(n) + _why(n)
            + _what_you_can_do(n, action_url=action_url) + pdf)
    return page(title="Your personal budget decision", label=LABEL, body=body)
