"""The route table of every service, with the scopes each route requires (read from its dependencies)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.routing import APIRoute, iter_route_contexts

from kit.settings import PlatformSettings
from sendpb.runner import SERVICES

PUBLIC = {"/healthz", "/readyz", "/metrics", "/asyncapi.json"}
# Published information, read without a token (BUD-15; proved public and free of children's data in
# tests/budget/test_local_offer.py).
PUBLISHED = {"/v1/budgets/local-offer/{local_authority}", "/v1/budgets/local-offer/{local_authority}.html"}
# Pages a family opens from a signed link, with no token (issue 20): the link is the credential. Their refusals
# (another budget's, expired, revoked, altered links) are proved in tests/family/test_family_links.py.
SIGNED_LINKS = {"/v1/budgets/family/{token}", "/v1/budgets/family/{token}/review-requests",
                "/v1/budgets/family/{token}/disputes",  # a decision notice (tests/family/test_decision_links.py)
                "/v1/budgets/family/{token}/escalations",  # a dispute's notice (test_dispute_links.py)
                "/v1/payments/family/{token}", "/v1/payments/family/{token}/challenge",  # test_recovery_links.py
                "/v1/contracts/family/{token}",  # a contract's summary (tests/family/test_summary_links.py)
                # an eligibility decision notice (tests/family/test_eligibility_decision_links.py)
                "/v1/eligibility/family/{token}", "/v1/eligibility/family/{token}/review"}


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    scopes: frozenset[str] | None   # None: no scope check found

    def url(self, **ids: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "00000000-0000-4000-8000-000000000000"),
                      self.path)


def _scopes(dependant) -> frozenset[str] | None:
    found = getattr(dependant.call, "required_scopes", None)
    if found is not None:
        return found
    for sub in dependant.dependencies:
        inner = _scopes(sub)
        if inner is not None:
            return inner
    return None


def route_table(tmp_path) -> list[Route]:
    platform = PlatformSettings(data_dir=tmp_path)
    table = []
    for component in SERVICES:
        app = component.create_app(platform)
        for ctx in iter_route_contexts(app.routes):
            route = ctx.route
            if (not isinstance(route, APIRoute) or "/" + ctx.path.split("/")[-1] in PUBLIC
                    or ctx.path in PUBLISHED or ctx.path in SIGNED_LINKS):
                continue
            for method in sorted(ctx.methods - {"HEAD"}):
                table.append(Route(component.name, method, ctx.path, _scopes(route.dependant)))
    return table


async def seed(client, *, name: str = "Matrix", local_authority: str = "E06000060") -> tuple[dict, dict[str, str]]:
    """Every kind of record a route can name, made through the gateway as integrators would: the end-to-end journey,
    then a budget variation (a reduction, so it can still be reconsidered), a commitment (a ledger transaction),
    a reduction of the direct payment under notice (BUD-10), a request for evidence of delivery on the journey's
    family-provision transfer (CON-09) and a change of circumstances, which RAS records as a re-assessment
    request (BUD-12), and a dispute of the budget's contents (BUD-13).
    Returns the journey's facts and the ids by path parameter name (and `payment_id`, a payment of the run)."""
    from datetime import date

    from sendpb.journey import Api, Family, run

    api = Api(client)
    facts = await run(api, Family(name, local_authority, date(2014, 5, 5)), today=date.today(), story=[])
    ids = {k: v for k, v in facts["ids"].items() if v}
    variation = await api.call("POST", f"/v1/budgets/{ids['budget_id']}/variations", as_="dev-admin", status=201,
                               json={"stream": "health", "agreed_pence": 260_000,
                                     "reasons": "The physiotherapy programme needs fewer sessions"})
    commitment = await api.call("POST", f"/v1/budgets/{ids['budget_id']}/commitments", as_="dev-admin", status=201,
                                json={"stream": "social_care", "amount_pence": 10_000, "memo": "Activity club"})
    paid = (await api.call("GET", f"/v1/payments/agreements/{ids['agreement_id']}/payments", as_="dev-admin"))["items"]
    agreement = await api.call("GET", f"/v1/payments/agreements/{ids['agreement_id']}", as_="dev-admin")
    reduced = await api.call("PUT", f"/v1/payments/agreements/{ids['agreement_id']}/amount", as_="dev-admin",
                             status=202, json={"annual_amount_pence": agreement["annual_amount_pence"] // 2,
                                               "reasons": "Fewer personal-assistant hours are needed"})
    evidence = await api.call("POST", f"/v1/contracts/transfers/{ids['transfer_id']}/evidence-requests",
                              as_="dev-admin", status=201, json={"due_on": str(date.today()),
                                                                 "what": "Timesheets of the hours provided"})
    ids.update(variation_id=variation["id"], transaction_id=str(commitment["transaction_id"]), payment_id=paid[0]["id"],
               notice_id=reduced["notice"]["id"], evidence_request_id=evidence["id"])
    await api.call("POST", f"/v1/budgets/{ids['budget_id']}/review-requests", as_="dev-admin", status=201,
                   json={"requested_on": str(date.today()), "reason": "The family moved house",
                         "circumstances_changed": True})

    async def reassessment():  # BUD-12: the change of circumstances reaches RAS as a re-assessment request
        page = await api.call("GET", "/v1/ras/reassessments", as_="dev-admin", params={"child_id": facts["child_id"]})
        return page["items"][0]["id"] if page["items"] else None

    ids["reassessment_id"] = await api.until("the re-assessment request to reach RAS", reassessment)
    dispute = await api.call("POST", f"/v1/budgets/{ids['budget_id']}/disputes", as_="dev-admin", status=201,
                             json={"subject": "contents", "details": "Hydrotherapy is missing", "raised_by": "parent"})
    ids["dispute_id"] = dispute["id"]  # BUD-13: the family disputes what the budget pays for
    link = await api.call("POST", f"/v1/budgets/{ids['budget_id']}/family-links", as_="dev-admin", status=201,
                          json={"expires_in_days": 7})
    ids["link_id"] = link["id"]
    if ids.get("recovery_id"):  # PAY-07: a link to the journey's recovery notice
        notice = await api.call("POST", f"/v1/payments/recoveries/{ids['recovery_id']}/family-links",
                                as_="dev-admin", status=201, json={"expires_in_days": 7})
        ids["recovery_link_id"] = notice["id"]
    ids.update(await _served_child(api, ids["contract_id"], local_authority))
    decision_link = await api.call("POST", f"/v1/eligibility/requests/{ids['request_id']}/family-links",
                                   as_="dev-admin", status=201, json={"decision_id": ids["decision_id"],
                                                                      "expires_in_days": 7})
    ids["decision_link_id"] = decision_link["id"]  # ELIG-10: a link to the journey's decision notice
    return facts, ids


async def _served_child(api, contract_id: str, local_authority: str) -> dict[str, str]:
    """CON-10: a child whose draft budget has a line naming the journey's contract, and a link to the contract's
    summary for their family (CON-07)."""
    import uuid
    from datetime import date, timedelta

    child = f"C-served-{uuid.uuid4().hex[:8]}"
    budget = await api.call("POST", "/v1/budgets", as_="dev-admin", status=201, json={
        "child_id": child, "local_authority": local_authority, "plan_reference": f"EHCP-{child}",
        "period_start": str(date.today()), "period_end": str(date.today() + timedelta(days=364)),
        "indicative_pence": {"health": 100_000}})
    await api.call("POST", f"/v1/budgets/{budget['id']}/provisions", as_="dev-admin", status=201, json={
        "description": "speech and language therapy", "outcome": "Tells adults what she needs", "stream": "health",
        "category": "therapy", "annual_cost_pence": 96_000, "arrangement": "notional", "contract_id": contract_id})

    async def served():
        page = await api.call("GET", f"/v1/contracts/{contract_id}/children", as_="dev-admin")
        return child if any(i["child_id"] == child for i in page["items"]) else None

    await api.until("the contract to serve the child", served)
    link = await api.call("POST", f"/v1/contracts/{contract_id}/family-links", as_="dev-admin", status=201,
                          json={"child_id": child, "expires_in_days": 7})
    return {"served_child_id": child, "summary_link_id": link["id"]}
