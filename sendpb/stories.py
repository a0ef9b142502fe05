"""Three stories of the whole policy told after a family's journey (``sendpb/journey.py``), through the gateway only
and in plain English from the API's answers: a dispute going to panel (BUD-13), a misuse recovery repaid by a plan
(PAY-10) and a young person approaching 18 (ELIG-14). Used by ``sendpb demo`` and its test."""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from sendpb.journey import Api, JourneyError, gbp

Announce = Callable[[], Awaitable[Any]]


def _words(value: str) -> str:
    return value.replace("_", " ")


def _step_told(step: dict) -> str:
    told = f"{_words(step['step'])} opened {step['opened_on']}"
    if step["decided_on"]:
        told += (f", decided {step['decided_on']} by {step['decided_by']}: {_words(step['outcome'])} "
                 f"({step['reasons']})")
    return told


async def dispute_to_panel(api: Api, facts: dict[str, Any], *, today: date, story: list[str],
                           casework: str, panel: str) -> dict[str, Any]:
    """BUD-13: the family disputes the amount; the LA reconsiders and does not uphold it; the family returns it to
    panel, which decides; the family is told each decision, who made it and the next step open to them."""
    url = f"/v1/budgets/{facts['budget_id']}/disputes"
    on = today.isoformat()
    dispute = await api.call("POST", url, as_=casework, status=201, headers={"Idempotency-Key": _key("dispute")},
                             json={"subject": "amount", "raised_by": "parent", "opened_on": on,
                                   "details": "The personal assistant hours are not enough"})
    d = f"{url}/{dispute['id']}"
    await api.call("POST", f"{d}/decision", as_=casework, headers={"Idempotency-Key": _key("reconsidered")},
                   json={"outcome": "not_upheld", "decided_by": "Team manager, SEND casework", "decided_on": on,
                         "reasons": "The hours meet the outcomes in the plan"})
    await api.call("POST", f"{d}/escalate", as_=casework, headers={"Idempotency-Key": _key("to-panel")},
                   json={"to": "panel", "reason": "The family still disagrees", "opened_on": on})
    decided = await api.call("POST", f"{d}/decision", as_=panel, headers={"Idempotency-Key": _key("panel")},
                             json={"outcome": "not_upheld", "decided_by": "Personal budget panel", "decided_on": on,
                                   "reasons": "The panel found the amount sufficient for the agreed outcomes"})
    nxt = decided["next_step"]
    story.append(f"  Dispute (BUD-13) of the {decided['subject']}: "
                 + "; then ".join(_step_told(s) for s in decided["steps"]) + ".")
    story.append(f"  Next step open to the family: {_words(nxt['step'])}"
                 + (f" by {nxt['by']}" if nxt["by"] else "") + f" — {nxt['how']}")
    return decided


async def misuse_recovered(api: Api, facts: dict[str, Any], *, today: date, story: list[str],
                           casework: str, finance: str) -> dict[str, Any]:
    """PAY-10: money found used for other purposes, with evidence, under a written notice with a challenge window;
    the family challenges, finance rejects the challenge, an invoice plan in instalments is agreed, the first
    instalment is received and the budget's ledger books it."""
    agreement_id = facts["ids"]["agreement_id"]
    if surplus := facts["ids"].get("recovery_id"):  # the journey's surplus notice, which the family challenged
        upheld = await api.call("POST", f"/v1/payments/recoveries/{surplus}/decision", as_=finance,
                                headers={"Idempotency-Key": _key("surplus")},
                                json={"outcome": "upheld", "reason": "The PA's leave was agreed in advance"})
        story.append(f"  The family's challenge of the surplus notice was upheld: the recovery is {upheld['status']}.")
    paid = (await api.call("GET", f"/v1/payments/agreements/{agreement_id}/payments?limit=500", as_=finance))["items"]
    dues = sorted(p["due_date"] for p in paid)
    amount = max(1, sum(p["amount_pence"] for p in paid) // 4)
    notice = await api.call(
        "POST", f"/v1/payments/agreements/{agreement_id}/recoveries", as_=finance, status=201,
        headers={"Idempotency-Key": _key("misused")},
        json={"kind": "misused", "amount_pence": amount, "period_start": dues[0], "period_end": dues[-1],
              "reasons": "Spent on a games console, not on the personal assistant",
              "evidence": [{"description": "Bank statement showing an electronics shop", "reference": "AUD-DEMO-1"}]})
    story.append(f"  Misuse (PAY-10): {gbp(notice['amount_pence'])} used for other purposes (evidence "
                 f"{notice['evidence'][0]['reference']}); written notice {notice['notice_issued_on']}, "
                 f"challenge by {notice['challenge_by']}.")
    recovery = f"/v1/payments/recoveries/{notice['id']}"
    await api.call("POST", f"{recovery}/challenge", as_=casework, headers={"Idempotency-Key": _key("challenge")},
                   json={"grounds": "The console was for the child's therapy games"})
    rejected = await api.call("POST", f"{recovery}/decision", as_=finance, headers={"Idempotency-Key": _key("dec")},
                              json={"outcome": "rejected", "reason": "No therapy plan names the console"})
    plan = await api.call("POST", f"{recovery}/repayment-plan", as_=finance, status=201,
                          headers={"Idempotency-Key": _key("plan")},
                          json={"method": "invoice", "instalments": 3,
                                "first_due": (today + timedelta(days=30)).isoformat()})
    parts = plan["repayments"]
    story.append(f"  The family challenged it: {_words(rejected['status'])} ({rejected['decision_reason']}). "
                 f"Repayment plan: {len(parts)} invoices of "
                 + ", ".join(f"{gbp(p['amount_pence'])} due {p['due_date']}" for p in parts) + ".")
    first = await api.call("POST", f"{recovery}/repayments/{parts[0]['id']}/received", as_=finance,
                           headers={"Idempotency-Key": _key("received")}, json={"received_on": today.isoformat()})

    async def booked():
        page = await api.call("GET", f"/v1/budgets/{facts['budget_id']}/ledger", as_=finance)
        return next((t for t in page["items"] if t["reference"] == f"repayment:{first['id']}"), None)

    entry = await api.until("the repayment to reach the budget's ledger", booked)
    story.append(f"  Repayment of {gbp(first['amount_pence'])} received {first['received_on']}; the budget's "
                 f"ledger shows it: \"{entry['memo']}\".")
    return {"notice": notice, "plan": plan, "received": first, "ledger": entry}


async def approaching_adulthood(api: Api, facts: dict[str, Any], *, la: str, story: list[str], casework: str,
                                announce: Announce | None = None) -> dict[str, Any]:
    """ELIG-14: the young person's transition recorded, their place on the LA's list of those approaching 18, adult
    social care told (the eligibility's ``announce-adulthood`` job: hourly on a platform; ``announce`` runs it at
    once where the caller can) and the budget's handover summary."""
    child = facts["child_id"]
    listed = await api.call("GET", "/v1/eligibility/adulthood", as_=casework,
                            params={"local_authority": la, "limit": 500})
    mine = next((p for p in listed["items"] if p["child_id"] == child), None)
    if mine is None:
        raise JourneyError(f"{child} is not on the list of young people approaching 18 in {la}")
    story.append(f"  Preparing for adulthood (ELIG-14): transition plan recorded at the review of "
                 f"{mine['transition_reviewed_on']}; turns 18 on {mine['turns_18_on']}; on the list of young people "
                 f"approaching 18 in {la} ({len(listed['items'])} listed).")
    prepared = None
    if announce is not None:
        await announce()

        async def handed_over():
            page = await api.call("GET", "/v1/budgets/handovers", as_=casework,
                                  params={"local_authority": la, "limit": 500})
            return next((h for h in page["items"] if h["child_id"] == child), None)

        prepared = await api.until("the handover to be prepared from eligibility.adulthood_approaching.v1",
                                   handed_over)
        story.append(f"  Adult social care told; handover {prepared['outcome']} for "
                     f"{len(prepared['budget_ids'])} budget(s).")
    else:
        story.append("  Adult social care is told by the eligibility's hourly announce-adulthood job.")
    handover = await api.call("GET", f"/v1/budgets/{facts['budget_id']}/handover", as_=casework)
    story.append(f"  Handover summary: {handover['summary']}")
    return {"listed": mine, "prepared": prepared, "handover": handover}


def _key(what: str) -> str:
    return f"demo-{what}-{uuid.uuid4().hex[:8]}"
