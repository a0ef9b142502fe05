"""Disputes of a budget's amount or contents (BUD-13): reconsideration → panel → complaint → Ombudsman, in that
order, each step with its dates, outcome and who decided; every decision names the next step open to the family.
The rules (pure), the budget API (both backends) and the embedded platform through the gateway."""
from datetime import date

import pytest

from kit.testing import LA, running_service
from services.budget.app import create_app
from services.budget.domain import disputes as rules
from services.budget.domain.disputes import Step
from tests.budget.helpers import CASEWORK, OTHER, PANEL, READ, child, decide, line, new_budget, submitted

TODAY = date(2026, 12, 1)


# --- the rules -------------------------------------------------------------------------------------------------

def _steps(*decided: tuple[str, str]) -> list[Step]:
    """Steps decided with these outcomes, in order, then (if fewer than four) nothing open after them."""
    return [Step(step, date(2026, 1, 1 + i), date(2026, 1, 2 + i), outcome) for i, (step, outcome) in
            enumerate(decided)]


@pytest.mark.parametrize("current, to, refused", [
    ("reconsideration", "panel", False),
    ("reconsideration", "complaint", True),       # a skip
    ("reconsideration", "ombudsman", True),
    ("reconsideration", "reconsideration", True),
    ("panel", "complaint", False),
    ("panel", "ombudsman", True),
    ("complaint", "ombudsman", False),
    ("complaint", "panel", True),                 # backwards
])
def test_BUD_13_steps_go_in_order_none_skipped(current, to, refused):
    done = [(s, "not_upheld") for s in rules.STEPS[:rules.STEPS.index(current) + 1]]
    refusal = rules.refuse_escalation(_steps(*done), to, opened_on=date(2026, 2, 1))
    assert (refusal is not None) == refused
    if refused:
        assert refusal.rule == "BUD-13" and refusal.field == "to" and not refusal.invalid


def test_BUD_13_the_next_step_opens_only_after_a_decision_that_did_not_uphold_the_dispute():
    open_ = [Step("reconsideration", date(2026, 1, 1))]
    assert "not been decided" in rules.refuse_escalation(open_, "panel", opened_on=date(2026, 2, 1)).message
    upheld = _steps(("reconsideration", "upheld"))
    assert "upheld" in rules.refuse_escalation(upheld, "panel", opened_on=date(2026, 2, 1)).message
    partly = _steps(("reconsideration", "partly_upheld"))
    assert rules.refuse_escalation(partly, "panel", opened_on=date(2026, 2, 1)) is None
    last = _steps(*[(s, "not_upheld") for s in rules.STEPS])
    assert "last step" in rules.refuse_escalation(last, "ombudsman", opened_on=date(2026, 2, 1)).message
    before = rules.refuse_escalation(partly, "panel", opened_on=date(2025, 12, 1))
    assert before.field == "opened_on" and before.invalid


@pytest.mark.parametrize("decided, step, by", [
    (("reconsideration", "not_upheld"), "panel", None),
    (("panel", "partly_upheld"), "complaint", None),
    (("complaint", "not_upheld"), "ombudsman", "add_12_months"),  # the Ombudsman's usual time limit
    (("ombudsman", "not_upheld"), "none", None),
    (("panel", "upheld"), "none", None),
])
def test_BUD_13_every_dispute_decision_names_the_next_step(decided, step, by):
    done = [(s, "not_upheld") for s in rules.STEPS[:rules.STEPS.index(decided[0])]] + [decided]
    steps = _steps(*done)
    nxt = rules.next_step(steps)
    assert nxt.step == step and nxt.how
    assert nxt.by == (date(steps[-1].decided_on.year + 1, steps[-1].decided_on.month, steps[-1].decided_on.day)
                      if by else None)


def test_BUD_13_a_step_is_decided_once_on_or_after_it_opened_and_an_upheld_amount_names_its_change():
    open_ = [Step("reconsideration", date(2026, 1, 10))]
    ok = dict(subject="contents", outcome="upheld", decided_on=date(2026, 1, 10), linked=False)
    assert rules.refuse_decision(open_, **ok) is None
    early = rules.refuse_decision(open_, **{**ok, "decided_on": date(2026, 1, 9)})
    assert early.field == "decided_on" and early.invalid
    unlinked = rules.refuse_decision(open_, **{**ok, "subject": "amount", "outcome": "partly_upheld"})
    assert unlinked.field == "variation_id" and unlinked.invalid and unlinked.rule == "BUD-13"
    assert rules.refuse_decision(open_, **{**ok, "subject": "amount", "linked": True}) is None
    assert rules.refuse_decision(open_, **{**ok, "subject": "amount", "outcome": "not_upheld"}) is None
    twice = rules.refuse_decision(_steps(("reconsideration", "not_upheld")), **ok)
    assert twice.rule == "BUD-13" and not twice.invalid and "decided once" in twice.message


@pytest.mark.parametrize("starts_at, reconsidered, pending, field", [
    ("reconsideration", False, False, None),
    ("panel", False, False, "starts_at"),
    ("complaint", False, False, "starts_at"),
    ("panel", True, False, None),                # after a reduction's one reconsideration (BUD-10)
    ("reconsideration", True, False, "starts_at"),
    ("reconsideration", False, True, "variation_id"),  # a reduction under notice: reconsidered through it
])
def test_BUD_13_a_dispute_starts_with_a_reconsideration(starts_at, reconsidered, pending, field):
    refusal = rules.refuse_start(starts_at, reconsidered=reconsidered, reduction_pending=pending)
    assert (refusal.field if refusal else None) == field


def test_BUD_13_after_a_panel_decision_or_a_variation_the_next_step_is_named():
    assert rules.after_panel_decision("approved").step == "reconsideration"
    assert rules.after_panel_decision("declined").step == "reconsideration"
    assert rules.after_panel_decision("escalated").step == "none"  # the senior decision comes first (BUD-06)
    by = date(2027, 1, 5)
    assert rules.after_variation("reduction", "notice_issued", by, None) == rules.NextStep(
        "reconsideration", rules.after_variation("reduction", "notice_issued", by, None).how, by)
    assert rules.after_variation("reduction", "reconsideration_requested", by, None).step == "none"
    assert rules.after_variation("reduction", "applied", by, "upheld").step == "panel"
    assert rules.after_variation("reduction", "withdrawn", by, "withdrawn").step == "none"
    assert rules.after_variation("increase", "applied", None, None).step == "reconsideration"


# --- the API ---------------------------------------------------------------------------------------------------

@pytest.fixture
async def svc(backend, clock):
    clock.set_to(TODAY, tick=True)
    async with running_service(create_app, backend, service="budget") as running:
        yield running


async def agreed(client) -> dict:
    budget = await submitted(client, [line("social_care", 200_000)], indicative={"social_care": 150_000})
    assert (await decide(client, budget["id"], "social_care", 250_000)).status_code == 201
    r = await client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
    assert r.status_code == 200, r.text
    return r.json()


DISPUTE = {"subject": "amount", "details": "Six hours a week of personal assistance are not enough",
           "raised_by": "parent"}


def decision(outcome="not_upheld", **kw) -> dict:
    return {"outcome": outcome, "reasons": "The hours meet the outcomes in the plan", "decided_by": "Team manager",
            **kw}


async def test_BUD_13_a_dispute_goes_reconsideration_panel_complaint_ombudsman_with_dates_and_deciders(svc):
    c = svc.client
    budget = await agreed(c)
    url = f"/v1/budgets/{budget['id']}/disputes"
    opened = await c.post(url, headers=CASEWORK, json=DISPUTE)
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert (body["status"], body["current_step"], body["rule"]) == ("open", "reconsideration", "BUD-13")
    assert body["steps"][0]["opened_on"] == str(TODAY) and body["steps"][0]["outcome"] is None
    assert body["next_step"]["step"] == "none"  # nothing for the family to do until the decision
    d = f"{url}/{body['id']}"

    skip = await c.post(f"{d}/escalate", headers=CASEWORK, json={"to": "panel", "reason": "no answer"})
    assert skip.status_code == 409 and skip.json()["rule"] == "BUD-13", skip.text  # undecided

    for step, to in (("reconsideration", "panel"), ("panel", "complaint"), ("complaint", "ombudsman")):
        decided = await c.post(f"{d}/decision", headers=PANEL if step == "panel" else CASEWORK,
                               json=decision(decided_by=f"{step} decider"))
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "decided"
        assert decided.json()["next_step"]["step"] == to and decided.json()["next_step"]["how"]
        again = await c.post(f"{d}/decision", headers=CASEWORK, json=decision())
        assert again.status_code == 409 and again.json()["rule"] == "BUD-13"
        if to == "complaint":  # a skip straight to the Ombudsman
            skipped = await c.post(f"{d}/escalate", headers=CASEWORK, json={"to": "ombudsman", "reason": "x"})
            assert skipped.status_code == 409 and skipped.json()["rule"] == "BUD-13", skipped.text
            assert skipped.json()["errors"][0]["field"] == "to" and "complaint" in skipped.json()["detail"]
        took = await c.post(f"{d}/escalate", headers=CASEWORK, json={"to": to, "reason": "We still disagree"})
        assert took.status_code == 200, took.text
        assert took.json()["current_step"] == to and took.json()["status"] == "open"
    final = await c.post(f"{d}/decision", headers=CASEWORK, json=decision(decided_by="LGSCO"))
    assert final.json()["status"] == "concluded" and final.json()["next_step"]["step"] == "none"
    after = await c.post(f"{d}/escalate", headers=CASEWORK, json={"to": "ombudsman", "reason": "again"})
    assert after.status_code == 409 and after.json()["rule"] == "BUD-13"

    listed = (await c.get(url, headers=READ)).json()["items"]
    assert [s["step"] for s in listed[0]["steps"]] == list(rules.STEPS)
    assert [s["decided_by"] for s in listed[0]["steps"]] == ["reconsideration decider", "panel decider",
                                                             "complaint decider", "LGSCO"]
    assert all(s["opened_on"] == s["decided_on"] == str(TODAY) for s in listed[0]["steps"])
    # No money moved: the agreed amount is what the panel agreed.
    assert (await c.get(f"/v1/budgets/{budget['id']}", headers=READ)).json()["streams"]["social_care"][
        "agreed_pence"] == 250_000


async def test_BUD_13_an_upheld_dispute_of_the_amount_goes_through_a_variation(svc):
    c = svc.client
    budget = await agreed(c)
    url = f"/v1/budgets/{budget['id']}/disputes"
    d = f"{url}/{(await c.post(url, headers=CASEWORK, json=DISPUTE)).json()['id']}"
    unlinked = await c.post(f"{d}/decision", headers=CASEWORK, json=decision("upheld"))
    assert unlinked.status_code == 422 and unlinked.json()["rule"] == "BUD-13", unlinked.text
    assert unlinked.json()["errors"][0]["field"] == "variation_id"
    foreign = await c.post(f"{d}/decision", headers=CASEWORK, json=decision("upheld", variation_id="nope"))
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "variation_id"
    varied = await c.post(f"/v1/budgets/{budget['id']}/variations", headers=CASEWORK, json={
        "stream": "social_care", "agreed_pence": 300_000, "reasons": "Reconsidered: eight hours a week"})
    assert varied.status_code == 201 and varied.json()["next_step"]["step"] == "reconsideration"
    upheld = await c.post(f"{d}/decision", headers=CASEWORK,
                          json=decision("upheld", variation_id=varied.json()["id"]))
    assert upheld.status_code == 200, upheld.text
    body = upheld.json()
    assert body["status"] == "resolved" and body["next_step"]["step"] == "none"
    assert body["steps"][0]["variation_id"] == varied.json()["id"]
    early = await c.post(f"{d}/escalate", headers=CASEWORK, json={"to": "panel", "reason": "x"})
    assert early.status_code == 409 and early.json()["rule"] == "BUD-13"


async def test_BUD_13_after_a_reductions_one_reconsideration_the_dispute_returns_to_panel(svc):
    c = svc.client
    budget = await agreed(c)
    base = f"/v1/budgets/{budget['id']}"
    cut = (await c.post(f"{base}/variations", headers=CASEWORK, json={
        "stream": "social_care", "agreed_pence": 210_000, "reasons": "fewer hours"})).json()
    assert cut["next_step"] == {"step": "reconsideration", "how": cut["next_step"]["how"], "by": cut["reconsider_by"]}
    pending = await c.post(f"{base}/disputes", headers=CASEWORK, json={**DISPUTE, "variation_id": cut["id"]})
    assert pending.status_code == 409 and pending.json()["errors"][0]["field"] == "variation_id"  # use the notice
    await c.post(f"{base}/variations/{cut['id']}/reconsideration", headers=CASEWORK, json={"reason": "too few"})
    kept = await c.post(f"{base}/variations/{cut['id']}/reconsideration-decision", headers=PANEL,
                        json={"outcome": "upheld"})
    assert kept.json()["next_step"]["step"] == "panel", kept.text
    at_reconsideration = await c.post(f"{base}/disputes", headers=CASEWORK,
                                      json={**DISPUTE, "variation_id": cut["id"]})
    assert at_reconsideration.status_code == 409 and at_reconsideration.json()["rule"] == "BUD-13"
    opened = await c.post(f"{base}/disputes", headers=CASEWORK,
                          json={**DISPUTE, "variation_id": cut["id"], "starts_at": "panel"})
    assert opened.status_code == 201, opened.text
    steps = opened.json()["steps"]
    assert [(s["step"], s["outcome"]) for s in steps] == [("reconsideration", "not_upheld"), ("panel", None)]
    assert steps[0]["variation_id"] == cut["id"]


async def test_BUD_13_a_panel_decision_names_the_next_step_and_an_undecided_budget_cannot_be_disputed(svc):
    c = svc.client
    budget = await submitted(c, [line("social_care", 200_000)], indicative={"social_care": 150_000})
    decided = await decide(c, budget["id"], "social_care", 250_000)
    assert decided.json()["next_step"]["step"] == "reconsideration" and decided.json()["next_step"]["by"] is None
    shown = (await c.get(f"/v1/budgets/{budget['id']}", headers=READ)).json()["panel_decisions"][0]
    assert shown["next_step"]["step"] == "reconsideration"
    draft = (await c.post("/v1/budgets", headers=CASEWORK, json=new_budget(child(), indicative={}))).json()
    refused = await c.post(f"/v1/budgets/{draft['id']}/disputes", headers=CASEWORK, json=DISPUTE)
    assert refused.status_code == 409 and refused.json()["rule"] == "BUD-13"


async def test_BUD_13_disputes_are_the_budgets_own_bad_input_is_422_and_another_la_sees_404(svc):
    c = svc.client
    budget = await agreed(c)
    url = f"/v1/budgets/{budget['id']}/disputes"
    d = (await c.post(url, headers=CASEWORK, json=DISPUTE)).json()
    assert (await c.get(url, headers=OTHER)).status_code == 404
    assert (await c.get(f"{url}/{d['id']}", headers=OTHER)).status_code == 404
    assert (await c.post(url, headers=OTHER, json=DISPUTE)).status_code == 404
    assert (await c.post(f"{url}/{d['id']}/decision", headers=OTHER, json=decision())).status_code == 404
    other = await agreed(c)  # the dispute is not another budget's
    assert (await c.get(f"/v1/budgets/{other['id']}/disputes/{d['id']}", headers=READ)).status_code == 404
    for bad, field in (({**DISPUTE, "subject": "tone"}, "subject"),
                       ({**DISPUTE, "opened_on": "9999-12-31"}, "opened_on"),
                       ({**DISPUTE, "starts_at": "tribunal"}, "starts_at")):
        r = await c.post(url, headers=CASEWORK, json=bad)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    far = await c.post(f"{url}/{d['id']}/decision", headers=CASEWORK, json=decision(decided_on="9999-12-31"))
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "decided_on"
    early = await c.post(f"{url}/{d['id']}/decision", headers=CASEWORK, json=decision(decided_on="2026-11-30"))
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "decided_on"


async def test_BUD_13_an_opened_dispute_is_retried_with_one_key_once(svc):
    c = svc.client
    budget = await agreed(c)
    url = f"/v1/budgets/{budget['id']}/disputes"
    keyed = {**CASEWORK, "Idempotency-Key": "dispute-1"}
    first, again = (await c.post(url, headers=keyed, json=DISPUTE)), (await c.post(url, headers=keyed, json=DISPUTE))
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert len((await c.get(url, headers=READ)).json()["items"]) == 1


# --- through the gateway ---------------------------------------------------------------------------------------

async def test_BUD_13_through_the_gateway_a_dispute_goes_to_panel(platform, clock):
    clock.set_to(TODAY, tick=True)
    casework, admin = await platform.token("dev-casework"), await platform.token("dev-admin")
    other = await platform.token("dev-other-la")
    c = platform.client
    opened = await c.post("/v1/budgets", headers=casework, json=new_budget(child(), indicative={"social_care": 1}))
    url = f"/v1/budgets/{opened.json()['id']}"
    assert (await c.post(f"{url}/provisions", headers=casework, json=line("social_care", 200_000))).status_code == 201
    await c.post(f"{url}/submit", headers=casework)
    panel = await c.post(f"{url}/panel-decisions", headers=admin, json={
        "stream": "social_care", "decision": "approved", "agreed_pence": 200_000, "decided_by": "Head of care"})
    assert panel.json()["next_step"]["step"] == "reconsideration", panel.text
    assert (await c.post(f"{url}/agree", headers=casework)).status_code == 200
    keyed = {**casework, "Idempotency-Key": "gw-dispute"}
    first = await c.post(f"{url}/disputes", headers=keyed, json=DISPUTE)
    again = await c.post(f"{url}/disputes", headers=keyed, json=DISPUTE)
    assert first.status_code == 201 and again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    d = f"{url}/disputes/{first.json()['id']}"
    assert (await c.post(f"{d}/escalate", headers=casework, json={"to": "complaint", "reason": "x"})).status_code == 409
    decided = await c.post(f"{d}/decision", headers=casework, json=decision())
    assert decided.json()["next_step"]["step"] == "panel"
    to_panel = await c.post(f"{d}/escalate", headers=casework, json={"to": "panel", "reason": "Back to panel"})
    assert to_panel.status_code == 200 and to_panel.json()["current_step"] == "panel", to_panel.text
    on_panel = await c.post(f"{d}/decision", headers=admin, json=decision("partly_upheld", decided_by="SEND panel",
                                                                          variation_id=None))
    assert on_panel.status_code == 422  # partly upheld on the amount: the change is a variation or panel decision
    assert (await c.get(f"{url}/disputes", headers=other)).status_code == 404
    assert (await c.get(f"/v1/budgets/{child()}/disputes", headers=casework)).status_code == 404  # the wrong budget
    far = await c.post(f"{d}/escalate", headers=casework, json={"to": "complaint", "reason": "x",
                                                              "opened_on": "9999-01-01"})
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "opened_on"
    # LA is the caller's own; the dispute's LA is the budget's.
    assert first.json()["budget_id"] == opened.json()["id"] and opened.json()["local_authority"] == LA
