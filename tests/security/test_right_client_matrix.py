"""OWASP API1/API5, the fourth column: the right client gets through. For every route of the route table and every
scope that route accepts, a client of the records' own LA holding exactly that one scope calls it through the
gateway, naming the records the end-to-end journey made, with a valid request. It must pass authorisation:

- 2xx, or
- 409: a refusal by the record's state or a rule (already signed, already agreed, a closed window...). Services
  load the record under the caller's LAs before they judge its state, so a 409 proves that the token, the scope
  and the record's LA all passed.

Never 401, 403 or 404, and never 422 either: a request that fails validation is refused before the record is
looked up, so it would prove nothing; every route gets a valid request here. A route of the table without a
request below fails the test, and so does a request for a route that no longer exists."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from kit.testing import LA, auth
from services.ras.service.examples import ecm_model
from tests.security.routes import route_table, seed

TODAY = date.today()


def _child() -> str:
    return f"C-{uuid.uuid4().hex[:10]}"


def _eligibility_request(ids: dict) -> dict:
    return {"json": {
        "child_id": _child(), "local_authority": LA, "date_of_birth": "2014-05-05", "requested_on": str(TODAY),
        "requested_by": "parent", "ehcp_stage": "issued", "streams": ["education", "social_care"],
        "arrangements": ["direct_payment"], "recipient": {"role": "parent", "capable_of_managing": True,
                                                          "consents": True, "drug_or_alcohol_requirement": False},
        "in_custody": False, "provision_on_setting_premises": False, "setting_agreement": None}}


def _model_version(ids: dict) -> dict:
    model = ecm_model(LA)
    del model["local_authority"]
    return {"json": model}


def _assessment(ids: dict) -> dict:
    questions = ecm_model(LA)["questions"]
    return {"json": {"child_id": _child(), "local_authority": LA, "model_id": ids["model_id"],
                     "answers": {q["id"]: q["options"][0]["id"] for q in questions}}}


def _contract(ids: dict) -> dict:
    return {"json": {
        "local_authority": LA, "provider": "Chiltern Therapies CIC", "service": "speech and language therapy",
        "stream": "health", "annual_value_pence": 6_000_000, "contracted_units": 1_200, "unit": "hour",
        "start_date": str(TODAY - timedelta(days=30)), "end_date": str(TODAY + timedelta(days=700)),
        "renewal_date": str(TODAY + timedelta(days=300)), "max_release_percent": 20, "fixed_cost_percent": 30}}


def _nothing(ids: dict) -> dict:
    """The route takes no body and needs no query string."""
    return {}


# Every route: "METHOD path" → the request's keyword arguments (json, params, headers) from the seeded ids.
REQUESTS: dict[str, Any] = {
    "POST /v1/eligibility/requests": _eligibility_request,
    "GET /v1/eligibility/requests": lambda ids: {"params": {"child_id": ids["child_id"]}},
    "GET /v1/eligibility/requests/{request_id}": _nothing,
    "GET /v1/eligibility/requests/{request_id}/decisions": _nothing,
    "GET /v1/eligibility/requests/{request_id}/decisions/{decision_id}": _nothing,
    "POST /v1/eligibility/requests/{request_id}/review": lambda ids: {
        "json": {"reason": "The family sent a new speech and language report"}},
    # ELIG-12: the notional arrangement, so the journey's budget and direct payments are left as they are.
    "POST /v1/eligibility/requests/{request_id}/decline": lambda ids: {"json": {
        "ground": "inefficient_use", "reason": "The setting already commissions this provision",
        "evidence": [{"description": "Setting's provision map", "reference": "DOC-MATRIX"}],
        "arrangements": ["notional"]}},
    "GET /v1/eligibility/adulthood": lambda ids: {"params": {"local_authority": LA}},
    "POST /v1/ras/models": lambda ids: {"json": ecm_model(LA)},
    "GET /v1/ras/models": _nothing,
    "GET /v1/ras/models/active": lambda ids: {"params": {"local_authority": LA}},
    "GET /v1/ras/models/{model_id}": _nothing,
    "POST /v1/ras/models/{model_id}/versions": _model_version,
    "POST /v1/ras/models/{model_id}/publish": _nothing,
    "POST /v1/ras/models/{model_id}/calibrations": lambda ids: {
        "json": {"available_pence": {"education": 50_000_000, "social_care": 30_000_000}}},
    "GET /v1/ras/models/{model_id}/calibration.html": lambda ids: {
        "params": {"education_pence": 50_000_000, "social_care_pence": 30_000_000}},
    "POST /v1/ras/assessments": _assessment,
    "GET /v1/ras/assessments": _nothing,
    "GET /v1/ras/assessments/{assessment_id}": _nothing,
    "GET /v1/ras/reassessments": lambda ids: {"params": {"local_authority": LA, "status": "open"}},
    "GET /v1/ras/reassessments/{reassessment_id}": _nothing,
    "GET /v1/budgets/reviews": lambda ids: {"params": {"due_before": str(TODAY + timedelta(days=400))}},
    "GET /v1/budgets/sen2": lambda ids: {"params": {"local_authority": LA}},
    "GET /v1/budgets/sen2/file": lambda ids: {"params": {"local_authority": LA, "census_date": str(TODAY)}},
    "GET /v1/budgets/sen2/validation": lambda ids: {"params": {"local_authority": LA, "census_date": str(TODAY)}},
    "GET /v1/budgets/finance/totals": lambda ids: {"params": {"local_authority": LA}},
    "GET /v1/payments/finance/totals": lambda ids: {"params": {"local_authority": LA}},
    "GET /v1/contracts/finance/totals": lambda ids: {"params": {"local_authority": LA}},
    "GET /v1/budgets/provision-categories": lambda ids: {"params": {"local_authority": LA}},
    "GET /v1/budgets/{budget_id}/statement": _nothing,
    "POST /v1/budgets/{budget_id}/variations": lambda ids: {
        "json": {"stream": "education", "agreed_pence": 400_000, "reasons": "Two more therapy sessions a term"}},
    "GET /v1/budgets/{budget_id}/variations": _nothing,
    "POST /v1/budgets/{budget_id}/variations/{variation_id}/reconsideration": lambda ids: {
        "json": {"reason": "The physiotherapist advised the same number of sessions"}},
    "POST /v1/budgets/{budget_id}/variations/{variation_id}/reconsideration-decision": lambda ids: {
        "json": {"outcome": "withdrawn"}},
    "POST /v1/budgets/{budget_id}/variations/{variation_id}/apply": _nothing,
    "POST /v1/budgets/{budget_id}/reviews": lambda ids: {
        "json": {"reviewed_on": str(TODAY), "kind": "first", "notes": "Going well"}},
    "POST /v1/budgets/{budget_id}/review-requests": lambda ids: {
        "json": {"requested_on": str(TODAY), "reason": "The family moved house"}},
    "GET /v1/budgets/{budget_id}/reviews": _nothing,
    "POST /v1/budgets/{budget_id}/family-links": lambda ids: {"json": {"expires_in_days": 14}},
    "GET /v1/budgets/{budget_id}/family-links": _nothing,
    "POST /v1/budgets/{budget_id}/family-links/{link_id}/revoke": _nothing,
    # Issue 20: links to a recovery notice (PAY-07) and to a contract's summary (CON-07), each under its own id.
    "POST /v1/payments/recoveries/{recovery_id}/family-links": lambda ids: {"json": {"expires_in_days": 14}},
    "GET /v1/payments/recoveries/{recovery_id}/family-links": _nothing,
    "POST /v1/payments/recoveries/{recovery_id}/family-links/{link_id}/revoke": lambda ids: {
        "ids": {"link_id": ids["recovery_link_id"]}},
    "POST /v1/contracts/{contract_id}/family-links": lambda ids: {
        "json": {"child_id": ids["served_child_id"], "expires_in_days": 14}},
    "GET /v1/contracts/{contract_id}/family-links": lambda ids: {"params": {"child_id": ids["served_child_id"]}},
    "POST /v1/contracts/{contract_id}/family-links/{link_id}/revoke": lambda ids: {
        "ids": {"link_id": ids["summary_link_id"]}},
    # ELIG-10: links to a decision notice, and the reviews families asked for from them.
    "POST /v1/eligibility/requests/{request_id}/family-links": lambda ids: {
        "json": {"decision_id": ids["decision_id"], "expires_in_days": 14}},
    "GET /v1/eligibility/requests/{request_id}/family-links": _nothing,
    "POST /v1/eligibility/requests/{request_id}/family-links/{link_id}/revoke": lambda ids: {
        "ids": {"link_id": ids["decision_link_id"]}},
    "GET /v1/eligibility/requests/{request_id}/review-requests": _nothing,
    "POST /v1/budgets/{budget_id}/commitments": lambda ids: {
        "json": {"stream": "social_care", "amount_pence": 5_000, "memo": "Swimming lessons"}},
    "POST /v1/budgets/{budget_id}/ledger/{transaction_id}/reversal": lambda ids: {
        "json": {"reason": "Booked twice"}},
    "POST /v1/budgets": lambda ids: {"json": {
        "child_id": _child(), "local_authority": LA, "plan_reference": "EHCP-MATRIX-1", "period_start": str(TODAY),
        "period_end": str(TODAY + timedelta(days=364)), "indicative_pence": {"education": 100_000}}},
    "GET /v1/budgets": lambda ids: {"params": {"child_id": ids["child_id"]}},
    "POST /v1/budgets/health-funding-events": lambda ids: {"json": {
        "event_id": str(uuid.uuid4()), "child_id": ids["child_id"], "local_authority": LA,
        "annual_amount_pence": 310_000, "effective_from": str(TODAY), "reason": "Continuing care review"}},
    "GET /v1/budgets/{budget_id}": _nothing,
    "GET /v1/budgets/{budget_id}/ledger": _nothing,
    "GET /v1/budgets/{budget_id}/audit": _nothing,
    "POST /v1/budgets/{budget_id}/provisions": lambda ids: {"json": {
        "description": "Weekend activity club", "outcome": "Makes friends outside school", "stream": "social_care",
        "category": "activities", "annual_cost_pence": 20_000, "arrangement": "notional",
        "on_setting_premises": False}},
    "POST /v1/budgets/{budget_id}/submit": _nothing,
    "POST /v1/budgets/{budget_id}/panel-decisions": lambda ids: {"json": {
        "stream": "education", "decision": "approved", "agreed_pence": 390_000, "decided_by": "education panel"}},
    "POST /v1/budgets/{budget_id}/agree": _nothing,
    "POST /v1/budgets/{budget_id}/close": _nothing,
    "POST /v1/budgets/{budget_id}/disputes": lambda ids: {"json": {
        "subject": "amount", "details": "Not enough hours of support", "raised_by": "parent"}},
    "GET /v1/budgets/{budget_id}/disputes": _nothing,
    "GET /v1/budgets/{budget_id}/disputes/{dispute_id}": _nothing,
    "POST /v1/budgets/{budget_id}/disputes/{dispute_id}/decision": lambda ids: {"json": {
        "outcome": "not_upheld", "reasons": "The plan's outcomes are met", "decided_by": "Team manager"}},
    "POST /v1/budgets/{budget_id}/disputes/{dispute_id}/escalate": lambda ids: {"json": {
        "to": "panel", "reason": "The family still disagrees"}},
    "GET /v1/budgets/handovers": lambda ids: {"params": {"local_authority": LA}},  # ELIG-14
    "GET /v1/budgets/{budget_id}/handover": _nothing,
    "POST /v1/payments/agreements": lambda ids: {"json": {
        "budget_id": ids["budget_id"], "stream": "social_care", "child_id": ids["child_id"], "local_authority": LA,
        "annual_amount_pence": 120_000, "frequency": "monthly", "start_date": str(TODAY),
        "end_date": str(TODAY + timedelta(days=300))}},
    "GET /v1/payments/agreements": lambda ids: {"params": {"budget_id": ids["budget_id"]}},
    "GET /v1/payments/agreements/{agreement_id}": _nothing,
    "PUT /v1/payments/agreements/{agreement_id}/payee": lambda ids: {"json": {
        "role": "parent", "name": "Matrix family",
        "account": {"kind": "bank_account", "sort_code": "401276", "account_number": "31926819"}}},
    "POST /v1/payments/agreements/{agreement_id}/sign": lambda ids: {
        "json": {"signed_on": str(TODAY), "signed_by": "Matrix parent"}},
    "PUT /v1/payments/agreements/{agreement_id}/amount": lambda ids: {"json": {
        "annual_amount_pence": 480_000, "reasons": "Fewer personal-assistant hours are needed"}},
    "GET /v1/payments/agreements/{agreement_id}/notices": _nothing,
    "POST /v1/payments/agreements/{agreement_id}/notices/{notice_id}/reconsideration": lambda ids: {
        "json": {"reason": "The hours are still needed in the holidays"}},
    "POST /v1/payments/agreements/{agreement_id}/notices/{notice_id}/reconsideration-decision": lambda ids: {
        "json": {"outcome": "overturned", "reason": "The holiday hours are needed"}},
    "GET /v1/payments/agreements/{agreement_id}/schedule": _nothing,
    "GET /v1/payments/agreements/{agreement_id}/payments": _nothing,
    "GET /v1/payments/agreements/{agreement_id}/ledger": _nothing,
    "POST /v1/payments/agreements/{agreement_id}/suspend": lambda ids: {"json": {"reason": "The PA is on leave"}},
    "POST /v1/payments/agreements/{agreement_id}/resume": lambda ids: {"json": {"reason": "The PA is back"}},
    "POST /v1/payments/agreements/{agreement_id}/stop": lambda ids: {
        "json": {"reason": "The family no longer wants direct payments", "reason_code": "consent_withdrawn"}},
    "POST /v1/payments/runs": lambda ids: {"json": {"local_authority": LA, "run_date": str(TODAY)},
                                           "headers": {"Idempotency-Key": str(uuid.uuid4())}},
    "GET /v1/payments/runs/{run_id}": _nothing,
    "GET /v1/payments/runs/{run_id}/file": lambda ids: {"params": {"format": "csv"}},
    "GET /v1/payments/runs/{run_id}/journal.csv": _nothing,
    "GET /v1/payments/journal.csv": lambda ids: {"params": {"local_authority": LA, "from": str(TODAY),
                                                            "to": str(TODAY)}},
    "POST /v1/payments/runs/{run_id}/returns": lambda ids: {
        "json": {"items": [{"payment_id": ids["payment_id"], "reason": "Account closed"}]}},
    "GET /v1/payments/audits-due": _nothing,
    "POST /v1/payments/agreements/{agreement_id}/audits": lambda ids: {
        "json": {"period_end": str(TODAY), "balance_held_pence": 0, "outstanding_commitments_pence": 0}},
    "POST /v1/payments/agreements/{agreement_id}/audit-requests": _nothing,
    "GET /v1/payments/recoveries/{recovery_id}": _nothing,
    "POST /v1/payments/recoveries/{recovery_id}/challenge": lambda ids: {"json": {"grounds": "Agreed in advance"}},
    "POST /v1/payments/recoveries/{recovery_id}/decision": lambda ids: {
        "json": {"outcome": "rejected", "reason": "The leave was not agreed in advance"}},
    "POST /v1/payments/recoveries/{recovery_id}/confirm": lambda ids: {"json": {"method": "invoice"}},
    # PAY-10: a misuse of 1p in a period covering the journey's payments (a 409 once the walk has returned them all:
    # nothing left to recover); the journey's recovery is a surplus one, so its repayment plan and an invoice
    # receipt are 409s (refusals by the record's state, after the LA check).
    "POST /v1/payments/agreements/{agreement_id}/recoveries": lambda ids: {"json": {
        "kind": "misused", "reasons": "Spent on a holiday", "amount_pence": 1,
        "period_start": str(TODAY - timedelta(days=3650)), "period_end": str(TODAY + timedelta(days=3650)),
        "evidence": [{"description": "Bank statement", "reference": "DOC-1"}]},
        "headers": {"Idempotency-Key": str(uuid.uuid4())}},
    "POST /v1/payments/recoveries/{recovery_id}/repayment-plan": lambda ids: {
        "json": {"method": "invoice", "instalments": 2}},
    "GET /v1/payments/recoveries/{recovery_id}/repayment-plan": _nothing,
    "POST /v1/payments/recoveries/{recovery_id}/repayments/{repayment_id}/received": lambda ids: {"json": {}},
    "GET /v1/contracts/transfers": lambda ids: {"params": {"child_id": ids["child_id"]}},
    "GET /v1/contracts/transfers/{transfer_id}": _nothing,
    "POST /v1/contracts/transfers/{transfer_id}/withdraw": lambda ids: {
        "json": {"reason": "The family chose the block-contract service after all"}},
    "POST /v1/contracts/{contract_id}/transfer-requests": lambda ids: {"json": {
        "budget_id": ids["budget_id"], "child_id": ids["child_id"], "units": 5, "route": "family_provision",
        "proposed_unit_price_pence": 4_000,
        "evidence": {"provided_by": "parent", "wishes_recorded_on": str(TODAY)}}},
    "GET /v1/contracts/{contract_id}/transfer-requests": _nothing,
    # CON-09: the seeded request is closed by the first scope's evidence (a 409 for the next), and a withdrawal of
    # the transfer earlier in the walk makes a new request a 409 too: both are refusals by state, after the LA check.
    "POST /v1/contracts/transfers/{transfer_id}/evidence-requests": lambda ids: {
        "json": {"due_on": str(TODAY + timedelta(days=30)), "what": "Timesheets of the hours provided"}},
    "POST /v1/contracts/transfers/{transfer_id}/evidence-requests/{evidence_request_id}/evidence": lambda ids: {
        "json": {"received_on": str(TODAY), "description": "Signed timesheets for the month"}},
    "GET /v1/contracts/transfers/{transfer_id}/evidence-requests": _nothing,
    "GET /v1/contracts/evidence-requests": lambda ids: {"params": {"overdue": "true"}},
    "POST /v1/contracts": _contract,
    "GET /v1/contracts": _nothing,
    "GET /v1/contracts/reviews-due": lambda ids: {"params": {"within_days": 365}},
    "GET /v1/contracts/{contract_id}": _nothing,
    "GET /v1/contracts/{contract_id}/summary": _nothing,
    "POST /v1/contracts/{contract_id}/reviews": lambda ids: {"json": {
        "reviewed_on": str(TODAY), "outcome": "renew", "flexibility_added": True, "new_max_release_percent": 25}},
    "GET /v1/contracts/{contract_id}/reviews": _nothing,
    "GET /v1/contracts/{contract_id}/children": _nothing,  # CON-10
    "GET /v1/contracts/children/{child_id}/summaries": _nothing,  # CON-10: the journey's child, known to contracts
    "GET /v1/contracts/unmatched-provision": _nothing,  # CON-10
}


async def test_the_right_client_passes_authorisation_on_every_route(platform, tmp_path):
    facts, ids = await seed(platform.client)
    ids["child_id"] = facts["child_id"]
    ids["repayment_id"] = str(uuid.uuid4())  # PAY-10: the journey's surplus recovery has no plan (a 409 first)
    routes = route_table(tmp_path)
    keys = {f"{r.method} {r.path}" for r in routes}
    assert not keys - set(REQUESTS), f"routes missing from the right-client matrix: {sorted(keys - set(REQUESTS))}"
    assert not set(REQUESTS) - keys, f"requests for routes that no longer exist: {sorted(set(REQUESTS) - keys)}"

    refused, outcomes = [], {}
    for route in routes:
        key = f"{route.method} {route.path}"
        assert route.scopes, f"{key} checks no scope"
        for scope in sorted(route.scopes):
            kwargs = REQUESTS[key](ids)
            headers = {**auth(scope, las=[LA], client_id=f"matrix-{scope}"), **kwargs.pop("headers", {})}
            named = {**ids, **kwargs.pop("ids", {})}  # a record of the route's own service under a shared name
            r = await platform.client.request(route.method, route.url(**named), headers=headers, **kwargs)
            outcomes[f"{key} [{scope}]"] = r.status_code
            if not (200 <= r.status_code < 300 or r.status_code == 409):
                refused.append(f"{key} with only {scope}: {r.status_code} {r.text[:300]}")
    assert not refused, "\n".join(refused)
    passed = sum(200 <= s < 300 for s in outcomes.values())
    assert passed >= 0.8 * len(outcomes), f"too few calls got through: {passed} of {len(outcomes)}: {outcomes}"
