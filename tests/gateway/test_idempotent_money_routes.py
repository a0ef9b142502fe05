"""Every POST or PUT that creates or moves money accepts `Idempotency-Key` (CONTRACT.md): the same key and body
replays the first response (`Idempotent-Replayed: true`), the same key with another body is a 422 naming
`Idempotency-Key`.

**The rule the walking test enforces.** Every POST, PUT or PATCH under `/v1/budgets`, `/v1/payments` and
`/v1/contracts` in the gateway's merged OpenAPI declares the `Idempotency-Key` header, unless it is in `NOT_MONEY`
below, each entry with why it neither creates nor moves money. A new route in those services is therefore a money
route until someone argues otherwise in that list; when in doubt a route takes the key (it costs a retrying
client nothing).

Covered (must declare the header), and why:

- budgets: `POST /v1/budgets` (opens a budget with its indicative amounts), `/health-funding-events` (sets the
  health stream's agreed amount, BUD-07), `/{id}/provisions` (costed lines the agreed amounts must cover, BUD-05),
  `/{id}/panel-decisions` (the agreed amount per stream, BUD-06), `/{id}/agree` (agreed amounts; publishes
  `budget.agreed.v1`, which opens direct-payment agreements), `/{id}/close` (stops the direct payments, PAY-08),
  `/{id}/variations`, `/{id}/variations/{vid}/reconsideration-decision` and `/{id}/variations/{vid}/apply`
  (change or apply an agreed amount, BUD-10), `/{id}/commitments` and `/{id}/ledger/{tid}/reversal` (ledger
  transactions, BUD-08). `/{id}/disputes`, `/{id}/disputes/{did}/decision` and `/escalate` (BUD-13) move no money
  (an upheld change of the amount is a variation or panel decision, covered above) but take the key, so a retry
  opens or decides a dispute once.
- payments: `POST /v1/payments/agreements` and `PUT /agreements/{id}/amount` (the amount to be paid),
  `PUT /agreements/{id}/payee` (where the money goes), `/agreements/{id}/sign` (makes it payable, PAY-01),
  `/agreements/{id}/suspend|resume|stop` (whether it is paid, PAY-08),
  `/agreements/{id}/notices/{nid}/reconsideration-decision` (applies or withdraws a reduction, BUD-10),
  `/runs` (pays), `/runs/{id}/returns` (reverses payments, pays again, PAY-04), `/agreements/{id}/audits`
  (issues recovery notices, PAY-06), `/recoveries/{id}/challenge`, `/decision`, `/confirm` (whether and how money
  is taken back, PAY-07).
- contracts: `POST /v1/contracts` (a block contract's value and prices), `/{id}/transfer-requests` (releases money
  into a budget, CON-04/05), `/transfers/{id}/withdraw` (gives it back). `/transfers/{id}/evidence-requests` and
  `/transfers/{id}/evidence-requests/{rid}/evidence` (CON-09) move no money, since what is not evidenced leads to a
  review and never to a clawback, but they take the key as well, so a retried request is made once.

`PENDING` would list covered routes that do not declare the header yet (none do now); the test fails once one of
them declares it, so the list cannot go stale.

The behavioural tests, one per service through the gateway, check a retry with the key makes one record, not two,
and the key reused with another body is a 422.
"""
from datetime import date

from kit.testing import LA
from tests.contracts.conftest import contract_body
from tests.payments.helpers import agreed_through_gateway, finished

MONEY_SERVICES = ("/v1/budgets", "/v1/payments", "/v1/contracts")
WRITES = ("post", "put", "patch")

# Writes in those services that neither create nor move money. Adding a route here needs the reason.
NOT_MONEY = {
    ("POST", "/v1/budgets/{budget_id}/submit"): "sends the budget to panel: a status, no amount (BUD-06)",
    ("POST", "/v1/budgets/{budget_id}/reviews"): "records a review held and the next due date (BUD-09)",
    ("POST", "/v1/budgets/{budget_id}/review-requests"): "asks for a review; a date only (BUD-09)",
    ("POST", "/v1/budgets/{budget_id}/variations/{variation_id}/reconsideration"):
        "the family asks to reconsider; the money waits for the decision, which is covered (BUD-10)",
    ("POST", "/v1/payments/agreements/{agreement_id}/notices/{notice_id}/reconsideration"):
        "the family asks to reconsider; the money waits for the decision, which is covered (BUD-10)",
    ("POST", "/v1/payments/agreements/{agreement_id}/audit-requests"):
        "makes an audit due now; the audit itself is covered (PAY-05)",
    ("POST", "/v1/budgets/family/{token}/review-requests"):
        "the family asks for a review from their signed link, with no token (issue 20); a date only (BUD-09)",
    ("POST", "/v1/budgets/family/{token}/disputes"):
        "the family asks, from a decision notice's signed link, for reconsideration or a dispute (BUD-10, BUD-13): "
        "recorded once per link, the money waits for the decision",
    ("POST", "/v1/budgets/family/{token}/escalations"):
        "the family takes the next step of a dispute from its signed link (BUD-13): a step, no amount; recorded "
        "once per link",
    ("POST", "/v1/payments/family/{token}/challenge"):
        "the family challenges a recovery notice from its signed link (PAY-07): recorded once per link, nothing is "
        "taken back while it is decided",
    ("POST", "/v1/contracts/{contract_id}/reviews"):
        "records a review before renewal (CON-03); releases themselves go through transfer requests",
}

# Covered, but in services/payments/routers/agreements.py, which the agreements work is changing and will give the
# header.
PENDING: set[tuple[str, str]] = set()  # every covered route declares the header now


async def write_routes(platform) -> dict[tuple[str, str], bool]:
    """Every write under the money services in the merged OpenAPI, and whether it declares Idempotency-Key."""
    doc = (await platform.client.get("/openapi.json")).json()
    return {(method.upper(), path): any(p.get("in") == "header" and p.get("name") == "Idempotency-Key"
                                        for p in operation.get("parameters", []))
            for path, operations in doc["paths"].items() if path.startswith(MONEY_SERVICES)
            for method, operation in operations.items() if method in WRITES}


async def test_every_write_that_creates_or_moves_money_declares_the_idempotency_key(platform):
    routes = await write_routes(platform)
    for service in MONEY_SERVICES:  # the merged document really has each service in it
        assert any(path.startswith(service) for _, path in routes), service
    assert not NOT_MONEY.keys() - routes.keys(), "NOT_MONEY names routes that no longer exist"
    assert not PENDING & NOT_MONEY.keys()

    missing = {route for route, declared in routes.items() if not declared and route not in NOT_MONEY}
    assert not missing - PENDING, (
        f"these writes create or move money but do not accept Idempotency-Key: {sorted(missing - PENDING)}; "
        "wrap them in kit.idempotency.idempotent, or add them to NOT_MONEY with the reason")
    assert missing >= PENDING, f"take {sorted(PENDING - missing)} out of PENDING: they declare the header now"


async def test_routes_already_agreed_as_money_routes_declare_it(platform):
    """The routes CONTRACT.md and issue 14 name: each must be in the merged spec and declare the key."""
    routes = await write_routes(platform)
    for route in [("POST", "/v1/budgets"), ("POST", "/v1/budgets/{budget_id}/agree"),
                  ("POST", "/v1/budgets/{budget_id}/commitments"), ("POST", "/v1/payments/agreements"),
                  ("PUT", "/v1/payments/agreements/{agreement_id}/amount"), ("POST", "/v1/payments/runs"),
                  ("POST", "/v1/payments/agreements/{agreement_id}/audits"),
                  ("POST", "/v1/payments/recoveries/{recovery_id}/confirm"), ("POST", "/v1/contracts"),
                  ("POST", "/v1/contracts/{contract_id}/transfer-requests")]:
        assert routes.get(route) is True, route


async def twice(client, path: str, headers: dict, body: dict, other_body: dict, *, key: str, status: int):
    """Post ``body`` twice with ``key`` (the second a replay), then ``other_body`` with it (a 422)."""
    keyed = {**headers, "Idempotency-Key": key}
    first = await client.post(path, json=body, headers=keyed)
    assert first.status_code == status, first.text
    again = await client.post(path, json=body, headers=keyed)
    assert (again.status_code, again.json()) == (status, first.json())
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    other = await client.post(path, json=other_body, headers=keyed)
    assert other.status_code == 422 and other.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]
    return first.json()


async def test_budgets_a_provision_posted_twice_with_one_key_is_added_once(platform):
    admin = await platform.token("dev-admin")
    c = platform.client
    budget = (await c.post("/v1/budgets", headers=admin, json={
        "child_id": "C-idem", "local_authority": LA, "plan_reference": "EHCP-idem", "period_start": "2026-09-01",
        "period_end": "2027-08-31", "indicative_pence": {"social_care": 500000}})).json()
    line = {"description": "Personal assistant", "outcome": "Goes to the youth club", "stream": "social_care",
            "category": "personal_assistant", "annual_cost_pence": 300000, "arrangement": "direct_payment",
            "on_setting_premises": False}
    await twice(c, f"/v1/budgets/{budget['id']}/provisions", admin, line, {**line, "annual_cost_pence": 310000},
                key="budget-line-1", status=201)
    provisions = (await c.get(f"/v1/budgets/{budget['id']}", headers=admin)).json()["provisions"]
    assert [p["annual_cost_pence"] for p in provisions] == [300000]


async def test_payments_an_audit_posted_twice_with_one_key_issues_one_recovery(platform, clock):
    clock.set_to(date(2026, 12, 1), tick=True)
    admin = await platform.token("dev-admin")
    c = platform.client
    agreement = await agreed_through_gateway(c, admin, child="C-idem-pay", start=date(2026, 11, 1),
                                             end=date(2027, 10, 31), direct_payment_pence=520000)
    path = f"/v1/payments/agreements/{agreement['id']}"
    assert (await c.put(f"{path}/payee", headers=admin, json={
        "role": "parent", "name": "Sam Parent",
        "account": {"kind": "bank_account", "sort_code": "309634", "account_number": "87654321"}})).status_code == 200
    assert (await c.post(f"{path}/sign", headers=admin,
                         json={"signed_on": "2026-11-01", "signed_by": "Sam Parent"})).status_code == 200
    run = await c.post("/v1/payments/runs", headers=admin, json={"local_authority": LA, "run_date": "2026-12-01"})
    # £800 paid (1 and 29 November): all that is recoverable (PAY-10)
    await finished(c, run.json()["id"], headers=admin)
    audit = {"period_end": "2026-11-30", "balance_held_pence": 200000, "outstanding_commitments_pence": 0}
    first = await twice(c, f"{path}/audits", admin, audit, {**audit, "balance_held_pence": 150000},
                        key="audit-nov", status=201)
    notice = first["recovery"]
    assert (notice["status"], notice["amount_pence"]) == ("notice_issued", 80000)  # £1,200 surplus, £800 paid
    # The replay replaced nothing: the notice it returned is still the open one.
    read = await c.get(f"/v1/payments/recoveries/{notice['id']}", headers=admin)
    assert read.json()["status"] == "notice_issued"


async def test_contracts_a_contract_posted_twice_with_one_key_is_recorded_once(platform):
    admin = await platform.token("dev-admin")
    c = platform.client
    body = contract_body()
    first = await twice(c, "/v1/contracts", admin, body, {**body, "annual_value_pence": body["annual_value_pence"]
                                                          + 100}, key="contract-1", status=201)
    listed = (await c.get("/v1/contracts", headers=admin)).json()["items"]
    assert [x["id"] for x in listed] == [first["id"]]
