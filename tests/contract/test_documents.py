"""The documents are valid OpenAPI, and what they say is what the platform does: every status an operation answers
to bad input is one it documents (4xx as problem+json), and the scopes it documents are the ones it enforces."""
from __future__ import annotations

import uuid

from openapi_spec_validator import validate

from kit.auth import SCOPES
from kit.testing import LA, LA2, token
from tests.contract.documents import operations, served
from tests.security.routes import PUBLISHED

TOO_LARGE = b"x" * (1024 * 1024 + 1)


async def test_every_document_is_valid_openapi(platform):
    for name, doc in (await served(platform)).items():
        validate(doc)  # raises, naming the first error
        assert doc["info"]["contact"] and doc["info"]["license"] and doc["servers"], name


def _path(path: str, op: dict) -> str:
    for p in op.get("parameters", []):
        if p["in"] == "path":
            value = str(uuid.uuid4()) if p["schema"].get("format") == "uuid" else "unknown-record"
            path = path.replace("{" + p["name"] + "}", value)
    return path


def _scopes(op: dict) -> set[str]:
    return {scope for requirement in op.get("security", []) for scopes in requirement.values() for scope in scopes}


async def test_every_status_an_operation_answers_is_documented(platform):
    """Each operation, through the gateway: without a token, with a token lacking its scopes, with each documented
    scope alone on an unknown record and an empty body, with a body over the limit, and with a query parameter that
    is not valid."""
    doc = (await served(platform))["gateway"]
    undocumented, not_problem, refused = [], [], []
    for method, path, op in operations(doc):
        if not path.startswith("/v1/"):
            continue
        documented = {int(s) for s in op["responses"]}
        url = _path(path, op)
        scopes = _scopes(op)
        # Public (`security: []`): the local offer (BUD-15) and a family's signed-link pages (issue 20), no token.
        public = op.get("security") == []
        assert scopes or path in PUBLISHED or public, f"{method.upper()} {path} names no scope"
        other = sorted(set(SCOPES) - scopes)
        body = {"json": {}} if "requestBody" in op else {}
        query = {p["name"]: "\x00not valid" for p in op.get("parameters", []) if p["in"] == "query"}
        tries = [("no token", {}, body, None)]
        if public and query:
            tries.append(("no token, bad query", {}, {**body, "params": query}, None))
        if other and not public:
            tries.append((f"scope {other[0]}", {"Authorization": f"Bearer {token(other[0], las=[LA, LA2])}"}, body,
                          None))
        for scope in sorted(scopes):
            auth = {"Authorization": f"Bearer {token(scope, las=[LA, LA2])}"}
            tries.append((f"scope {scope}", auth, body, scope))
            if query:
                tries.append((f"scope {scope}, bad query", auth, {**body, "params": query}, None))
        tries.append(("too large", {**tries[-1][1], "Content-Type": "application/json"}, {"content": TOO_LARGE},
                      None))
        for what, headers, kwargs, allowed in tries:
            r = await platform.client.request(method.upper(), url, headers=headers, **kwargs)
            label = f"{method.upper()} {path} ({what}): {r.status_code}"
            if r.status_code not in documented:
                undocumented.append(f"{label} {r.text[:200]}")
            if 400 <= r.status_code < 500 and r.headers.get("content-type") != "application/problem+json":
                not_problem.append(f"{label} {r.headers.get('content-type')}")
            if allowed and r.status_code in (401, 403):
                refused.append(f"{label}: documented scope {allowed} refused: {r.text[:200]}")
    assert not undocumented, "answered but not documented:\n" + "\n".join(undocumented)
    assert not not_problem, "a 4xx that is not problem+json:\n" + "\n".join(not_problem)
    assert not refused, "\n".join(refused)
