"""What the fuzzing found, kept found: each case named by the request that showed it."""
import copy

import pytest

from kit.testing import LA
from services.ras.service.examples import ecm_model


def _version(**changes) -> dict:
    body = ecm_model(LA)
    del body["local_authority"]
    body.update(changes)
    return body


def _option_points(value) -> dict:
    body = _version()
    body["questions"] = copy.deepcopy(body["questions"])
    body["questions"][0]["options"][0]["points"] = value
    return body


@pytest.mark.parametrize("body, field", [
    (_version(ceiling_points=True), "ceiling_points"),        # was a new version with a ceiling of 1 point
    (_version(ceiling_points="40"), "ceiling_points"),
    (_option_points(False), "questions.0.options.0.points"),
], ids=["ceiling-points-true", "ceiling-points-string", "option-points-false"])
async def test_a_ras_model_version_refuses_anything_but_a_json_integer_for_points(platform, body, field):
    headers = await platform.token("dev-admin")
    model = await platform.client.post("/v1/ras/models", json=ecm_model(LA), headers=headers)
    assert model.status_code == 201, model.text
    r = await platform.client.post(f"/v1/ras/models/{model.json()['id']}/versions", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


async def test_a_ras_calibration_refuses_true_for_the_money_available(platform):
    headers = await platform.token("dev-admin")
    model = await platform.client.post("/v1/ras/models", json=ecm_model(LA), headers=headers)
    r = await platform.client.post(f"/v1/ras/models/{model.json()['id']}/calibrations", headers=headers,
                                   json={"available_pence": {"education": True}})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["available_pence.education"], r.json()


async def test_request_bodies_are_strict_json_everywhere(platform):
    """Found by fuzzing (make fuzz): pydantic's lax mode took `true` as 1, "1200" as 1200, 1 as true and 0 as
    1970-01-01, and stored them. Every service's request models are now strict (kit/schemas.py): each is a 422
    naming the field, and the well-typed request still succeeds."""
    from tests.security.routes import seed

    headers = await platform.token("dev-admin")
    _, ids = await seed(platform.client, name="Strict")
    amount = f"/v1/payments/agreements/{ids['agreement_id']}/amount"
    for body, field in (({"annual_amount_pence": 300_000, "effective_from": 0}, "effective_from"),
                        ({"annual_amount_pence": True}, "annual_amount_pence")):
        r = await platform.client.put(amount, json=body, headers=headers)
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == [field], r.text

    contract = {"local_authority": LA, "provider": "Therapies Ltd", "service": "integrated therapies",
                "annual_value_pence": 1_200_000, "contracted_units": 1200, "unit": "hour",
                "start_date": "2027-04-01", "end_date": "2028-03-31", "renewal_date": "2028-01-01",
                "max_release_percent": 20, "fixed_cost_percent": 30}
    for change, field in ((("max_release_percent", True)), "max_release_percent"), \
                         ((("contracted_units", "1200")), "contracted_units"), \
                         ((("separable", 1)), "separable"), \
                         ((("start_date", 0)), "start_date"), \
                         ((("start_date", "0")), "start_date"):
        r = await platform.client.post("/v1/contracts", json={**contract, change[0]: change[1]}, headers=headers)
        assert r.status_code == 422 and field in [e["field"] for e in r.json()["errors"]], (change, r.text)
    assert (await platform.client.post("/v1/contracts", json=contract, headers=headers)).status_code == 201


@pytest.mark.parametrize("transaction_id", [2**63, -(2**63) - 1, 0])
async def test_a_reversal_of_a_transaction_id_out_of_range_is_a_422_not_a_500(platform, transaction_id):
    headers = await platform.token("dev-admin")
    r = await platform.client.post(f"/v1/budgets/{'0' * 36}/ledger/{transaction_id}/reversal", headers=headers,
                                   json={"reason": "entered twice"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "transaction_id", r.text


async def test_text_with_a_nul_character_is_a_422_naming_the_field(either_platform):
    """Found by fuzzing on PostgreSQL: an ICB event id or a returned payment id holding the NUL character (\\u0000)
    was a 500 there (PostgreSQL refuses NUL in text) and stored on SQLite. Every request body refuses it now
    (kit.schemas.Input), in strings, list items and dict keys alike, on both backends."""
    from tests.security.routes import seed

    platform = either_platform
    headers = await platform.token("dev-admin")
    _, ids = await seed(platform.client, name="Nul")
    event = {"event_id": "ICB-\x00-1", "child_id": "C-nul", "local_authority": LA, "annual_amount_pence": 300,
             "effective_from": "2027-01-01", "reason": "continuing care"}
    for path, body, field in (
            ("/v1/budgets/health-funding-events", event, "event_id"),
            (f"/v1/payments/runs/{ids['run_id']}/returns", {"items": [{"payment_id": "\x00"}]},
             "items.0.payment_id"),
            (f"/v1/budgets/{ids['budget_id']}/reviews",
             {"kind": "annual", "reviewed_on": "2026-01-01", "notes": "seen\x00"}, "notes"),
            (f"/v1/payments/agreements/{ids['agreement_id']}/audits",
             {"period_end": "2027-03-31", "balance_held_pence": 0, "outstanding_commitments_pence": 0,
              "reasons": ["receipts kept", "\x00"]}, "reasons"),
            ("/v1/ras/assessments", {"child_id": "C-nul", "local_authority": LA, "answers": {"q1\x00": "a"}},
             "answers")):
        r = await platform.client.post(path, json=body, headers=headers)
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json", r.headers
        assert r.json()["errors"] == [{"field": field, "message": "must not contain the NUL character (\\u0000)"}]


@pytest.mark.integration
async def test_a_nul_character_in_a_path_or_query_parameter_is_a_422_naming_it_on_postgresql(postgresql_platform):
    """Found with the fuzzing on PostgreSQL: an id with a NUL character reaches the database as sent, which refuses
    it; that was a 500 (SQLite finds no such record: a 404 or an empty list). A query parameter is a 422 naming it;
    a path holding one is refused by the gateway before any service sees it (a 400: control characters)."""
    headers = await postgresql_platform.token("dev-admin")
    for method, path, body, field in (
            ("GET", "/v1/budgets?child_id=C%00", None, "child_id"),
            ("GET", "/v1/eligibility/requests?child_id=C%00", None, "child_id")):
        r = await postgresql_platform.client.request(method, path, json=body, headers=headers)
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json", r.headers
        assert r.json()["errors"] == [{"field": field, "message": "must not contain the NUL character (\\u0000)"}]
    for method, path, body in (("GET", "/v1/budgets/B%00", None), ("GET", "/v1/contracts/K%00/summary", None),
                               ("POST", "/v1/payments/agreements/A%00/suspend", {"reason": "payee in hospital"})):
        r = await postgresql_platform.client.request(method, path, json=body, headers=headers)
        assert r.status_code == 400 and r.json()["type"].endswith("/bad-path"), (path, r.text)


async def test_a_date_a_year_is_planned_from_must_leave_that_year_in_the_calendar(either_platform):
    """Found probing the fuzzed API: an agreement starting 9999-06-01 (its year of instalments runs past
    9999-12-31, where Python's calendar ends) and a review held on 9999-12-31 (the next falls due 12 months later)
    were a 500 on both backends; a plan period starting then would have done the same to the agreement opened from
    it. Each is a 422 naming the field; a review must also have been held (on or before tomorrow), and an agreement
    lies within its budget's plan period."""
    from tests.security.routes import seed

    platform = either_platform
    headers = await platform.token("dev-admin")
    facts, ids = await seed(platform.client, name="Late dates")
    agreement = {"child_id": "C-late", "local_authority": LA, "annual_amount_pence": 120_000,
                 "frequency": "four_weekly", "end_date": "9999-12-31"}
    budget = {"child_id": "C-late", "local_authority": LA, "plan_reference": "EHCP-late", "period_end": "9999-12-31",
              "indicative_pence": {"health": 100_000}}
    review = f"/v1/budgets/{ids['budget_id']}/reviews"
    for path, body, field in (("/v1/payments/agreements", {**agreement, "start_date": "9999-06-01"}, "start_date"),
                              ("/v1/budgets", {**budget, "period_start": "9999-06-01"}, "period_start")):
        r = await platform.client.post(path, json=body, headers=headers)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["errors"] == [
            {"field": field, "message": "must be on or before 9998-12-31: the year after it is planned"}], r.text
    # An agreement pays from an agreed budget within its plan period (BUD-06, PAY-03): refused, never a 500.
    r = await platform.client.post("/v1/payments/agreements", headers=headers, json={
        **agreement, "budget_id": ids["budget_id"], "child_id": facts["child_id"], "stream": "social_care",
        "start_date": "9998-12-31"})
    assert r.status_code == 409 and r.json()["rule"] in ("BUD-06", "PAY-03"), r.text
    for held in ("9998-12-31", "9999-12-31"):  # a review is recorded once held: never a date years ahead
        r = await platform.client.post(review, json={"kind": "annual", "reviewed_on": held}, headers=headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reviewed_on", r.text


@pytest.mark.integration
async def test_a_review_held_because_circumstances_changed_is_recorded_on_postgresql(postgresql_platform):
    """Found by fuzzing on PostgreSQL: `kind: circumstances_changed`, a value the schema offers, was a 500 there
    (value too long for type character varying(20)) and stored on SQLite. Budget migration 0006 widens the column."""
    from tests.security.routes import seed

    headers = await postgresql_platform.token("dev-admin")
    _, ids = await seed(postgresql_platform.client, name="Circumstances")
    r = await postgresql_platform.client.post(f"/v1/budgets/{ids['budget_id']}/reviews", headers=headers,
                                              json={"kind": "circumstances_changed", "reviewed_on": "2026-01-01"})
    assert r.status_code == 201, r.text


async def test_a_forged_cursor_is_a_422_naming_it(either_platform):
    """Found probing the fuzzed API: a cursor decoding to a time without a zone, or to year 1 in a zone east of
    UTC, was a 500 on both backends (the UTC column type refuses it before the query runs)."""
    import base64
    import json

    headers = await either_platform.token("dev-admin")
    for created in ("2026-01-01T00:00:00", "2026-01-01", "0001-01-01T00:00:00+05:00"):
        cursor = base64.urlsafe_b64encode(json.dumps([created, "x"]).encode()).decode().rstrip("=")
        r = await either_platform.client.get("/v1/budgets", params={"cursor": cursor}, headers=headers)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor", (created, r.text)
