"""Record the OpenAPI examples from real traffic: ``python -m tests.contract.examples`` (from the checkout's root).

Nobody writes the examples of the OpenAPI documents by hand: this drives the embedded platform (SQLite, in-memory
bus) through the gateway on a fixed date, as integrators would, and keeps, per operation, the first request body,
the first answer of each success status and the first problem of each error status it sees. It writes them to
``services/<name>/openapi_examples.json`` (and ``gateway/openapi_examples.json`` for the token endpoint and the
gateway's health), which ``kit.openapi.contract`` puts into each document.

What it drives: the end-to-end journey and the records of every other kind (``tests.security.routes.seed``), then
one valid request to every route (``tests.security.test_right_client_matrix.REQUESTS``, the table the right-client
test keeps complete), the public pages (local offer, a family's signed link) and each service's health.

Regenerate after changing a route's request or answer (tests/contract/test_examples.py fails on an example its schema
no longer accepts, and names each operation without one). Examples carry no secrets (tokens and client secrets are
replaced by placeholders) and no real people: the families are invented, dates of birth plausible, bank details the
test ones."""
from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import tempfile
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 12, 3)  # the platform's date while recording: the examples never depend on the calendar
SEED = 19                # ids (uuid4) drawn from a seeded generator, so a regeneration changes little
METHODS = ("get", "put", "post", "delete", "patch")
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
TOKEN_PLACEHOLDER = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ5b3VyLWNsaWVudCJ9.c2lnbmF0dXJl"
SECRET_KEYS = {"client_secret": "<your client secret>", "access_token": TOKEN_PLACEHOLDER}
TEXT_LIMIT = 6000  # characters of a text answer (a bank file, a page) kept, cut at a line end


def examples_file(service_dir: Path) -> Path:
    return service_dir / "openapi_examples.json"


# ------------------------------------------------------------------------------------------------- matching


def operation_table(doc: dict[str, Any]) -> list[tuple[str, re.Pattern, str]]:
    """(method, path pattern, operationId) of every operation, literal paths before templated ones."""
    table = []
    for path, item in doc["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, op in item.items():
            if method in METHODS:
                table.append((method, pattern, op["operationId"], path.count("{")))
    table.sort(key=lambda row: row[3])
    return [(m, p, o) for m, p, o, _ in table]


def owner(path: str, prefixes: dict[str, str]) -> str:
    """The service a gateway path belongs to (``/v1/payments/...`` → ``payments``), else ``gateway``."""
    parts = path.split("/")
    return prefixes.get(parts[2], "gateway") if len(parts) > 2 and parts[1] == "v1" else "gateway"


# ------------------------------------------------------------------------------------------------- cleaning


def scrubbed(value: Any) -> Any:
    """``value`` without secrets: tokens (JWTs, signed links' tokens) and client secrets become placeholders."""
    if isinstance(value, dict):
        return {k: SECRET_KEYS[k] if k in SECRET_KEYS and isinstance(v, str) else scrubbed(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [scrubbed(v) for v in value]
    if isinstance(value, str):
        return JWT.sub(TOKEN_PLACEHOLDER, value)
    return value


def _text(value: str) -> str:
    if len(value) <= TEXT_LIMIT:
        return value
    return value[:value.rfind("\n", 0, TEXT_LIMIT) + 1] or value[:TEXT_LIMIT]


def body_of(content: bytes, content_type: str | None) -> tuple[str, Any] | None:
    """(media type, example) of a request or response body, or None when there is none."""
    if not content:
        return None
    media = (content_type or "").split(";")[0].strip() or "application/octet-stream"
    text = content.decode("utf-8", errors="replace")
    if media.endswith("json"):
        return media, scrubbed(json.loads(text))
    if media == "application/x-www-form-urlencoded":
        return media, scrubbed(dict(parse_qsl(text)))
    return media, scrubbed(_text(text))


# ------------------------------------------------------------------------------------------------- recording


class Recording:
    """Per service, per operationId: the first request body ``{media, value}``, and the first answer of each status
    in each media type ``{status: {media: value}}``."""

    def __init__(self, doc: dict[str, Any], prefixes: dict[str, str]) -> None:
        self.table, self.prefixes = operation_table(doc), prefixes
        self.examples: dict[str, dict[str, dict[str, Any]]] = {}

    def operation(self, method: str, path: str) -> str | None:
        return next((o for m, p, o in self.table if m == method and p.match(path)), None)

    def add(self, service: str, operation_id: str, request: tuple[str, Any] | None, status: int,
            response: tuple[str, Any] | None) -> None:
        entry = self.examples.setdefault(service, {}).setdefault(operation_id, {"responses": {}})
        # a request refused by the record's state (409) was still valid: kept until a successful one replaces it
        succeeded = 200 <= status < 300
        if request and (succeeded and not entry.get("request_succeeded") or status == 409 and "request" not in entry):
            entry["request"] = {"media": request[0], "value": request[1]}
            entry["request_succeeded"] = succeeded
        if response:
            entry["responses"].setdefault(str(status), {}).setdefault(response[0], response[1])

    async def hook(self, response: httpx.Response) -> None:
        """httpx response hook: every exchange through the gateway client."""
        await response.aread()
        request = response.request
        path = request.url.path
        operation_id = self.operation(request.method.lower(), path)
        if operation_id is None:
            return
        self.add(owner(path, self.prefixes), operation_id,
                 body_of(request.content, request.headers.get("content-type")), response.status_code,
                 body_of(response.content, response.headers.get("content-type")))

    def write(self, folders: dict[str, Path]) -> dict[str, int]:
        written = {}
        for service, folder in folders.items():
            found = dict(sorted(self.examples.get(service, {}).items()))
            for entry in found.values():
                entry.pop("request_succeeded", None)
                entry["responses"] = dict(sorted(entry["responses"].items()))
            examples_file(folder).write_text(json.dumps(found, indent=1, ensure_ascii=False, sort_keys=False)
                                             + "\n")
            written[service] = len(found)
        return written


def _seeded_uuid4() -> Any:
    rng = random.Random(SEED)

    def uuid4() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    return uuid4


async def _ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    if response.status_code not in (statuses or (200, 201, 202)):
        raise AssertionError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                             f"{response.text[:400]}")
    return response.json()


async def _until(probe, what: str) -> Any:
    for _ in range(300):
        if found := await probe():
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def _payments_story(client: httpx.AsyncClient, admin: dict[str, str], embedded) -> None:
    """The direct-payment operations the journey leaves out, each to success: an agreement opened by POST (against a
    budget payments knows, as ``budget.agreed.v1`` tells it), its amount raised, suspended and resumed, paid, a
    misuse recovery repaid by invoices, a surplus recovery confirmed, and the agreement stopped."""
    from services.payments.service import budgets

    la, child, budget_id = "E06000060", f"C-{uuid.uuid4().hex[:10]}", str(uuid.uuid4())
    end = DAY.replace(year=DAY.year + 1) - timedelta(days=1)
    async with embedded.apps["payments"].state.runtime.db.transaction() as session:
        await budgets.record_agreed(session, {
            "budget_id": budget_id, "child_id": child, "local_authority": la, "plan_reference": "EHCP-2026-0412",
            "period_start": DAY.isoformat(), "period_end": end.isoformat(),
            "streams": {"social_care": {"agreed_pence": 300_000, "direct_payment_pence": 300_000}}},
            occurred_at=datetime.now(UTC))
    agreement = await _ok(await client.post("/v1/payments/agreements", headers=admin, json={
        "budget_id": budget_id, "stream": "social_care", "child_id": child, "local_authority": la,
        "annual_amount_pence": 240_000, "frequency": "monthly", "start_date": DAY.isoformat(),
        "end_date": end.isoformat()}))
    url = f"/v1/payments/agreements/{agreement['id']}"
    await _ok(await client.put(url + "/payee", headers=admin, json={
        "role": "parent", "name": "Adeyemi family",
        "account": {"kind": "bank_account", "sort_code": "401276", "account_number": "31926819"}}))
    await _ok(await client.post(url + "/sign", headers=admin, json={"signed_on": DAY.isoformat(),
                                                                    "signed_by": "Funmi Adeyemi"}))
    await _ok(await client.put(url + "/amount", headers=admin, json={
        "annual_amount_pence": 264_000, "reasons": "Two more hours of personal assistance a month"}))
    await _ok(await client.post(url + "/suspend", headers=admin, json={"reason": "The personal assistant is on leave"}))
    await _ok(await client.post(url + "/resume", headers=admin, json={"reason": "The personal assistant is back"}))
    run = await _ok(await client.post("/v1/payments/runs", headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
                                      json={"local_authority": la, "run_date": DAY.isoformat()}))

    async def done():
        state = await _ok(await client.get(f"/v1/payments/runs/{run['id']}", headers=admin))
        return state if state["status"] in ("completed", "failed") else None

    await _until(done, "the payment run")
    misuse = await _ok(await client.post(url + "/recoveries", headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
                                         json={"kind": "misused", "reasons": "Spent on a family holiday",
                                               "amount_pence": 4_000, "period_start": DAY.isoformat(),
                                               "period_end": (DAY + timedelta(days=27)).isoformat(),
                                               "evidence": [{"description": "Bank statement, December",
                                                             "reference": "DOC-2026-118"}]}))
    for recovery in (misuse,):
        await client.post(f"/v1/payments/recoveries/{recovery['id']}/challenge", headers=admin,
                          json={"grounds": "The holiday was respite agreed with the social worker"})
        await client.post(f"/v1/payments/recoveries/{recovery['id']}/decision", headers=admin,
                          json={"outcome": "rejected", "reason": "No agreement to respite was recorded"})
    plan = await _ok(await client.post(f"/v1/payments/recoveries/{misuse['id']}/repayment-plan",
                                       headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
                                       json={"method": "invoice", "instalments": 2}))
    first = plan["repayments"][0]["id"]
    await client.post(f"/v1/payments/recoveries/{misuse['id']}/repayments/{first}/received", headers=admin, json={})
    audit = await _ok(await client.post(url + "/audits", headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
                                        json={"period_end": DAY.isoformat(), "balance_held_pence": 100_000,
                                              "outstanding_commitments_pence": 0}))
    if audit.get("recovery"):
        surplus = audit["recovery"]["id"]
        # The family challenges this one from the notice's signed link (PAY-07, issue 20)
        link = await _ok(await client.post(f"/v1/payments/recoveries/{surplus}/family-links", headers=admin,
                                           json={"expires_in_days": 28}))
        page = link["url"].removeprefix("http://127.0.0.1:8000")
        await client.get(f"/v1/payments/recoveries/{surplus}/family-links", headers=admin)
        await client.get(page, headers={"Accept": "text/html"})
        await client.post(page + "/challenge", headers={"Accept": "application/json"},
                          data={"grounds": "The balance is kept for the summer holiday"})
        await client.post(f"/v1/payments/recoveries/{surplus}/decision", headers=admin,
                          json={"outcome": "rejected", "reason": "Holiday cover is in the contingency already"})
        await client.post(f"/v1/payments/recoveries/{surplus}/confirm", headers=admin, json={"method": "invoice"})
    await _ok(await client.post(url + "/stop", headers=admin, json={
        "reason": "The family no longer wants direct payments", "reason_code": "consent_withdrawn"}))


async def _decision_notice_story(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """ELIG-10: a refusal (direct payments: the parent does not consent), its notice by signed link, and a review
    the family asks for from it, which casework lists."""
    from tests.eligibility.helpers import body

    refusal = await _ok(await client.post("/v1/eligibility/requests", headers=admin, json=body(
        requested_on=DAY.isoformat(), recipient={"role": "parent", "capable_of_managing": True, "consents": False,
                                                 "drug_or_alcohol_requirement": False})))
    link = await _ok(await client.post(f"/v1/eligibility/requests/{refusal['id']}/family-links", headers=admin,
                                       json={"decision_id": refusal["decision_id"], "expires_in_days": 28}))
    page = link["url"].removeprefix("http://127.0.0.1:8000")
    await client.get(page, headers={"Accept": "text/html"})
    await client.post(page + "/review", headers={"Accept": "application/json"},
                      data={"reason": "Her mother now agrees to manage the payments"})
    await client.get(f"/v1/eligibility/requests/{refusal['id']}/review-requests", headers=admin)


async def _family_story(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """A second family's agreed budget: the page of its signed link and a review asked from it, then a reduction
    applied once its reconsideration window has passed (the clock moved on: the last thing recorded)."""
    from kit import clock
    from sendpb.journey import Api, Family, run

    facts = await run(Api(client), Family("Adeyemi", "E06000060", date(2013, 9, 21)), today=DAY, story=[])
    budget = f"/v1/budgets/{facts['budget_id']}"
    link = await _ok(await client.post(budget + "/family-links", headers=admin, json={"expires_in_days": 28}))
    page = link["url"].removeprefix("http://127.0.0.1:8000")
    for accept in ("text/html", "application/json"):  # the family's browser, and a JSON reader
        await client.get(page, headers={"Accept": accept})
    for accept in ("text/html", "application/json"):
        await client.post(page + "/review-requests", headers={"Accept": accept},
                          data={"reason": "Her needs have changed since she moved school"})
    decision = (await _ok(await client.get(budget, headers=admin)))["panel_decisions"][0]
    notice = await _ok(await client.post(budget + "/family-links", headers=admin, json={
        "document": "panel_decision", "document_id": decision["id"], "expires_in_days": 28}))
    page = notice["url"].removeprefix("http://127.0.0.1:8000")
    await client.get(page, headers={"Accept": "text/html"})
    disputed = (await client.post(page + "/disputes", headers={"Accept": "application/json"},
                                  data={"reason": "Tuition needs two sessions a week"})).json()
    # BUD-13: the reconsideration is not upheld; the family takes the next step from the dispute's own notice.
    await client.post(f"{budget}/disputes/{disputed['record_id']}/decision", headers=admin, json={
        "outcome": "not_upheld", "reasons": "Two sessions a week are not in the plan", "decided_by": "SEND officer"})
    dispute = await _ok(await client.post(budget + "/family-links", headers=admin, json={
        "document": "dispute", "document_id": disputed["record_id"], "expires_in_days": 28}))
    page = dispute["url"].removeprefix("http://127.0.0.1:8000")
    await client.get(page, headers={"Accept": "text/html"})
    await client.post(page + "/escalations", headers={"Accept": "application/json"},
                      data={"reason": "The plan says tuition twice a week"})
    variation = await _ok(await client.post(budget + "/variations", headers=admin, json={
        "stream": "health", "agreed_pence": 260_000, "reasons": "The physiotherapy programme needs fewer sessions"}))
    clock.set_to(DAY + timedelta(days=60))
    await client.post(f"{budget}/variations/{variation['id']}/apply", headers=admin)


async def _drive(client: httpx.AsyncClient, recording: Recording, embedded, tmp: Path) -> None:
    from tests.security import test_right_client_matrix as matrix
    from tests.security.routes import route_table, seed

    matrix.TODAY = DAY  # its requests' dates follow the platform's clock, not the calendar
    facts, ids = await seed(client, name="Okafor")
    ids["child_id"] = facts["child_id"]
    ids["repayment_id"] = str(uuid.uuid4())
    r = await client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "dev-admin",
                                                 "client_secret": "dev-secret"})
    admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
    await _payments_story(client, admin, embedded)
    for path in ("/v1/budgets/local-offer/E06000060", "/v1/budgets/local-offer/E06000060.html"):
        await client.get(path)
    summary = await _ok(await client.post(f"/v1/contracts/{ids['contract_id']}/family-links", headers=admin,
                                          json={"child_id": ids["served_child_id"], "expires_in_days": 28}))
    await client.get(summary["url"].removeprefix("http://127.0.0.1:8000"), headers={"Accept": "text/html"})
    for route in route_table(tmp):
        kwargs = matrix.REQUESTS[f"{route.method} {route.path}"](ids)
        headers = {**admin, **kwargs.pop("headers", {})}
        named = {**ids, **kwargs.pop("ids", {})}
        await client.request(route.method, route.url(**named), headers=headers, **kwargs)
    await client.get("/healthz")
    await client.get("/readyz")
    await _decision_notice_story(client, admin)
    await _family_story(client, admin)
    # Each service's own health, under its own operationIds
    for name, app in embedded.apps.items():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}") as own:
            doc = (await own.get("/openapi.json")).json()
            for path in ("/healthz", "/readyz"):
                answer = await own.get(path)
                recording.add(name, doc["paths"][path]["get"]["operationId"], None, answer.status_code,
                              body_of(answer.content, answer.headers.get("content-type")))


async def record(out: Path = ROOT) -> dict[str, int]:
    """Drive the platform and write every service's examples; returns how many operations each has."""
    from kit import clock
    from kit.settings import PlatformSettings
    from sendpb.runner import SERVICES, build_embedded
    from tests.conftest import unlimited_gateway

    real_uuid4, uuid.uuid4 = uuid.uuid4, _seeded_uuid4()
    clock.set_to(DAY)  # held at 09:00 UTC: every time recorded is the same at each regeneration
    try:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            embedded = build_embedded(PlatformSettings(data_dir=tmp, relay_poll_seconds=0.2, log_json=False),
                                      unlimited_gateway())
            async with embedded.gateway.control.router.lifespan_context(embedded.gateway.control):
                transport = httpx.ASGITransport(app=embedded.gateway)
                async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as probe:
                    doc = (await probe.get("/openapi.json")).json()
                prefixes = {c.prefix: c.name for c in SERVICES}
                recording = Recording(doc, prefixes)
                async with httpx.AsyncClient(transport=transport, base_url="http://gateway",
                                             event_hooks={"response": [recording.hook]}) as client:
                    await _drive(client, recording, embedded, tmp)
    finally:
        uuid.uuid4 = real_uuid4
        clock.reset()
    folders = {c.name: out / "services" / c.name for c in SERVICES} | {"gateway": out / "gateway"}
    return recording.write(folders)


def main(argv: list[str]) -> int:
    if argv[1:] not in ([], ["record"]):
        print(__doc__)
        return 2
    for service, count in asyncio.run(record()).items():
        print(f"{service}: examples for {count} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
