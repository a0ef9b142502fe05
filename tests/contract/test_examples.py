"""The examples of the OpenAPI documents (issue 19): recorded from real traffic by tests/contract/examples.py
(``python -m tests.contract.examples``), put on the operations by kit.openapi. Every example is valid against its
schema, so one cannot rot when a route changes; every operation has one (a request body's, a success answer's), and
the test names each operation that lacks one; none carries a secret."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.contract.documents import operations, served
from tests.contract.examples import JWT, ROOT, SECRET_KEYS, TOKEN_PLACEHOLDER, scrubbed

REGENERATE = "regenerate them: python -m tests.contract.examples"
FILES = sorted([*ROOT.glob("services/*/openapi_examples.json"), ROOT / "gateway" / "openapi_examples.json"])


def shown(doc: dict[str, Any]):
    """(where, media type object) of every example on an operation's request body or answers."""
    for method, path, op in operations(doc):
        body = op.get("requestBody", {}).get("content", {})
        for media, value in body.items():
            yield f"{method.upper()} {path} request {media}", value
        for status, response in op.get("responses", {}).items():
            for media, value in response.get("content", {}).items():
                yield f"{method.upper()} {path} {status} {media}", value


def invalid(doc: dict[str, Any], schema: dict[str, Any], example: Any) -> str | None:
    """Why ``example`` does not fit ``schema`` (its $refs resolved in ``doc``), or None."""
    root = {**schema, "components": doc.get("components", {})}
    validator = jsonschema.Draft202012Validator(root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(example))
    return None if error is None else f"{'/'.join(map(str, error.absolute_path)) or '(the body)'}: {error.message}"


async def test_every_example_is_valid_against_its_schema(platform):
    docs = await served(platform)
    wrong, count = [], 0
    for name, doc in docs.items():
        for where, media in shown(doc):
            if "example" not in media or "schema" not in media:
                continue
            count += 1
            if (why := invalid(doc, media["schema"], media["example"])) is not None:
                wrong.append(f"{name}: {where}: {why}")
    assert count > 100, f"only {count} examples in the documents: {REGENERATE}"
    assert not wrong, f"examples their schema no longer accepts ({REGENERATE}):\n" + "\n".join(sorted(wrong))


async def test_every_operation_has_an_example_of_its_request_and_of_a_success(platform):
    lacking = []
    for name, doc in (await served(platform)).items():
        for method, path, op in operations(doc):
            body = op.get("requestBody", {}).get("content", {})
            if body and not any("example" in m for m in body.values()):
                lacking.append(f"{name}: {op['operationId']} ({method.upper()} {path}): no request example")
            successes = [r.get("content", {}) for s, r in op.get("responses", {}).items() if s.startswith("2")]
            if any(successes) and not any("example" in m for c in successes for m in c.values()):
                lacking.append(f"{name}: {op['operationId']} ({method.upper()} {path}): no success example")
    assert not lacking, f"operations without examples ({REGENERATE}; drive the route there if it is new):\n" + \
        "\n".join(sorted(lacking))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_the_recorded_examples_carry_no_secret(path: Path):
    text = path.read_text(encoding="utf-8")
    assert json.loads(text), f"{path} is empty: {REGENERATE}"
    assert "dev-secret" not in text, "a client secret in the examples"
    assert not [t for t in JWT.findall(text) if t != TOKEN_PLACEHOLDER], "a token in the examples"
    assert not re.search(r"Bearer [\w-]{20,}", text), "an Authorization header in the examples"


def test_scrubbing_takes_out_tokens_and_secrets():
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXYtYWRtaW4ifQ.abcDEF123_-x"
    clean = scrubbed({"client_secret": "dev-secret", "access_token": token, "url": f"http://x/family/{token}",
                      "items": [{"note": token}]})
    assert clean == {"client_secret": SECRET_KEYS["client_secret"], "access_token": TOKEN_PLACEHOLDER,
                     "url": f"http://x/family/{TOKEN_PLACEHOLDER}", "items": [{"note": TOKEN_PLACEHOLDER}]}
