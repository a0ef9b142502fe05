"""The AsyncAPI documents an integrator is given (the gateway's merged one and each service's own, as served) are
valid by the official AsyncAPI parser, and every message in them has a payload schema and at least one example that
validates against it, so examples cannot rot: each example is also read by the payload model it comes from and
written back unchanged."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from importlib import import_module

import httpx
import jsonschema
import pytest

from kit.testing import unavailable
from tests.contract.documents import HERE

SERVICES = ("eligibility", "ras", "budget", "payments", "contracts")
PARSER = HERE / "node_modules" / "@asyncapi" / "parser"
VALIDATE = HERE / "validate-asyncapi.mjs"
# The parser's one remark on a valid 3.0.0 document is that 3.1.0 exists (severity 2, information): the documents
# stay on 3.0.0, which more of the tools integrators use read.
ALLOWED = {"asyncapi-latest-version"}
ONS_CODE = re.compile(r"^[EWSN]\d{8}$")


async def served_asyncapi(platform) -> dict[str, dict]:
    """{"gateway": the merged document, <service>: its own}, each fetched as a reader fetches it."""
    r = await platform.client.get("/asyncapi.json")
    assert r.status_code == 200, r.text
    docs = {"gateway": r.json()}
    for name, app in platform.embedded.apps.items():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}") as client:
            response = await client.get("/asyncapi.json")
        assert response.status_code == 200, response.text
        docs[name] = response.json()
    assert set(docs) == {"gateway", *SERVICES}
    return docs


def parse(files) -> list[dict]:
    """The AsyncAPI parser's findings on ``files``; node or the npm package missing skips with the reason (fails
    under SENDPB_REQUIRE_SERVICES=1): .ci/run installs it with `npm ci` in tests/contract."""
    if shutil.which("node") is None:
        unavailable("node is not installed: the AsyncAPI parser (tests/contract) runs on it")
    if not PARSER.exists():
        unavailable("the npm package @asyncapi/parser is not installed: run `npm ci` in tests/contract (.ci/run does)")
    done = subprocess.run(["node", str(VALIDATE), *map(str, files)], cwd=HERE, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"the AsyncAPI parser failed (exit {done.returncode}):\n{done.stderr}"
    return json.loads(done.stdout)


async def test_every_asyncapi_document_is_valid_by_the_asyncapi_parser(platform, tmp_path):
    files = []
    for name, doc in (await served_asyncapi(platform)).items():
        path = tmp_path / f"{name}.asyncapi.json"
        path.write_text(json.dumps(doc))
        files.append(path)
    findings = parse(files)
    assert {f["file"] for f in findings if f["code"] == "asyncapi-latest-version"} == set(map(str, files)), \
        "the parser no longer reports every document (is it still reading them?)"
    wrong = [f for f in findings if f["code"] not in ALLOWED]
    assert not wrong, "\n".join(f"{f['file']}: {f['code']} ({f['severity']}) {f['message']} at "
                                f"{'/'.join(map(str, f['path']))}" for f in wrong)


def test_the_parser_finds_an_invalid_document(tmp_path):
    """The check can fail: a receive operation on a channel the document does not declare is an error."""
    path = tmp_path / "broken.asyncapi.json"
    path.write_text(json.dumps({"asyncapi": "3.0.0", "info": {"title": "t", "version": "1"}, "channels": {},
                                "operations": {"x": {"action": "receive", "channel": {"$ref": "#/channels/nope"}}}}))
    assert any(f["code"] == "invalid-ref" and f["severity"] == 0 for f in parse([path]))


def _validator(doc: dict, schema: dict) -> jsonschema.Draft202012Validator:
    schema = {**schema, "components": {"schemas": doc["components"]["schemas"]}}
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _pence(value, where: str) -> list[str]:
    """Every `*_pence` value of an example is whole pence: an int (or a map of ints), never a float or a string."""
    wrong = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k.endswith("_pence"):
                ok = isinstance(v, int) and not isinstance(v, bool) or (
                    isinstance(v, dict) and all(isinstance(x, int) for x in v.values()))
                if not ok:
                    wrong.append(f"{where}.{k} = {v!r}")
            wrong += _pence(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            wrong += _pence(v, f"{where}[{i}]")
    return wrong


async def test_every_message_has_a_payload_schema_and_examples_that_validate_against_it(platform):
    for name, doc in (await served_asyncapi(platform)).items():
        messages = doc["components"]["messages"]
        assert messages, f"{name} describes no message"
        for key, message in messages.items():
            where = f"{name}: {key}"
            payload = message["payload"]["properties"]["payload"]
            assert payload.get("properties") and payload.get("required"), f"{where} has no payload schema"
            assert message["summary"] and message["description"], f"{where} is not described"
            assert message["bindings"]["amqp"]["messageType"] == message["name"], where
            assert message["examples"], f"{where} has no example"
            envelope, headers = _validator(doc, message["payload"]), _validator(doc, message["headers"])
            for example in message["examples"]:
                errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                          for e in envelope.iter_errors(example["payload"])]
                assert not errors, f"{where} {example['name']} does not validate:\n" + "\n".join(errors)
                headers.validate(example["headers"])
                body = example["payload"]
                assert body["type"] == message["name"] and ONS_CODE.match(body["local_authority"]), where
                assert body["payload"]["local_authority"] == body["local_authority"], where
                assert not _pence(body["payload"], key), f"{where}: pence not as integers: {_pence(body, key)}"


def owned_models() -> dict[str, type]:
    models = {}
    for service in SERVICES:
        models.update(import_module(f"services.{service}.events").OWNED)
    return models


@pytest.mark.parametrize("event_type", sorted(owned_models()))
def test_each_payload_model_has_its_own_example_that_it_reads_and_writes_back_unchanged(event_type, clock):
    """The examples are on the payload models (the single source): each model has its own (not one inherited from
    the model it extends), which the model reads and serialises back to the same JSON, with real-looking local
    authority codes, whole pence and ISO dates."""
    clock.set_to(date(2026, 12, 3))
    model = owned_models()[event_type]
    examples = (model.model_config.get("json_schema_extra") or {}).get("examples")
    assert examples, f"{model.__name__} has no example"
    parents = [base for base in model.__mro__[1:] if hasattr(base, "model_config")]
    for base in parents:
        assert examples is not (base.model_config.get("json_schema_extra") or {}).get("examples"), \
            f"{model.__name__} shows the example of {base.__name__}"
    for example in examples:
        assert model.model_validate(example).model_dump(mode="json") == example
        assert ONS_CODE.match(example["local_authority"]), example["local_authority"]
        assert not _pence(example, model.__name__)


def test_a_wrong_example_would_fail_its_schema():
    """The example check can fail: an amount in pounds as a string, or a field the payload does not have."""
    from kit.asyncapi import envelope_schema, example_envelope
    from services.budget.events import HealthFundingChanged

    components: dict = {}
    schema = envelope_schema(HealthFundingChanged.model_json_schema(), components)
    validator = _validator({"components": {"schemas": components}}, schema)
    good = HealthFundingChanged.model_config["json_schema_extra"]["examples"][0]
    validator.validate(example_envelope("icb.health_funding.changed.v1", good, producer="icb-QU9"))
    for wrong in ({**good, "annual_amount_pence": "12500.00"}, {**good, "pounds": 12500},
                  {**good, "local_authority": "Buckinghamshire"}):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(example_envelope("icb.health_funding.changed.v1", wrong, producer="icb-QU9"))
