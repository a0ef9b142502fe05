"""The budget's lists page with `limit` + `cursor` and answer `{items, next_cursor}` (the ledger still takes
`before`), and its reports answer typed bodies: the SEN2 fields (BUD-11, third-party arrangements counted as
direct payments, as in the SEN2 file), the family statement and the provision categories (BUD-15)."""
from datetime import UTC, datetime

import pytest

from kit.pagination import encode_cursor
from kit.testing import LA, running_service
from services.budget.app import create_app
from tests.budget.helpers import FINANCE, OTHER, READ, line
from tests.budget.test_after_agreement import agreed


@pytest.fixture
async def svc(memory_backend):  # an empty database: the lists below are read whole
    async with running_service(create_app, memory_backend, service="budget") as running:
        yield running


@pytest.fixture
async def both(backend):  # SQLite + in-memory bus, and PostgreSQL + RabbitMQ
    async with running_service(create_app, backend, service="budget") as running:
        yield running


async def pages(client, url: str, headers: dict, **params) -> list[list[dict]]:
    """Every page of a list, following next_cursor."""
    out, cursor = [], None
    while True:
        r = await client.get(url, params={**params, **({"cursor": cursor} if cursor else {})}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        out.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return out


async def test_BUD_08_the_ledger_pages_by_cursor_and_still_by_before(both):
    svc = both
    budget = await agreed(svc.client)
    url = f"/v1/budgets/{budget['id']}/ledger"
    for amount in (1_000, 2_000, 3_000):
        r = await svc.client.post(f"/v1/budgets/{budget['id']}/commitments", headers=FINANCE,
                                  json={"stream": "social_care", "amount_pence": amount, "memo": "ordered"})
        assert r.status_code == 201, r.text
    everything = (await svc.client.get(url, headers=FINANCE)).json()
    assert everything["next_cursor"] is None and everything["next_before"] is None
    ids = [t["id"] for t in everything["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) >= 4
    by_cursor = await pages(svc.client, url, FINANCE, limit=2)
    assert [t["id"] for page in by_cursor for t in page] == ids and all(len(p) <= 2 for p in by_cursor)
    first = (await svc.client.get(url, params={"limit": 2}, headers=FINANCE)).json()
    older = (await svc.client.get(url, params={"limit": 2, "before": first["next_before"]}, headers=FINANCE)).json()
    assert [t["id"] for t in older["items"]] == ids[2:4]
    both = await svc.client.get(url, params={"cursor": first["next_cursor"], "before": 5}, headers=FINANCE)
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "before"
    for forged in ("not-a-cursor", encode_cursor(datetime(2026, 1, 1, tzinfo=UTC), "abc"),
                   encode_cursor(datetime(2026, 1, 1, tzinfo=UTC), 2**64)):
        refused = await svc.client.get(url, params={"cursor": forged}, headers=FINANCE)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "cursor", forged


async def test_BUD_09_reviews_due_page_soonest_first_by_cursor(svc):
    budgets = [await agreed(svc.client) for _ in range(3)]
    due = max(b["next_review_due"] for b in budgets)
    listed = [i for page in await pages(svc.client, "/v1/budgets/reviews", READ, due_before=due, limit=1)
              for i in page]
    keys = [(i["next_review_due"], i["budget_id"]) for i in listed]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    assert {b["id"] for b in budgets} <= {i["budget_id"] for i in listed}
    whole = (await svc.client.get("/v1/budgets/reviews", params={"due_before": due, "limit": 500},
                                  headers=READ)).json()
    assert whole["next_cursor"] is None and [i["budget_id"] for i in whole["items"]] == [k[1] for k in keys]
    other = await svc.client.get("/v1/budgets/reviews", params={"due_before": due}, headers=OTHER)
    assert not {b["id"] for b in budgets} & {i["budget_id"] for i in other.json()["items"]}


async def test_BUD_11_the_sen2_json_counts_third_party_arrangements_as_direct_payments(svc):
    held = await agreed(svc.client, [line("health", 50_000, arrangement="third_party")], {"health": 50_000})
    listed = [i for page in await pages(svc.client, "/v1/budgets/sen2", READ, local_authority=LA, limit=50)
              for i in page]
    [row] = [i for i in listed if i["budget_id"] == held["id"]]
    assert (row["has_personal_budget"], row["organised_arrangements"], row["direct_payment_funders"],
            row["direct_payment_funder_code"]) == ("Y", "N", ["H"], "H")
    assert [i["budget_id"] for i in listed] == sorted(i["budget_id"] for i in listed)  # each plan once, by id


async def test_the_statement_is_read_from_the_budget_with_every_field_it_always_had(svc):
    budget = await agreed(svc.client)
    statement = (await svc.client.get(f"/v1/budgets/{budget['id']}/statement", headers=READ)).json()
    assert set(statement) == {"budget_id", "child_id", "plan_reference", "period_start", "period_end", "status",
                              "streams", "total_agreed_pence", "total_left_pence", "next_review_due", "about"}
    assert statement["total_agreed_pence"] == 350_000 == sum(s["agreed_pence"] for s in statement["streams"])
    assert statement["next_review_due"] == budget["next_review_due"]
    social = next(s for s in statement["streams"] if s["stream"] == "social_care")
    assert social["left_pence"] == 250_000 and "£2,500.00" in social["summary"]

