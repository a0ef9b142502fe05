"""`sendpb demo` tells every family's story against the embedded platform, with the three stories of the whole
policy: a dispute going to panel (BUD-13), a misuse recovery repaid by a plan (PAY-10) and a young person approaching
18 (ELIG-14). The demo's dates are the platform clock's, never the calendar's."""
import re
from datetime import date

from sendpb.demo import FAMILIES, families, tell

TODAY = date(2026, 12, 3)


async def test_BUD_13_PAY_10_ELIG_14_the_demo_tells_each_familys_story_and_the_whole_policy(platform, clock):
    clock.set_to(TODAY, tick=True)
    eligibility = platform.embedded.runtime("eligibility")

    async def announce():  # the eligibility's hourly job, run at once
        return await eligibility.jobs.run_once("announce-adulthood")

    lines: list[str] = []
    done = await tell(platform.client, out=lines.append, today=TODAY, announce=announce)
    text = "\n".join(lines)
    assert done == len(families(TODAY)) == len(FAMILIES) + 1, text
    for family in families(TODAY):
        assert f"{family.name} ({family.local_authority}): request eligible" in text
    assert "[Buckinghamshire]" in text and "[Cheshire East]" in text
    assert text.count("Paid £") == len(FAMILIES) + 1 and text.count("ICB: health funding now") == len(FAMILIES) + 1
    day = TODAY.isoformat()

    # BUD-13: reconsideration, then a return to panel, each with its dates, outcome and who decided; the next step.
    assert (f"Dispute (BUD-13) of the amount: reconsideration opened {day}, decided {day} by Team manager, SEND "
            f"casework: not upheld") in text, text
    assert f"then panel opened {day}, decided {day} by Personal budget panel: not upheld" in text
    assert "Next step open to the family: complaint — Make a complaint through the council's complaints" in text

    # PAY-10: evidence, notice, challenge window, a plan by instalments, a repayment received and in the ledger.
    misuse = re.search(r"Misuse \(PAY-10\): £[\d,.]+ used for other purposes \(evidence AUD-DEMO-1\); written "
                       rf"notice {day}, challenge by (\d{{4}}-\d\d-\d\d)\.", text)
    assert misuse and misuse.group(1) == "2026-12-31", text  # the LA's 28-day challenge window
    assert ("The family challenged it: challenge rejected (No therapy plan names the console). Repayment plan: 3 "
            "invoices of") in text
    assert "due 2027-01-02" in text  # the first invoice 30 days on
    assert re.search(rf"Repayment of £[\d,.]+ received {day}; the budget's ledger shows it: \".*repaid under a "
                     r"repayment plan \(PAY-10\)", text), text

    # ELIG-14: transition recorded, on the LA's list, adult social care told, the budget's handover summary.
    assert re.search(r"Preparing for adulthood \(ELIG-14\): transition plan recorded at the review of 2024-12-03; "
                     r"turns 18 on 2027-04-02; on the list of young people approaching 18 in E06000060 "
                     r"\(\d+ listed\)\.", text), text
    assert "Adult social care told; handover prepared for 1 budget(s)." in text
    assert "Handover summary: Turns 18 on 2027-04-02." in text
    assert "Held as: a direct payment to the family" in text and "Next review due" in text
