"""A client generated from the merged OpenAPI document runs the journey (issue 19): `openapi-python-client` turns the
gateway's `/openapi.json` into a Python package in a temporary folder, the test imports it and takes a family from
the eligibility request to a downloaded bank file with nothing but the generated functions and models (the token
too: `POST /oauth/token` is in the document as `requestToken`). Request bodies are built with the generated models'
`from_dict`, so a body the document does not accept fails here before it is sent; undocumented statuses raise
(`raise_on_unexpected_status`).

OPERATIONS is the one place naming the operationIds the journey uses, with how the generated client gives each
success today. The budget and payments routes are being reshaped (their operationIds follow the route functions'
names): after such a change, fix the table, not the journey. Once a budget response gets a schema, its entry's
reading changes from OBJECT / NO_SCHEMA to TYPED and the test says so; the journey reads every answer with `dig`,
which takes an untyped body as it comes and a typed model strictly by its declared fields.
"""
from __future__ import annotations

import asyncio
import copy
import hashlib
import importlib
import importlib.util
import json
import re
import subprocess
import sys
import time
import types
import typing
import uuid
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from kit.testing import unavailable
from sendpb.journey import DEV_SECRET, Family
from services.ras.service.examples import ecm_model

TYPED = "typed"          # a schema with properties: a generated model, read by its attributes
OBJECT = "object"        # `type: object` and nothing more: a model keeping the whole body in additional_properties
NO_SCHEMA = "no schema"  # no schema at all: the generated client hands back response.json() as it is (a dict)

# What the journey calls: its name here → (operationId, how the generated client gives the success answer today).
OPERATIONS: dict[str, tuple[str, str]] = {
    "token": ("requestToken", TYPED),
    "request": ("eligibilityCreateRequest", TYPED),
    "create_model": ("rasCreateModel", TYPED),
    "publish_model": ("rasPublishModel", TYPED),
    "assess": ("rasCreateAssessment", TYPED),
    "list_budgets": ("budgetsListBudgets", TYPED),
    "add_provision": ("budgetsAddProvision", TYPED),
    "submit": ("budgetsSubmit", TYPED),
    "panel": ("budgetsPanelDecision", TYPED),
    "agree": ("budgetsAgree", TYPED),
    "read_budget": ("budgetsReadBudget", TYPED),
    "list_agreements": ("paymentsListAgreements", TYPED),
    "set_payee": ("paymentsSetPayee", TYPED),
    "sign": ("paymentsSignAgreement", TYPED),
    "schedule": ("paymentsSchedule", f"list of {TYPED}"),
    "start_run": ("paymentsStartRun", TYPED),
    "read_run": ("paymentsReadRun", TYPED),
    "payments": ("paymentsPayments", TYPED),  # a page: {items, next_cursor}
    "bank_file": ("paymentsBankFile", TYPED),  # text/plain: a str
}

# What openapi-python-client cannot generate from the merged document, each with why (it names a model after the
# schema's `title`, so the gateway's merge titles a renamed `<service>__<Name>` schema by its new key). An entry
# nothing reports any longer fails the test too, so the list only shrinks; today it is empty.
KNOWN_GENERATOR_PROBLEMS: dict[str, str] = {}

BASE_URL = "http://gateway"
TODAY = date(2026, 12, 3)  # set on the platform's clock by each test


# ---------------------------------------------------------------------------------------------------- generating


class Generated(typing.NamedTuple):
    package: types.ModuleType
    problems: set[str]   # what the generator could not generate: "schema <name>" or "<METHOD> <path>"
    seconds: float


def _generator_available() -> None:
    if importlib.util.find_spec("openapi_python_client") is None:
        unavailable("openapi-python-client is not installed: it is in the dev extras (pip install -e '.[dev]')")


def _problems(output: str) -> set[str]:
    found = {f"{m[1]} {m[2]}" for m in re.finditer(r"WARNING parsing (GET|PUT|POST|DELETE|PATCH) (\S+)", output)}
    found |= {f"schema {m[1]}" for m in re.finditer(r"Unable to (?:parse|process) schema /components/schemas/"
                                                     r"([^\s:]+)", output)}
    return found


@pytest.fixture(scope="session")
def generate(tmp_path_factory):
    """generate(document) → the client openapi-python-client makes of it, imported as a package of its own (one
    generation per distinct document in the session)."""
    _generator_available()
    root = tmp_path_factory.mktemp("generated-clients")
    config = root / "config.yaml"
    config.write_text("post_hooks: []\n")  # no ruff/black pass over the generated code: it is only imported
    made: dict[str, Generated] = {}
    sys.path.insert(0, str(root))

    def generate(doc: dict[str, Any]) -> Generated:
        text = json.dumps(doc)  # as served: the generator reads the first content type of an answer
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        if digest not in made:
            name = f"sendpb_client_{digest}"
            source = root / f"{name}.json"
            source.write_text(text)
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path", str(source),
                                   "--output-path", str(root / name), "--meta", "none", "--config", str(config)],
                                  capture_output=True, text=True, timeout=240)
            seconds = time.monotonic() - started
            assert done.returncode == 0, f"openapi-python-client failed:\n{done.stdout}\n{done.stderr}"
            made[digest] = Generated(importlib.import_module(name), _problems(done.stdout + done.stderr), seconds)
        return made[digest]

    yield generate
    sys.path.remove(str(root))


def bind(package: types.ModuleType) -> dict[str, types.ModuleType]:
    """The journey's operations (OPERATIONS) in the generated package: name → the module of its operationId."""
    from openapi_python_client.strings import snake_case  # the generator's own name for an operation's module

    api = Path(package.__file__).parent / "api"
    modules, missing = {}, []
    for name, (operation_id, _) in OPERATIONS.items():
        found = sorted(api.glob(f"*/{snake_case(operation_id)}.py"))
        if not found:
            missing.append(operation_id)
            continue
        tag = found[0].parent.name
        modules[name] = importlib.import_module(f"{package.__name__}.api.{tag}.{found[0].stem}")
    assert not missing, ("the generated client has no operation " + ", ".join(missing)
                         + ": renamed or gone? (fix OPERATIONS at the top of tests/contract/test_generated_client.py)")
    return modules


def _success_type(module: types.ModuleType) -> Any:
    """The type the generated function gives for a success (its return annotation, less Problem and None)."""
    args = typing.get_args(module.asyncio.__annotations__["return"])
    kept = [a for a in args if a is not type(None) and getattr(a, "__name__", "") != "Problem"]
    assert len(kept) == 1, f"{module.__name__}: {kept}"
    return kept[0]


def reading(module: types.ModuleType) -> str:
    """How the generated client gives the operation's success: TYPED, OBJECT or NO_SCHEMA (or a list of one)."""
    kind = _success_type(module)
    if typing.get_origin(kind) is list:
        return "list of " + _kind(typing.get_args(kind)[0])
    return _kind(kind)


def _kind(kind: Any) -> str:
    if kind is Any:
        return NO_SCHEMA
    if attrs.has(kind) and [f.name for f in attrs.fields(kind)] == ["additional_properties"]:
        return OBJECT
    return TYPED


def _body_type(module: types.ModuleType) -> type:
    args = typing.get_args(module.asyncio_detailed.__annotations__["body"]) or (
        module.asyncio_detailed.__annotations__["body"],)
    return next(a for a in args if attrs.has(a) and a.__name__ != "Unset")


def dig(value: Any, *keys: str) -> Any:
    """Read a field of an answer as the generated client gives it: an untyped body (a dict, or a model that keeps it
    all in additional_properties) by key; a typed model only by the attributes its schema declares, so a field the
    document no longer has is an AttributeError even when the server still sends it."""
    for key in keys:
        if isinstance(value, dict):
            value = value[key]
        elif attrs.has(type(value)) and [f.name for f in attrs.fields(type(value))] == ["additional_properties"]:
            value = value.additional_properties[key]
        else:
            value = getattr(value, key)
    return value


# ---------------------------------------------------------------------------------------------------- the journey


class Journey:
    """The journey's calls, through the generated client's async functions only."""

    def __init__(self, package: types.ModuleType, ops: dict[str, types.ModuleType], transport, stack: AsyncExitStack):
        self.client_module = importlib.import_module(f"{package.__name__}.client")
        self.ops, self.transport, self.stack = ops, transport, stack
        self.clients: dict[str, Any] = {}

    async def as_(self, client_id: str):
        """An AuthenticatedClient for a dev client, its token from the generated requestToken."""
        if client_id not in self.clients:
            anonymous = await self.stack.enter_async_context(self.client_module.Client(
                base_url=BASE_URL, raise_on_unexpected_status=True, httpx_args={"transport": self.transport}))
            token = await self.call("token", anonymous, body={
                "grant_type": "client_credentials", "client_id": client_id, "client_secret": DEV_SECRET})
            self.clients[client_id] = await self.stack.enter_async_context(self.client_module.AuthenticatedClient(
                base_url=BASE_URL, token=dig(token, "access_token"), raise_on_unexpected_status=True,
                httpx_args={"transport": self.transport}))
        return self.clients[client_id]

    async def call(self, name: str, client, *args: Any, status: int | tuple[int, ...] = 200, **kw: Any) -> Any:
        module = self.ops[name]
        if isinstance(kw.get("body"), dict):
            kw["body"] = _body_type(module).from_dict(kw["body"])
        response = await module.asyncio_detailed(*args, client=client, **kw)
        expected = (status,) if isinstance(status, int) else status
        assert response.status_code in expected, (
            f"{OPERATIONS[name][0]}: expected {expected}, got {response.status_code}: {response.content[:500]!r}")
        return response.parsed

    @staticmethod
    async def until(what: str, probe, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while not (value := await probe()):
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            await asyncio.sleep(0.1)
        return value


async def drive(package: types.ModuleType, platform, family: Family, today: date) -> dict[str, Any]:
    """DOMAIN.md §6 from the request to the bank file (sendpb/journey.py's calls, stages 1–6), with the client
    generated into ``package``; returns the figures the test checks."""
    ops = bind(package)
    la, child = family.local_authority, family.child_id
    facts: dict[str, Any] = {}
    async with AsyncExitStack() as stack:
        j = Journey(package, ops, httpx.ASGITransport(app=platform.embedded.gateway), stack)
        casework, admin, finance = (await j.as_("dev-casework"), await j.as_("dev-admin"),
                                    await j.as_("dev-finance"))

        # 1. Request (eligibility)
        decision = await j.call("request", casework, status=201, body={
            "child_id": child, "local_authority": la, "date_of_birth": family.date_of_birth.isoformat(),
            "requested_on": today.isoformat(), "requested_by": "parent", "ehcp_stage": "plan_to_be_issued",
            "streams": ["education", "health", "social_care"], "arrangements": ["direct_payment", "notional"],
            "recipient": {"role": "parent", "capable_of_managing": True, "consents": True,
                          "drug_or_alcohol_requirement": False},
            "in_custody": False, "provision_on_setting_premises": False, "setting_agreement": None})
        facts["eligibility"] = dig(decision, "status")

        # 2. Resource allocation (ras): the example model published (the platform is new: the LA has none; the
        # journey's probe of the active model is left out as its 404 is not in the document)
        model = await j.call("create_model", admin, status=201, body=ecm_model(la))
        active = await j.call("publish_model", admin, dig(model, "id"))
        questions = ecm_model(la)["questions"]
        assessment = await j.call("assess", casework, status=201, body={
            "child_id": child, "local_authority": la, "model_id": dig(active, "id"),
            "answers": {q["id"]: family.answers[i % len(family.answers)] for i, q in enumerate(questions)}})
        facts["indicative_social_care_pence"] = dig(assessment, "indicative_pence", "social_care")

        # 3. The budget opens by itself from the eligibility and RAS events
        async def opened():
            page = await j.call("list_budgets", casework, child_id=child)
            return dig(page, "items")[0] if dig(page, "items") else None

        budget_id = dig(await j.until("the budget to open from the events", opened), "id")

        # 4. Costed provision, 5. submit, panel per stream, agree
        lines = [("social_care", "Personal assistant for community activities", "direct_payment",
                  family.pa_annual_pence, "personal_assistant"),
                 ("education", "Speech and language therapy, 1 hour a week", "notional", 390_000, "therapy"),
                 ("health", "Physiotherapy programme", "notional", 240_000, "therapy")]
        for stream, description, arrangement, cost, category in lines:
            await j.call("add_provision", casework, budget_id, status=201, body={
                "description": description, "outcome": "Takes part in activities with friends", "stream": stream,
                "category": category, "annual_cost_pence": cost, "arrangement": arrangement,
                "on_setting_premises": False})
        facts["submitted_status"] = dig(await j.call("submit", casework, budget_id), "status")
        for stream, _, _, cost, _ in lines:
            await j.call("panel", admin, budget_id, status=201, body={
                "stream": stream, "decision": "approved", "agreed_pence": cost,
                "decided_by": f"{stream} panel member"})
        agreed = await j.call("agree", casework, budget_id)
        facts["agreed_status"] = dig(agreed, "status")
        facts["agreed_social_care_pence"] = dig(agreed, "streams", "social_care", "agreed_pence")

        # 6. Direct payment: the agreement opened from budget.agreed.v1, payee, signature, a run, the bank file
        async def agreement_opened():
            page = await j.call("list_agreements", casework, budget_id=budget_id)
            return dig(page, "items")[0] if dig(page, "items") else None

        agreement_id = dig(await j.until("the agreement to open from budget.agreed.v1", agreement_opened), "id")
        await j.call("set_payee", casework, agreement_id, body={
            "role": "parent", "name": f"{family.name} family",
            "account": {"kind": "bank_account", "sort_code": "401276", "account_number": "31926819"}})
        signed = await j.call("sign", casework, agreement_id, body={
            "signed_on": today.isoformat(), "signed_by": f"{family.name} parent"})
        facts["agreement_status"] = dig(signed, "status")
        schedule = await j.call("schedule", casework, agreement_id)
        facts["schedule_total_pence"] = sum(dig(i, "amount_pence") for i in schedule)
        run_date = max(today, dig(schedule[0], "due_date"))  # typed: the generated model gives a date
        run = await j.call("start_run", finance, status=202, idempotency_key=f"run-{uuid.uuid4().hex}",
                           body={"local_authority": la, "run_date": run_date.isoformat()})

        async def run_done():
            state = await j.call("read_run", finance, dig(run, "id"))
            assert dig(state, "status") != "failed", f"payment run failed: {state}"
            return state if dig(state, "status") == "completed" else None

        await j.until("the payment run to complete", run_done)
        paid = await j.call("payments", finance, agreement_id)
        facts["paid_pence"] = sum(dig(p, "amount_pence") for p in dig(paid, "items"))
        lines = (await j.call("bank_file", finance, dig(run, "id"))).splitlines()
        facts["bacs_labels"], facts["bacs_records"] = lines[:4] + lines[-3:], lines[4:-3]

        async def spent_booked():
            b = await j.call("read_budget", casework, budget_id)
            return b if dig(b, "streams", "social_care", "spent_pence") == facts["paid_pence"] else None

        await j.until("the payment to be booked as spent on the budget", spent_booked)
    return facts


# ---------------------------------------------------------------------------------------------------- the tests


async def _document(platform) -> dict[str, Any]:
    r = await platform.client.get("/openapi.json")
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_client_generated_from_the_merged_document_runs_the_journey(platform, generate, clock):
    clock.set_to(TODAY, tick=True)  # the platform's clock: the journey's dates never depend on the calendar
    generated = generate(await _document(platform))
    print(f"\nopenapi-python-client generated the client in {generated.seconds:.1f} s")

    unexpected = sorted(generated.problems - set(KNOWN_GENERATOR_PROBLEMS))
    assert not unexpected, "openapi-python-client could not generate:\n" + "\n".join(unexpected)
    gone = sorted(set(KNOWN_GENERATOR_PROBLEMS) - generated.problems)
    assert not gone, "generated now, so take them out of KNOWN_GENERATOR_PROBLEMS:\n" + "\n".join(gone)

    ops = bind(generated.package)
    readings = {name: reading(module) for name, module in ops.items()}
    changed = sorted(f"{OPERATIONS[n][0]}: {OPERATIONS[n][1]} in OPERATIONS, {readings[n]} now" for n in ops
                     if readings[n] != OPERATIONS[n][1])
    assert not changed, "the generated client reads these answers differently, fix OPERATIONS:\n" + "\n".join(changed)

    family = Family("Okafor", "E06000060", date(2015, 3, 14))
    facts = await drive(generated.package, platform, family, today=TODAY)
    assert facts["eligibility"] == "eligible"
    assert facts["indicative_social_care_pence"] > 0
    assert facts["submitted_status"] == "submitted"
    assert facts["agreed_status"] == "agreed" and facts["agreed_social_care_pence"] == family.pa_annual_pence
    assert facts["agreement_status"] == "active"
    assert facts["schedule_total_pence"] == family.pa_annual_pence, "PAY-03: instalments add up to the year"
    assert facts["paid_pence"] > 0
    assert facts["bacs_records"] and all(len(line) == 100 for line in facts["bacs_records"]), "BACS Standard 18"
    assert [line[:4] for line in facts["bacs_labels"]] == ["VOL1", "HDR1", "HDR2", "UHL1", "EOF1", "EOF2", "UTL1"]


def _operation(doc: dict[str, Any], operation_id: str) -> dict[str, Any]:
    return next(op for item in doc["paths"].values() for op in item.values()
                if isinstance(op, dict) and op.get("operationId") == operation_id)


async def test_a_breaking_change_to_the_document_fails_the_generated_client_journey(platform, generate, clock):
    clock.set_to(TODAY, tick=True)
    """Two changes an integrator's build must not survive, each made to a copy of the served document, the client
    regenerated from it and the journey run with it."""
    doc = await _document(platform)
    sign = OPERATIONS["sign"][0]

    # An operation renamed: the regenerated client has no function of that name, so the journey cannot start.
    renamed = copy.deepcopy(doc)
    _operation(renamed, sign)["operationId"] = sign + "V2"
    with pytest.raises(AssertionError, match=f"no operation {sign}"):
        bind(generate(renamed).package)

    # A required field taken out of a response schema (`status` of what signing an agreement answers): the
    # regenerated model no longer has it, and the journey fails where it reads it, although the server sends it.
    dropped = copy.deepcopy(doc)
    ref = _operation(dropped, sign)["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = dropped["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "status" in schema["required"], schema["required"]
    schema["required"].remove("status")
    del schema["properties"]["status"]
    with pytest.raises(AttributeError, match="object has no attribute 'status'"):
        await drive(generate(dropped).package, platform, Family("Adeyemi", "E06000060", date(2014, 6, 2)),
                    today=TODAY)
