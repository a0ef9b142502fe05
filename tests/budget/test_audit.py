"""The audit log of who read or changed a child's budget: recorded with the client of the token, the route and
the request id; readable by the LA (scope `read`), paginated, another LA's is 404; append-only in the database."""
import pytest
from sqlalchemy import text

from kit.testing import LA, auth, running_service
from services.budget.app import create_app
from tests.budget.helpers import OTHER, child, health_event, line, new_budget

CASEWORKER = auth("casework", client_id="caseworker-a")
READER = auth("read", client_id="oversight-b")
AUDITOR = auth("read", client_id="dpo")


async def opened(client, child_id: str | None = None) -> dict:
    r = await client.post("/v1/budgets", json=new_budget(child_id or child(), indicative={"social_care": 100_000}),
                          headers=CASEWORKER)
    assert r.status_code == 201, r.text
    return r.json()


async def audit_of(client, budget_id: str, **params) -> dict:
    r = await client.get(f"/v1/budgets/{budget_id}/audit", params=params, headers=AUDITOR)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_read_and_a_change_are_recorded_with_the_client_the_route_and_the_request_id(backend):
    async with running_service(create_app, backend, service="budget") as svc:
        budget = await opened(svc.client)
        read = await svc.client.get(f"/v1/budgets/{budget['id']}", headers={**READER, "X-Request-ID": "req-read-1"})
        assert read.status_code == 200
        added = await svc.client.post(f"/v1/budgets/{budget['id']}/provisions", json=line(), headers=CASEWORKER)
        assert added.status_code == 201

        items = (await audit_of(svc.client, budget["id"]))["items"]
    assert [(i["kind"], i["client_id"], i["action"]) for i in items] == [
        ("change", "caseworker-a", "add_provision"),
        ("read", "oversight-b", "read_budget"),
        ("change", "caseworker-a", "create_budget"),
    ]
    change, seen, _ = items
    assert seen["route"] == "GET /v1/budgets/{budget_id}" and seen["request_id"] == "req-read-1"
    assert change["route"] == "POST /v1/budgets/{budget_id}/provisions"
    assert change["request_id"] == added.headers["x-request-id"]
    assert {(i["budget_id"], i["child_id"], i["local_authority"]) for i in items} == {
        (budget["id"], budget["child_id"], LA)}


async def test_ledger_statement_and_lists_are_reads_and_icb_funding_through_the_api_is_a_change(svc):
    child_id = child()
    budget = await opened(svc.client, child_id)
    for path, headers in ((f"/v1/budgets/{budget['id']}/ledger", auth("finance", client_id="fin")),
                          (f"/v1/budgets/{budget['id']}/statement", READER),
                          (f"/v1/budgets?child_id={child_id}", READER)):
        assert (await svc.client.get(path, headers=headers)).status_code == 200, path
    funded = await svc.client.post("/v1/budgets/health-funding-events",
                                   json=health_event(child_id, 50_000, "2026-12-01"),
                                   headers=auth("health", client_id="icb-1"))
    assert funded.status_code == 202 and funded.json()["outcome"] == "applied", funded.text

    items = (await audit_of(svc.client, budget["id"]))["items"]
    assert [(i["kind"], i["client_id"], i["action"]) for i in items[:4]] == [
        ("change", "icb-1", "health_funding_event"),
        ("read", "oversight-b", "list_budgets"),
        ("read", "oversight-b", "statement"),
        ("read", "fin", "read_ledger"),
    ]


async def test_refused_changes_and_404s_leave_no_record_and_reading_the_log_is_not_recorded(svc):
    budget = await opened(svc.client)
    refused = await svc.client.post(f"/v1/budgets/{budget['id']}/provisions",
                                    json=line(category="school_place"), headers=CASEWORKER)
    assert refused.status_code == 409 and refused.json()["rule"] == "BUD-03"
    assert (await svc.client.get(f"/v1/budgets/{budget['id']}", headers=OTHER)).status_code == 404
    await audit_of(svc.client, budget["id"])

    items = (await audit_of(svc.client, budget["id"]))["items"]
    assert [i["action"] for i in items] == ["create_budget"]


async def test_another_la_gets_404_and_the_log_needs_the_read_scope(svc):
    budget = await opened(svc.client)
    other = await svc.client.get(f"/v1/budgets/{budget['id']}/audit", headers=OTHER)
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    casework_only = await svc.client.get(f"/v1/budgets/{budget['id']}/audit", headers=CASEWORKER)
    assert casework_only.status_code == 403


async def test_the_log_is_paginated_newest_first(svc):
    budget = await opened(svc.client)
    for n in range(4):
        r = await svc.client.get(f"/v1/budgets/{budget['id']}", headers={**READER, "X-Request-ID": f"page-{n}"})
        assert r.status_code == 200

    seen, cursor, pages = [], None, 0
    while True:
        page = await audit_of(svc.client, budget["id"], limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 2
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert [i["request_id"] for i in seen[:4]] == ["page-3", "page-2", "page-1", "page-0"]
    assert seen[-1]["action"] == "create_budget" and len({i["id"] for i in seen}) == 5
    assert [i["occurred_at"] for i in seen] == sorted((i["occurred_at"] for i in seen), reverse=True)


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET client_id = 'someone-else'", "DELETE FROM audit_log"])
async def test_the_database_refuses_to_alter_or_delete_audit_records(backend, statement):
    async with running_service(create_app, backend, service="budget") as svc:
        await opened(svc.client)
        with pytest.raises(Exception, match="append-only"):
            async with svc.runtime.db.transaction() as session:
                await session.execute(text(statement))


@pytest.fixture
async def svc(memory_backend):
    async with running_service(create_app, memory_backend, service="budget") as running:
        yield running
