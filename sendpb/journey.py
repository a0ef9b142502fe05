"""The six stages of DOMAIN.md §6 for one family, through the gateway only, with the API a case-management, finance
or ICB system would use. Events carry the work between services by themselves: the journey only waits for their
effects. Used by the end-to-end tests (embedded and distributed) and by ``sendpb demo``."""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from services.ras.service.examples import ecm_model

DEV_SECRET = "dev-secret"


class JourneyError(AssertionError):
    pass


@dataclass
class Family:
    name: str
    local_authority: str
    date_of_birth: date
    # RAS answers (none | some | lots | exceptional), taken in turn for the model's questions
    answers: tuple[str, ...] = ("lots", "some", "lots", "none", "exceptional", "some")
    pa_hours_per_week: int = 6           # personal-assistant support paid by direct payment
    pa_rate_pence: int = 1500            # £15.00 an hour
    child_id: str = field(default_factory=lambda: f"C-{uuid.uuid4().hex[:10]}")
    # From 16 the young person, not the parent, asks (ELIG-04); from year 9 the plan records transition (ELIG-14).
    requested_by: str = "parent"
    transition: dict[str, str] | None = None

    @property
    def pa_annual_pence(self) -> int:
        return self.pa_hours_per_week * self.pa_rate_pence * 52


class Api:
    """A thin client of the gateway holding one token per dev client."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    async def token(self, client_id: str) -> dict[str, str]:
        if client_id not in self._tokens:
            r = await self.client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                              "client_id": client_id, "client_secret": DEV_SECRET})
            self.check(r, 200, f"token for {client_id}")
            self._tokens[client_id] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[client_id]}"}

    @staticmethod
    def check(r: httpx.Response, status: int | tuple[int, ...], what: str) -> Any:
        expected = (status,) if isinstance(status, int) else status
        if r.status_code not in expected:
            raise JourneyError(f"{what}: expected {expected}, got {r.status_code}: {r.text[:500]}")
        return r.json() if r.content and r.headers.get("content-type", "").endswith("json") else r.text

    async def call(self, method: str, path: str, *, as_: str, status=200, what: str = "", **kw: Any) -> Any:
        headers = {**await self.token(as_), **kw.pop("headers", {})}
        r = await self.client.request(method, path, headers=headers, **kw)
        return self.check(r, status, what or f"{method} {path}")

    async def until(self, what: str, probe, *, timeout: float = 30.0) -> Any:
        """Poll ``probe`` (async, returns a value or None) until it gives something: events are asynchronous."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await probe()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise JourneyError(f"timed out waiting for {what}")
            await asyncio.sleep(0.1)


def gbp(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


async def ensure_ras_model(api: Api, la: str) -> str:
    """The LA's active RAS model; publishes the example Every Child Matters model if it has none (an admin's job)."""
    r = await api.client.get("/v1/ras/models/active", params={"local_authority": la},
                             headers=await api.token("dev-admin"))
    if r.status_code == 200:
        return r.json()["id"]
    model = await api.call("POST", "/v1/ras/models", as_="dev-admin", status=201, json=ecm_model(la))
    await api.call("POST", f"/v1/ras/models/{model['id']}/publish", as_="dev-admin")
    return model["id"]


async def run(api: Api, family: Family, *, today: date, story: list[str]) -> dict[str, Any]:
    """Take one family from request to recovery challenge; returns the figures a test checks."""
    la, child = family.local_authority, family.child_id
    casework = "dev-casework" if la == "E06000060" else "dev-admin"
    finance = "dev-finance" if la == "E06000060" else "dev-admin"
    facts: dict[str, Any] = {"child_id": child}

    # 1. Request (eligibility)
    decision = await api.call("POST", "/v1/eligibility/requests", as_=casework, status=201, json={
        "child_id": child, "local_authority": la, "date_of_birth": family.date_of_birth.isoformat(),
        "requested_on": today.isoformat(), "requested_by": family.requested_by, "ehcp_stage": "plan_to_be_issued",
        "streams": ["education", "health", "social_care"], "arrangements": ["direct_payment", "notional"],
        "recipient": {"role": family.requested_by, "capable_of_managing": True, "consents": True,
                      "drug_or_alcohol_requirement": False},
        "in_custody": False, "provision_on_setting_premises": False, "setting_agreement": None,
        **({"transition": family.transition} if family.transition else {})})
    facts["eligibility"] = decision["status"]
    facts["ids"] = ids = {"request_id": decision["id"], "decision_id": decision.get("decision_id")}
    story.append(f"{family.name} ({la}): request {decision['status']} under rules {decision['rules_version']}.")

    # 2. Resource allocation (ras)
    model_id = await ensure_ras_model(api, la)
    questions = ecm_model(la)["questions"]
    assessment = await api.call("POST", "/v1/ras/assessments", as_=casework, status=201, json={
        "child_id": child, "local_authority": la, "model_id": model_id,
        "answers": {q["id"]: family.answers[i % len(family.answers)] for i, q in enumerate(questions)}})
    facts["indicative_pence"] = assessment["indicative_pence"]
    ids.update(assessment_id=assessment["id"], model_id=model_id)
    offered = ", ".join(f"{s.replace('_', ' ')} {gbp(p)}" for s, p in sorted(assessment["indicative_pence"].items()))
    referred = assessment.get("referred_streams") or []
    story.append(f"  RAS: {sum(assessment['points'].values())} points → indicative {offered}"
                 + (f"; referred to panel: {', '.join(referred)}" if referred else "") + ".")

    # 3. The budget opens by itself from the two events (budget)
    async def opened():
        page = await api.call("GET", "/v1/budgets", as_=casework, params={"child_id": child})
        return page["items"][0] if page["items"] else None

    budget = await api.until("the budget to open from the eligibility and RAS events", opened)
    budget_id = facts["budget_id"] = ids["budget_id"] = budget["id"]

    # 4. Costed provision tied to outcomes
    lines = [
        ("social_care", "Personal assistant for community activities", "direct_payment", family.pa_annual_pence,
         "personal_assistant"),
        ("education", "Speech and language therapy, 1 hour a week", "notional", 390_000, "therapy"),
        ("health", "Physiotherapy programme", "notional", 240_000, "therapy"),
    ]
    for stream, description, arrangement, cost, category in lines:
        await api.call("POST", f"/v1/budgets/{budget_id}/provisions", as_=casework, status=201, json={
            "description": description, "outcome": "Takes part in activities with friends",
            "stream": stream, "category": category, "annual_cost_pence": cost, "arrangement": arrangement,
            "on_setting_premises": False})

    # 5. Panel, per stream within delegated authority, then agreement
    await api.call("POST", f"/v1/budgets/{budget_id}/submit", as_=casework)
    for stream, _, _, cost, _ in lines:
        await api.call("POST", f"/v1/budgets/{budget_id}/panel-decisions", as_="dev-admin", status=(200, 201),
                       json={"stream": stream, "decision": "approved", "agreed_pence": cost,
                             "decided_by": f"{stream} panel member"})
    agreed = await api.call("POST", f"/v1/budgets/{budget_id}/agree", as_=casework)
    facts["agreed_status"] = agreed["status"]
    story.append("  Agreed: " + ", ".join(f"{s.replace('_', ' ')} {gbp(v['agreed_pence'])}"
                                           for s, v in sorted(agreed["streams"].items()) if v["agreed_pence"]) + ".")

    # 6. Direct payment: agreement opened from budget.agreed.v1, payee, signature, a payment run, a bank file
    async def agreement_opened():
        page = await api.call("GET", "/v1/payments/agreements", as_=casework, params={"budget_id": budget_id})
        return page["items"][0] if page["items"] else None

    agreement = await api.until("the direct-payment agreement to open from budget.agreed.v1", agreement_opened)
    agreement_id = facts["agreement_id"] = ids["agreement_id"] = agreement["id"]
    await api.call("PUT", f"/v1/payments/agreements/{agreement_id}/payee", as_=casework, json={
        "role": "parent", "name": f"{family.name} family",
        "account": {"kind": "bank_account", "sort_code": "401276", "account_number": "31926819"}})
    signed = await api.call("POST", f"/v1/payments/agreements/{agreement_id}/sign", as_=casework,
                            json={"signed_on": today.isoformat(), "signed_by": f"{family.name} parent"})
    facts["agreement_status"] = signed["status"]
    schedule = await api.call("GET", f"/v1/payments/agreements/{agreement_id}/schedule", as_=casework)
    facts["schedule_total_pence"] = sum(i["amount_pence"] for i in schedule)
    story.append(f"  Direct payment: {gbp(agreement['annual_amount_pence'])} a year in {len(schedule)} "
                 f"instalments ({schedule[0]['basis']}).")
    run_date = max(today, date.fromisoformat(schedule[0]["due_date"]))
    run = await api.call("POST", "/v1/payments/runs", as_=finance, status=(201, 202),
                         headers={"Idempotency-Key": f"run-{la}-{run_date}-{uuid.uuid4().hex[:6]}"},
                         json={"local_authority": la, "run_date": run_date.isoformat()})

    async def run_done():
        state = await api.call("GET", f"/v1/payments/runs/{run['id']}", as_=finance)
        if state["status"] == "failed":
            raise JourneyError(f"payment run failed: {state}")
        return state if state["status"] == "completed" else None

    run = await api.until("the payment run to complete", run_done)
    ids["run_id"] = run["id"]
    paid = (await api.call("GET", f"/v1/payments/agreements/{agreement_id}/payments", as_=finance))["items"]
    facts["paid_pence"] = sum(p["amount_pence"] for p in paid)
    bank_file = await api.call("GET", f"/v1/payments/runs/{run['id']}/file", as_=finance,
                               params={"format": "bacs18"})
    lines = bank_file.splitlines()
    # Standard 18 labelled: VOL1, HDR1, HDR2, UHL1, the data records, EOF1, EOF2, UTL1 (docs/bacs.md).
    facts["bacs_labels"], facts["bacs_records"] = lines[:4] + lines[-3:], lines[4:-3]
    story.append(f"  Paid {gbp(facts['paid_pence'])} in payment run {run['id'][:8]} "
                 f"({len(facts['bacs_records'])} BACS records).")

    async def spent_booked():
        b = await api.call("GET", f"/v1/budgets/{budget_id}", as_=casework)
        return b if b["streams"]["social_care"]["spent_pence"] == facts["paid_pence"] else None

    await api.until("the payment to be booked as spent on the budget", spent_booked)

    # The ICB changes health funding
    icb_event = str(uuid.uuid4())
    await api.call("POST", "/v1/budgets/health-funding-events", as_="dev-icb", status=(200, 202), json={
        "event_id": icb_event, "child_id": child, "local_authority": la, "annual_amount_pence": 300_000,
        "effective_from": today.isoformat(), "reason": "Continuing care review: more physiotherapy"})

    async def health_applied():
        b = await api.call("GET", f"/v1/budgets/{budget_id}", as_=casework)
        return b if b["streams"]["health"]["agreed_pence"] == 300_000 else None

    budget = await api.until("the ICB health funding to apply", health_applied)
    facts["health_agreed_pence"] = budget["streams"]["health"]["agreed_pence"]
    story.append(f"  ICB: health funding now {gbp(facts['health_agreed_pence'])} a year.")

    # A block contract releases funds into the budget
    contract = await api.call("POST", "/v1/contracts", as_="dev-admin", status=201, json={
        "local_authority": la, "provider": "Chiltern Therapies CIC", "service": "integrated therapies",
        "stream": "health", "annual_value_pence": 12_000_000, "contracted_units": 2_400, "unit": "hour",
        "start_date": (today - timedelta(days=90)).isoformat(),
        "end_date": (today + timedelta(days=640)).isoformat(),
        "renewal_date": (today + timedelta(days=275)).isoformat(),
        "max_release_percent": 20, "fixed_cost_percent": 30})
    transfer = await api.call("POST", f"/v1/contracts/{contract['id']}/transfer-requests", as_=casework,
                              status=201, json={
                                  "budget_id": budget_id, "child_id": child, "units": 20,
                                  "route": "family_provision", "proposed_unit_price_pence": 4_000,
                                  "evidence": {"provided_by": "parent", "wishes_recorded_on": today.isoformat()}})
    facts["transfer"] = transfer["decision"]
    ids.update(contract_id=contract["id"], transfer_id=transfer["id"])
    facts["release_pence"] = transfer["release_pence"]

    async def released():
        b = await api.call("GET", f"/v1/budgets/{budget_id}", as_=casework)
        return b if b["streams"]["health"]["released_pence"] == transfer["release_pence"] else None

    if transfer["decision"] == "approved":
        await api.until("the released funds to reach the budget", released)
    story.append(f"  Contract transfer ({transfer['decision']}): {gbp(transfer['release_pence'])} released "
                 "from the therapies block contract into the health stream.")

    # Audit, recovery notice and challenge
    audit = await api.call("POST", f"/v1/payments/agreements/{agreement_id}/audits", as_=finance, status=(200, 201),
                           json={"period_end": today.isoformat(), "balance_held_pence": facts["paid_pence"] + 150_000,
                                 "outstanding_commitments_pence": 20_000,
                                 "reasons": ["Unspent while the PA was on leave"]})
    facts["surplus_pence"] = audit["surplus_pence"]
    recovery = audit.get("recovery")
    facts["recovery_status"] = recovery["status"] if recovery else None
    ids["recovery_id"] = recovery["id"] if recovery else None
    if recovery:
        challenged = await api.call("POST", f"/v1/payments/recoveries/{recovery['id']}/challenge", as_=casework,
                                    status=(200, 201), json={"grounds": "The PA's leave was agreed in advance"})
        facts["challenge_status"] = challenged["status"]
        capped = " (no more than was paid, PAY-10)" if recovery["amount_pence"] < audit["surplus_pence"] else ""
        story.append(f"  Audit: surplus {gbp(audit['surplus_pence'])} → written notice to recover "
                     f"{gbp(recovery['amount_pence'])}{capped} by {recovery['challenge_by']}; the family challenged "
                     "it.")
    else:
        story.append(f"  Audit: no surplus beyond the contingency ({gbp(audit['contingency_pence'])}).")
    return facts
