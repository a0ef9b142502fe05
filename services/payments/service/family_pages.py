"""A recovery notice as a page a person can read (issue 20; PAY-07, PAY-10), and the same page as a PDF for letters.
In the order a family needs it: what the money is (the direct payments, and why some is asked back), what was paid,
what is asked back and what is left to repay, and what the family can do next (challenge it here, by the date the
notice gives; how repayment works). The frame is kit's (``kit/family_pages.py``)."""
from __future__ import annotations

from html import escape

from kit.family_pages import bullets, form, long_date, p, page
from kit.money import pounds
from services.payments.service.family_links import Notice

LABEL = "Direct payment notice"
TITLE = "We are asking for some direct payment money back"
WHY = {
    "surplus": "At the check of how the direct payments were used, more money was held than is needed for the "
               "help already arranged and a reserve kept for you (PAY-06). Only the part above that is asked back.",
    "overpaid": "More was paid than should have been, for example after circumstances changed (PAY-10). Only what "
                "was overpaid is asked back, never more.",
    "misused": "Some money was used for something other than the help agreed (PAY-10). Only that money is asked "
               "back, never more.",
}
STATUS = {
    "challenged": "You challenged this notice. Nothing is taken back until your challenge is decided; you will be "
                  "told the decision and its reasons.",
    "withdrawn": "This notice was withdrawn: nothing will be taken back under it.",
    "challenge_rejected": "Your challenge was looked at and not upheld. The money can now be taken back as the "
                          "notice says.",
    "confirmed": "The recovery was confirmed after the time to challenge it.",
    "repaying": "You are repaying this under an agreed repayment plan.",
    "repaid": "This has been repaid in full. Thank you.",
}
HOW = {"deduction": "by taking it off the next direct payments, a part from each, stated on each payment",
       "invoice": "by an invoice, which can be paid in instalments you can afford"}


def _what_the_money_is(n: Notice) -> str:
    a, r = n.agreement, n.recovery
    return ("<h2>What the money is</h2>"
            + p(f"Direct payments of {pounds(a.annual_amount_pence)} a year are paid to {r.who_must_repay} for your "
                f"child's help ({a.purpose}), from {long_date(a.start_date)} to {long_date(a.end_date)}. A direct "
                "payment is not household income: it is for the help agreed.")
            + "<h3>Why we are writing</h3>" + p(WHY.get(r.kind, WHY["surplus"]))
            + "<p>Our reasons:</p>" + bullets(r.reasons))


def _what_was_paid(n: Notice) -> str:
    count = len(n.payments)
    return ("<h2>What was paid</h2>"
            + p(f"By {long_date(n.recovery.notice_issued_on)}, {pounds(n.paid_pence)} had been paid under this "
                f"agreement, in {count} payment{'' if count == 1 else 's'}."))


def _what_is_left(n: Notice) -> str:
    r = n.recovery
    repaid = f" {pounds(r.repaid_pence)} has been repaid so far." if r.repaid_pence else ""
    return ("<h2>What is left</h2>"
            + f'<p class="sum">We are asking for {pounds(r.amount_pence)} back from {escape(r.who_must_repay)}. '
              f"{pounds(n.left_to_repay_pence)} is left to repay.</p>"
            + p(f"Nothing is taken back before {long_date(r.challenge_by)}. After that, and only if you have not "
                f"challenged it (or your challenge is not upheld), we would take it back {HOW.get(r.method, '')}, "
                f"by {long_date(r.repay_by)}.{repaid}"))


def _what_you_can_do(n: Notice, *, action_url: str | None) -> str:
    r, out = n.recovery, ["<h2>What you can do next</h2>"]
    if n.link.action_id is not None:
        out.append(p(f"You challenged this notice from this page on {long_date(n.link.acted_at.date())}."))
    if r.status in STATUS:
        out.append(p(STATUS[r.status]))
    if n.challengeable and n.link.action_id is None:
        out += ["<h3>Challenge this notice</h3>", p(
            f"If you think it is wrong (the amount, the reasons, or who must repay), you can challenge it until "
            f"{long_date(r.challenge_by)}. Say why, and send anything that shows it, such as receipts or timesheets. "
            "Nothing is taken back while your challenge is looked at."),
            form(action_url=action_url, field="grounds", label="Why do you think this notice is wrong?",
                 button="Challenge this notice", required=True,
                 print_text=f"To challenge it, open this notice from the link you were sent, or contact your "
                            f"caseworker, by {long_date(r.challenge_by)}.")]
    out += ["<h3>If paying back would be hard</h3>", p(
        "Tell your caseworker: we agree a repayment plan you can afford, by smaller deductions or an invoice in "
        "instalments."), "<h3>Free, independent advice</h3>", p(
        "Your local SEND Information, Advice and Support Service (SENDIAS) gives free, confidential advice and can "
        "help you challenge a notice.")]
    return "".join(out)


def notice_page(n: Notice, *, today, action_url: str | None, pdf_url: str | None) -> str:
    """The whole page (HTML). ``action_url``: where the challenge form posts (None: no form, as in the PDF)."""
    pdf = (f'<p class="screen-only"><a href="{escape(pdf_url)}">Download this notice as a PDF</a> '
           "(to print or keep).</p>") if pdf_url else ""
    return page(title=TITLE, label=LABEL, body=(
        f"<h1>{TITLE}</h1>" + p(f"Notice issued on {long_date(n.recovery.notice_issued_on)}; page made on "
                                f"{long_date(today)}.") + pdf
        + _what_the_money_is(n) + _what_was_paid(n) + _what_is_left(n) + _what_you_can_do(n, action_url=action_url)))
