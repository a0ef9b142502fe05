"""After agreement: variations (BUD-10), reviews (BUD-09), commitments and reversals (BUD-08), the family
statement and SEN2 (BUD-11)."""
from datetime import date, timedelta

import pytest

from kit.testing import LA, running_service
from services.budget.app import create_app
from services.budget.service import common
from tests.budget.helpers import CASEWORK, FINANCE, OTHER, PANEL, READ, decide, line, submitted


@pytest.fixture
async def svc(memory_backend):
    async with running_service(create_app, memory_backend, service="budget") as running:
        yield running


async def agreed(client, lines=None, amounts=None) -> dict:
    lines = lines or [line("social_care", 200_000), line("education", 100_000, arrangement="notional",
                                                         category="tuition")]
    budget = await submitted(client, lines, indicative={"social_care": 150_000, "education": 100_000})
    for stream, amount in (amounts or {"social_care": 250_000, "education": 100_000}).items():
        await decide(client, budget["id"], stream, amount)
    r = await client.post(f"/v1/budgets/{budget['id']}/agree", headers=CASEWORK)
    assert r.status_code == 200, r.text
    return r.json()


async def agreed_amount(client, budget_id, stream="social_care") -> int:
    r = await client.get(f"/v1/budgets/{budget_id}", headers=CASEWORK)
    return r.json()["streams"][stream]["agreed_pence"]


def later(monkeypatch, days: int) -> None:
    real = common.now().date()
    monkeypatch.setattr(common, "today", lambda: real + timedelta(days=days))


async def test_bud_10_an_increase_applies_at_once(svc):
    budget = await agreed(svc.client)
    r = await svc.client.post(
        f"/v1/budgets/{budget['id']}/variations",
        headers=CASEWORK,
        json={"stream": "social_care", "agreed_pence": 300_000, "reasons": "more hours"},
    )
    assert r.status_code == 201 and r.json()["status"] == "applied"
    assert await agreed_amount(svc.client, budget["id"]) == 300_000


async def test_bud_10_a_reduction_gives_notice_and_applies_only_after_the_window(svc, monkeypatch):
    budget = await agreed(svc.client)
    r = await svc.client.post(
        f"/v1/budgets/{budget['id']}/variations",
        headers=CASEWORK,
        json={"stream": "social_care", "agreed_pence": 210_000, "reasons": "fewer hours"},
    )
    body = r.json()
    assert r.status_code == 201 and body["status"] == "notice_issued" and body["rule"] == "BUD-10"
    assert "fewer hours" in body["notice"] and body["reconsider_by"] == str(
        common.today() + timedelta(days=28)
    )
    assert await agreed_amount(svc.client, budget["id"]) == 250_000
    early = await svc.client.post(
        f"/v1/budgets/{budget['id']}/variations/{body['id']}/apply", headers=CASEWORK
    )
    assert early.status_code == 409 and early.json()["rule"] == "BUD-10"
    later(monkeypatch, 29)
    applied = await svc.client.post(
        f"/v1/budgets/{budget['id']}/variations/{body['id']}/apply", headers=CASEWORK
    )
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert await agreed_amount(svc.client, budget["id"]) == 210_000


@pytest.mark.parametrize("outcome, expected", [("upheld", 200_000), ("withdrawn", 250_000)])
async def test_bud_10_one_reconsideration_then_the_panel_decides(svc, outcome, expected):
    budget = await agreed(svc.client)
    v = (
        await svc.client.post(
            f"/v1/budgets/{budget['id']}/variations",
            headers=CASEWORK,
            json={"stream": "social_care", "agreed_pence": 200_000, "reasons": "review found less need"},
        )
    ).json()
    url = f"/v1/budgets/{budget['id']}/variations/{v['id']}"
    first = await svc.client.post(
        f"{url}/reconsideration", json={"reason": "needs have not changed"}, headers=CASEWORK
    )
    assert first.json()["status"] == "reconsideration_requested"
    second = await svc.client.post(f"{url}/reconsideration", json={"reason": "again"}, headers=CASEWORK)
    assert second.status_code == 409 and second.json()["rule"] == "BUD-10"
    decided = await svc.client.post(
        f"{url}/reconsideration-decision", json={"outcome": outcome}, headers=PANEL
    )
    assert decided.status_code == 200
    assert await agreed_amount(svc.client, budget["id"]) == expected


async def test_bud_05_a_reduction_below_the_provision_cost_is_refused(svc):
    budget = await agreed(svc.client)
    r = await svc.client.post(
        f"/v1/budgets/{budget['id']}/variations",
        headers=CASEWORK,
        json={"stream": "social_care", "agreed_pence": 199_999, "reasons": "cuts"},
    )
    assert r.status_code == 409 and r.json()["rule"] == "BUD-05" and r.json()["stream"] == "social_care"


async def test_bud_09_first_review_within_three_months_then_yearly_and_on_request(svc, clock):
    budget = await agreed(svc.client)
    today = common.today()
    due = date.fromisoformat(budget["next_review_due"])
    assert today + timedelta(days=88) <= due <= today + timedelta(days=92)
    listed = await svc.client.get("/v1/budgets/reviews", params={"due_before": due.isoformat()}, headers=READ)
    assert budget["id"] in [i["budget_id"] for i in listed.json()["items"]]
    clock.set_to(due, tick=True)  # the first review is recorded once it has been held
    r = await svc.client.post(
        f"/v1/budgets/{budget['id']}/reviews",
        headers=CASEWORK,
        json={"reviewed_on": due.isoformat(), "kind": "first", "notes": "going well"},
    )
    assert r.json()["next_review_due"] == date(due.year + 1, due.month, due.day).isoformat()
    asked = await svc.client.post(
        f"/v1/budgets/{budget['id']}/review-requests",
        headers=CASEWORK,
        json={"requested_on": today.isoformat(), "reason": "family moved house"},
    )
    assert asked.json()["next_review_due"] == today.isoformat()
    clock.reset()
    overdue = await svc.client.get(
        "/v1/budgets/reviews", params={"due_before": (today + timedelta(1)).isoformat()}, headers=READ
    )
    assert budget["id"] in [i["budget_id"] for i in overdue.json()["items"]]
    other = await svc.client.get("/v1/budgets/reviews", params={"due_before": "2099-01-01"}, headers=OTHER)
    assert budget["id"] not in [i["budget_id"] for i in other.json()["items"]]


async def test_bud_08_a_commitment_lowers_available_and_is_corrected_by_reversal(svc):
    budget = await agreed(svc.client)
    url = f"/v1/budgets/{budget['id']}"
    txn = (
        await svc.client.post(
            f"{url}/commitments",
            headers=FINANCE,
            json={"stream": "education", "amount_pence": 40_000, "memo": "tutor booked"},
        )
    ).json()
    s = (await svc.client.get(url, headers=READ)).json()["streams"]["education"]
    assert (s["committed_pence"], s["available_pence"]) == (40_000, 60_000)
    r = await svc.client.post(
        f"{url}/ledger/{txn['transaction_id']}/reversal", json={"reason": "keyed twice"}, headers=FINANCE
    )
    assert r.status_code == 201
    again = await svc.client.post(
        f"{url}/ledger/{txn['transaction_id']}/reversal", json={"reason": "x"}, headers=FINANCE
    )
    assert again.status_code == 409
    s = (await svc.client.get(url, headers=READ)).json()["streams"]["education"]
    assert (s["committed_pence"], s["available_pence"]) == (0, 100_000)
    ledger = (await svc.client.get(f"{url}/ledger", headers=FINANCE)).json()["items"]
    assert ledger[0]["kind"] == "reversal" and ledger[0]["reverses_id"] == txn["transaction_id"]
    agreement = next(t for t in ledger if t["kind"] == "agreement")
    refused = await svc.client.post(
        f"{url}/ledger/{agreement['id']}/reversal", json={"reason": "x"}, headers=FINANCE
    )
    assert refused.status_code == 409 and refused.json()["rule"] == "BUD-08"


async def test_bud_08_only_committed_money_can_be_freed(svc):
    """Freeing (a negative commitment, or reversing a commitment) more than is committed on the stream would turn
    the committed balance negative and count money as available that was never agreed or released (found by
    fuzzing: -£100,000,000 was freed on a stream with nothing committed, 201)."""
    budget = await agreed(svc.client)
    url = f"/v1/budgets/{budget['id']}"

    async def commitment(pence: int):
        return await svc.client.post(f"{url}/commitments", headers=FINANCE,
                                     json={"stream": "education", "amount_pence": pence, "memo": "order"})

    refused = await commitment(-1)
    assert refused.status_code == 409 and refused.json()["rule"] == "BUD-08"
    assert "only £0.00 is committed on the education stream" in refused.json()["detail"]
    ordered = (await commitment(40_000)).json()
    assert (await commitment(-40_001)).status_code == 409
    assert (await commitment(-40_000)).status_code == 201
    reversal = await svc.client.post(f"{url}/ledger/{ordered['transaction_id']}/reversal",
                                     json={"reason": "keyed twice"}, headers=FINANCE)
    assert reversal.status_code == 409 and reversal.json()["rule"] == "BUD-08", "it was freed already"
    s = (await svc.client.get(url, headers=READ)).json()["streams"]["education"]
    assert (s["committed_pence"], s["available_pence"]) == (0, 100_000)


async def test_bud_08_no_more_can_be_committed_than_is_available(svc):
    """Committing more than a stream has available would leave available below zero: money set aside that the
    panel never agreed and no contract released (found by fuzzing: £10 committed on a transport stream with
    nothing agreed, 201, and `sendpb reconcile` reported the stream at -£10.00)."""
    budget = await agreed(svc.client)
    url = f"/v1/budgets/{budget['id']}"

    async def commitment(stream: str, pence: int):
        return await svc.client.post(f"{url}/commitments", headers=FINANCE,
                                     json={"stream": stream, "amount_pence": pence, "memo": "order"})

    refused = await commitment("transport", 1_000)
    assert refused.status_code == 409 and refused.json()["rule"] == "BUD-08"
    assert "only £0.00 is available on the transport stream" in refused.json()["detail"]
    assert (await commitment("education", 100_001)).status_code == 409
    assert (await commitment("education", 100_000)).status_code == 201
    assert (await commitment("education", 1)).status_code == 409
    s = (await svc.client.get(url, headers=READ)).json()["streams"]["education"]
    assert (s["committed_pence"], s["available_pence"]) == (100_000, 0)


async def test_the_family_statement_says_per_stream_what_is_left_in_plain_english(svc):
    budget = await agreed(svc.client)
    statement = (await svc.client.get(f"/v1/budgets/{budget['id']}/statement", headers=READ)).json()
    social = next(s for s in statement["streams"] if s["stream"] == "social_care")
    assert (social["indicated_pence"], social["agreed_pence"], social["left_pence"]) == (
        150_000,
        250_000,
        250_000,
    )
    assert "£1,500.00" in social["summary"] and "leaves £2,500.00" in social["summary"]
    assert statement["total_agreed_pence"] == 350_000
    html = await svc.client.get(
        f"/v1/budgets/{budget['id']}/statement", params={"format": "html"}, headers=READ
    )
    assert html.headers["content-type"].startswith("text/html") and "leaves £2,500.00" in html.text


async def test_bud_11_sen2_fields_per_plan(svc):
    both = await agreed(
        svc.client,
        [line("social_care", 200_000), line("health", 50_000)],
        {"social_care": 200_000, "health": 50_000},
    )
    notional = await agreed(svc.client)
    r = await svc.client.get("/v1/budgets/sen2", params={"local_authority": LA}, headers=READ)
    rows = {i["budget_id"]: i for i in r.json()["items"]}
    assert (
        rows[both["id"]]["has_personal_budget"],
        rows[both["id"]]["organised_arrangements"],
        rows[both["id"]]["direct_payment_funder_code"],
    ) == ("Y", "N", "I")
    assert rows[both["id"]]["direct_payment_funders"] == ["H", "S"]
    assert (
        rows[notional["id"]]["organised_arrangements"],
        rows[notional["id"]]["direct_payment_funders"],
    ) == ("Y", ["S"])
    refused = await svc.client.get("/v1/budgets/sen2", params={"local_authority": "E08000018"}, headers=READ)
    assert refused.status_code == 403


async def test_bud_10_the_scheduled_job_applies_each_reduction_once_its_window_has_closed(backend, monkeypatch):
    """kit.jobs runs apply-due-reductions in every budget process: a reduction applies by itself after its window
    (no one has to call /apply); one still within its window, or under reconsideration, waits."""
    async with running_service(create_app, backend, service="budget") as svc:
        client, jobs = svc.client, svc.runtime.jobs
        budgets = [await agreed(client) for _ in range(3)]
        notices = []
        for budget in budgets:
            r = await client.post(f"/v1/budgets/{budget['id']}/variations", headers=CASEWORK,
                                  json={"stream": "social_care", "agreed_pence": 210_000, "reasons": "fewer hours"})
            notices.append(r.json())
        asked = await client.post(f"/v1/budgets/{budgets[2]['id']}/variations/{notices[2]['id']}/reconsideration",
                                   headers=CASEWORK, json={"reason": "the hours are still needed"})
        assert asked.status_code == 200, asked.text

        assert await jobs.run_once("apply-due-reductions") == 0  # all within their window
        later(monkeypatch, 29)
        assert await jobs.run_once("apply-due-reductions") == 2
        assert [await agreed_amount(client, b["id"]) for b in budgets] == [210_000, 210_000, 250_000]
        assert await jobs.run_once("apply-due-reductions") == 0  # applied once, never again
        r = await client.get(f"/v1/budgets/{budgets[0]['id']}/variations", headers=CASEWORK)
        assert [v["status"] for v in r.json()["items"]] == ["applied"], r.text


async def test_bud_06_a_budget_closes_by_itself_the_day_after_its_plan_period_ends(svc, monkeypatch, clock):
    clock.set_to(date(2026, 11, 25), tick=True)  # before the plan period of the budget made below
    budget = await agreed(svc.client)
    end = date.fromisoformat(budget["period_end"])
    assert await svc.runtime.jobs.run_once("close-ended-budgets") == 0
    monkeypatch.setattr(common, "today", lambda: end)
    assert await svc.runtime.jobs.run_once("close-ended-budgets") == 0, "the last day is still in the period"
    monkeypatch.setattr(common, "today", lambda: end + timedelta(days=1))
    assert await svc.runtime.jobs.run_once("close-ended-budgets") == 1
    r = await svc.client.get(f"/v1/budgets/{budget['id']}", headers=CASEWORK)
    assert r.json()["status"] == "closed"
    assert await svc.runtime.jobs.run_once("close-ended-budgets") == 0
