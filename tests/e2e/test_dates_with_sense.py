"""Dates with sense, through the gateway of the embedded platform: a date far ahead (year 9999 and the like) is a
typing slip or a probe; it would outrank every real change (BUD-07), never come due for review (CON-03), send a
family a recovery notice for a period not yet over (PAY-05, PAY-07), or plan thousands of years of instalments.
Each is a 422 naming the field, and the range is stated in the OpenAPI schema."""
from datetime import date, timedelta

from kit import clock
from kit.testing import LA

FAR = "9999-12-31"


async def post(platform, path: str, body: dict, token: dict):
    r = await platform.client.post(path, json=body, headers=token)
    return r.status_code, {e["field"] for e in r.json().get("errors") or []}, r.json()


async def test_BUD_07_CON_03_dates_far_ahead_are_a_422_naming_the_field(platform):
    admin = await platform.token("dev-admin")
    today = clock.today()
    budget = {"child_id": "C-dates", "local_authority": LA, "plan_reference": "EHCP-D", "period_start": str(today),
              "period_end": FAR, "indicative_pence": {"health": 100_000}}
    assert (await post(platform, "/v1/budgets", budget, admin))[:2] == (422, {"period_end"})
    ok = {**budget, "period_end": str(today + timedelta(days=364))}
    status, _, opened = await post(platform, "/v1/budgets", ok, admin)
    assert status == 201

    icb = {"event_id": "ICB-far", "child_id": "C-dates", "local_authority": LA, "annual_amount_pence": 1,
           "effective_from": FAR, "reason": "typo"}
    assert (await post(platform, "/v1/budgets/health-funding-events", icb, admin))[:2] == (422, {"effective_from"})
    horizon = {**icb, "event_id": "ICB-horizon", "effective_from": str(today + timedelta(days=730))}
    assert (await post(platform, "/v1/budgets/health-funding-events", horizon, admin))[0] == 202

    asked = {"requested_on": FAR, "reason": "moved house"}
    assert (await post(platform, f"/v1/budgets/{opened['id']}/review-requests", asked, admin))[:2] == (
        422, {"requested_on"})

    contract = {"local_authority": LA, "provider": "Therapies CIC", "service": "speech therapy", "stream": "health",
                "annual_value_pence": 6_000_000, "contracted_units": 1_200, "unit": "hour",
                "start_date": str(today), "end_date": FAR, "renewal_date": "9999-06-01", "max_release_percent": 20,
                "fixed_cost_percent": 30}
    status, fields, problem = await post(platform, "/v1/contracts", contract, admin)
    assert (status, fields, problem["rule"]) == (422, {"end_date"}, "CON-03")
    ten = {**contract, "end_date": str(date(today.year + 10, 1, 1) - timedelta(days=1)),
           "renewal_date": str(today + timedelta(days=300))}
    assert (await post(platform, "/v1/contracts", ten, admin))[0] == 201

    request = {"child_id": "C-dates", "local_authority": LA, "date_of_birth": "2014-05-05", "requested_on": FAR,
               "requested_by": "parent", "ehcp_stage": "issued", "streams": ["health"], "arrangements": ["notional"],
               "recipient": {"role": "parent", "capable_of_managing": True, "consents": True,
                             "drug_or_alcohol_requirement": False},
               "in_custody": False, "provision_on_setting_premises": False, "setting_agreement": None}
    assert (await post(platform, "/v1/eligibility/requests", request, admin))[:2] == (422, {"requested_on"})


async def test_every_date_checked_against_today_states_its_range_in_the_openapi(platform):
    doc = (await platform.client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]

    def field(schema: str, name: str) -> dict:
        found = [s for key, s in schemas.items() if key.endswith(schema)]
        assert found, schema
        prop = found[0]["properties"][name]
        return prop.get("anyOf", [prop])[0] | prop

    effective = field("HealthFundingIn", "effective_from")
    assert effective["x-latest-days-ahead"] == 730 and "today + 730 days" in effective["description"]
    assert field("ReviewRequest", "requested_on")["x-latest-days-ahead"] == 31
    assert "at most 10 years after it" in field("ContractCreate", "end_date")["description"]
    assert "at most 3 years after it" in field("BudgetCreate", "period_end")["description"]
