"""The OpenAPI document is the contract: what kit adds to every service's document (and the gateway to its own).

Integrators get ``/openapi.json`` and nothing else, so the document states what the platform does. Every service's
app and the gateway's control app pass their FastAPI document through ``contract()``:

- **operationId**: the service's URL prefix and the endpoint function's name, camelCase: ``budgets`` + ``read_ledger``
  → ``budgetsReadLedger`` (the gateway's own operations have no prefix). Unique in the merged document by
  construction (prefixes are unique; a clash inside one service is qualified by the path's words), the same in a
  service's own document and in the gateway's, and unchanged when another service adds operations, so a
  generated client's method names are stable. A route's explicit ``operation_id`` wins.
- **tags**: one per operation: the router's most specific tag (the service-wide one only when there is no other),
  else ``<prefix>: <first path segment after the prefix>`` (``<prefix>`` when that segment is a parameter). Every
  tag used is declared, with the description the service gives in ``ServiceSpec.tags`` or, failing that, the paths
  it covers.
- **errors**: every 4xx is ``application/problem+json`` with the one ``Problem`` schema (what ``kit.errors`` sends):
  401/403/413 on every operation behind a token, 404 where the path has a parameter, 409 on every write behind a
  token, 422 wherever there is a body or a parameter (FastAPI's never-sent ``HTTPValidationError`` is gone); the
  gateway adds 429 (its rate limit) and 400 (its path check) when it merges.
- **security**: OAuth2 client credentials with the scopes ``caller_with(...)`` requires: one requirement per scope,
  as any one of them is enough; public operations (health, the token endpoint) say ``security: []``.
- **examples**: recorded from real traffic, never written by hand: ``python -m tests.contract.examples`` drives the
  platform and writes ``openapi_examples.json`` beside each service (operationId → the request body, an answer per
  success status, a problem per error status seen); ``contract(examples=...)`` puts them on the operations.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

from kit.auth import SCOPES
from kit.errors import PROBLEM_BASE, PROBLEM_JSON

TOKEN_URL = "/oauth/token"
SCHEME = "OAuth2"
CONTACT = {"name": "sendpb maintainers", "url": "https://sendpb.org/support", "email": "api@sendpb.org"}
LICENSE = {"name": "MIT", "identifier": "MIT"}
SCOPE_MEANINGS = {
    "casework": "Eligibility, RAS assessments, budgets, provisions and agreements",
    "panel": "Panel decisions",
    "finance": "Payment runs, bank files, returns, audits, recoveries and ledgers",
    "health": "ICB health-funding events and the health stream",
    "commissioning": "Block contracts and transfers into personal budgets",
    "ras-admin": "RAS models and their calibration",
    "read": "Read-only access to everything in the client's local authorities",
}
assert set(SCOPE_MEANINGS) == set(SCOPES), "every scope is described"


class FieldError(BaseModel):
    """One field the request got wrong."""

    field: str = Field(description="The field, dotted for nested ones (`recipient.consents`), or a parameter's name")
    message: str


class Problem(BaseModel):
    """An error (RFC 9457 problem details). Extension members may follow (e.g. `error`, the OAuth2 code of a
    refused token request; `checks`, what readiness found)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"example": {
        "type": PROBLEM_BASE + "rule-violation", "title": "Refused by a rule", "status": 409,
        "detail": "education: agreed £1,200.00 is short of the £1,500.00 of its provision",
        "instance": "/v1/budgets/6f1c0b6e-1a8e-4c47-9d4e-0d2b8e0f6a11/agree", "rule": "BUD-05"}})

    type: str = Field(description=f"What kind of problem: a URI under {PROBLEM_BASE}")
    title: str = Field(description="A short summary of the kind of problem")
    status: int = Field(ge=400, le=599, description="The HTTP status")
    detail: str = Field(description="What went wrong with this request, for a person to read")
    instance: str | None = Field(default=None, description="The path of the request")
    errors: list[FieldError] | None = Field(default=None, description="Validation: each field and what is wrong")
    rule: str | None = Field(default=None, description="A business refusal's rule ID (DOMAIN.md), e.g. `BUD-05`")


class Alive(BaseModel):
    """The process answers."""

    status: str = Field(description="`ok`", examples=["ok"])


class Ready(BaseModel):
    """The service can serve: its database answers. `checks` says what each dependency answered."""

    status: Literal["ready"] = Field(description="`ready`")
    service: str = Field(description="The service's name", examples=["payments"])
    checks: dict[str, str] = Field(description="`database` and `broker`: `ok`, or `unavailable: <why>`",
                                   examples=[{"database": "ok", "broker": "ok"}])
    degraded: list[str] | None = Field(default=None, description="What does not answer without stopping the "
                                       "service (`broker`: what it publishes waits in its outbox); absent when none")


class UpstreamReadiness(BaseModel):
    """One service's readiness as the gateway saw it: its own `/readyz` body, or why it gave none."""

    model_config = ConfigDict(extra="allow")

    status: str = Field(description="`ready`, `not ready` (it answered 503) or `unreachable`")
    service: str | None = Field(default=None, description="The service's name, when it answered")
    checks: dict[str, str] | None = Field(default=None, description="What the service's dependencies answered")
    degraded: list[str] | None = Field(default=None, description="What does not answer without stopping it")
    detail: str | None = Field(default=None, description="Why it could not be asked, or why it is not ready")


class GatewayReady(BaseModel):
    """The gateway's readiness: it can check tokens and route. Each service's state is reported, but one service
    down does not make the gateway unready."""

    status: Literal["ready", "not ready"] = Field(description="`ready`, or `not ready` (with 503)")
    checks: dict[str, str] = Field(description="`tokens` and `routing`: `ok`, or `unavailable: <why>`")
    services: dict[str, UpstreamReadiness] = Field(description="Each service's readiness, by name")
    degraded: list[str] | None = Field(default=None, description="The services not ready; absent when none")


class AccessToken(BaseModel):
    """An access token (RFC 6749 §5.1): send it as `Authorization: Bearer <access_token>`."""

    access_token: str = Field(description="A JWT carrying `sub` (the client), `scope` and `la` (its LAs)")
    token_type: str = Field(description="`Bearer`", examples=["Bearer"])
    expires_in: int = Field(description="Seconds until it expires", examples=[3600])
    scope: str = Field(description="The scopes granted, space-separated", examples=["casework read"])


def _example(status: int, slug: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, **extra}


# status → (name of the shared response, description, example, headers)
ERRORS: dict[int, tuple[str, str, dict[str, Any], dict[str, Any]]] = {
    400: ("BadPath", "The path is not a plain path (a dot segment, an empty segment, a backslash, a control character "
                     "or an encoded `.`, `/`, `\\` or `%`): refused by the gateway before the token check.",
          _example(400, "bad-path", "Path not allowed", "dot segment in path"), {}),
    401: ("Unauthorized", "No bearer token, or one that is not valid (expired, not yet valid, wrong signature, issuer "
                          "or audience); `WWW-Authenticate` says which.",
          _example(401, "unauthorized", "Missing or invalid credentials", "a bearer token is required"),
          {"WWW-Authenticate": {"description": "`Bearer`, or `Bearer error=\"invalid_token\"`",
                                "schema": {"type": "string"}}}),
    403: ("Forbidden", "The token holds none of the operation's scopes, or the request acts for a local authority "
                       "outside the token (`errors` names the field).",
          _example(403, "forbidden", "Not allowed", "this needs one of the scopes: casework"), {}),
    404: ("NotFound", "No such record, or a record of a local authority outside the token (never revealed).",
          _example(404, "not-found", "Not found", "budget not found"), {}),
    409: ("Conflict", "The record's current state does not allow it, or a rule refuses it (`rule` names the DOMAIN.md "
                      "rule); also a request whose Idempotency-Key is still being processed.",
          _example(409, "rule-violation", "Refused by a rule", "stream education is insufficient", rule="BUD-05"), {}),
    413: ("PayloadTooLarge", "The request body is larger than the limit (1 MiB by default); the rest is not read.",
          _example(413, "payload-too-large", "Payload too large", "the request body is over 1048576 bytes"), {}),
    422: ("ValidationFailed", "The request is not valid: `errors` names each field or parameter and what is wrong "
                              "(also: an Idempotency-Key reused with another body).",
          _example(422, "validation", "The request is not valid", "child_id: Field required",
                   errors=[{"field": "child_id", "message": "Field required"}]), {}),
    429: ("TooManyRequests", "Over the client's rate limit; `Retry-After` says when to try again.",
          _example(429, "rate-limited", "Too many requests", "client dev-casework is over its rate limit"),
          {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}),
}
WRITES = ("post", "put", "patch", "delete")
METHODS = ("get", *WRITES)


def camel(*words: str) -> str:
    """``camel("budgets", "read_ledger")`` → ``budgetsReadLedger``."""
    parts = [p.lower() for w in words for p in re.split(r"[^0-9A-Za-z]+", w) if p]
    return parts[0] + "".join(p.capitalize() for p in parts[1:]) if parts else ""


def required_scopes(route: RouteContext) -> frozenset[str] | None:
    """The scopes ``caller_with(...)``/``requires(...)`` demands of this route (any one suffices), or None if the
    route takes no token."""
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        scopes = getattr(dependant.call, "required_scopes", None)
        if scopes is not None:
            return frozenset(scopes)
        stack.extend(dependant.dependencies)
    return None


def problem_components(statuses: Iterable[int]) -> dict[str, Any]:
    """The shared error responses of ``statuses``, for ``components.responses``."""
    responses = {}
    for status in statuses:
        name, description, example, headers = ERRORS[status]
        response: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: {
            "schema": {"$ref": "#/components/schemas/Problem"}, "example": example}}}
        if headers:
            response["headers"] = headers
        responses[name] = response
    return responses


def _problem_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {"Problem": schema, **defs}


def document_error(op: dict[str, Any], status: int) -> None:
    """``status`` documented on ``op`` as problem+json: the shared response, or the route's own description with
    the shared body."""
    responses = op.setdefault("responses", {})
    own = responses.get(str(status))
    if own is None or "$ref" in own:
        responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
        return
    _, description, _, headers = ERRORS[status]
    own.setdefault("description", description)
    own["content"] = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    if headers:
        own.setdefault("headers", headers)


def uses(doc: dict[str, Any]) -> set[int]:
    """The shared error responses the document refers to."""
    names = {f"#/components/responses/{name}": status for status, (name, *_) in ERRORS.items()}
    return {names[r["$ref"]] for item in doc.get("paths", {}).values() for m, op in item.items() if m in METHODS
            for r in op.get("responses", {}).values() if r.get("$ref") in names}


def finish_components(doc: dict[str, Any]) -> None:
    """The Problem schema and the shared responses the document uses; FastAPI's validation schemas removed."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(_problem_schemas())
    components["responses"] = {**components.get("responses", {}), **problem_components(sorted(uses(doc)))}
    components["securitySchemes"] = {SCHEME: {
        "type": "oauth2", "description": "OAuth2 client credentials (RFC 6749 §4.4): POST /oauth/token with your "
                                         "client id and secret; send the token as `Authorization: Bearer <token>`.",
        "flows": {"clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": SCOPE_MEANINGS}}}}


def _operation_ids(routes: list[RouteContext], prefix: str) -> dict[int, str]:
    """{id(route): operationId}."""
    ids: dict[int, str] = {}
    taken: dict[str, list[RouteContext]] = {}
    for route in routes:
        taken.setdefault(route.operation_id or camel(prefix, route.name), []).append(route)
    for name, clashing in taken.items():
        for route in clashing:
            if route.operation_id or len(clashing) == 1:
                ids[id(route)] = name
            else:  # two endpoints of one service share a function name: qualify each by its path's words
                words = [w for w in route.path_format.split("/")[3:] if w and not w.startswith("{")]
                ids[id(route)] = camel(prefix, route.name, *words, *sorted(route.methods))
    return ids


def _tag(route: RouteContext, op: dict[str, Any], prefix: str, service_wide: set[str]) -> str:
    tags = op.get("tags") or []
    specific = [t for t in tags if t not in service_wide]
    if specific or tags:
        return (specific or tags)[-1]
    segments = route.path_format.split("/")[3:] if route.path_format.startswith("/v1/") else []
    first = segments[0] if segments else ""
    if not prefix:
        return "platform"
    return prefix if not first or first.startswith("{") else f"{prefix}: {first.replace('-', ' ')}"


def _tag_description(tag: str, paths: list[str]) -> str:
    shown = sorted(set(paths))
    more = f" and {len(shown) - 4} more" if len(shown) > 4 else ""
    return "Operations on " + ", ".join(f"`{p}`" for p in shown[:4]) + more + "."


EXAMPLES_FILE = "openapi_examples.json"


def load_examples(folder: Path) -> dict[str, Any]:
    """The recorded examples of the service (or gateway) in ``folder``, by operationId ({} when none are)."""
    path = folder / EXAMPLES_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _media(content: dict[str, Any], media: str) -> dict[str, Any] | None:
    """The media type object for a recorded body of ``media`` (``text/csv`` answers a route documenting ``text/csv;
    charset=utf-8`` too); None when the operation does not document that media type."""
    return next((value for name, value in content.items() if name.split(";")[0].strip() == media), None)


def add_examples(op: dict[str, Any], recorded: Mapping[str, Any]) -> None:
    """The recorded request body and answers on ``op``; a shared error response is inlined to carry its own."""
    request, body = recorded.get("request"), op.get("requestBody")
    if request and body and (media := _media(body.get("content", {}), request["media"])) is not None:
        media["example"] = request["value"]
    responses = op.get("responses", {})
    for status, answers in recorded.get("responses", {}).items():
        response = responses.get(status)
        if response is None:
            continue
        if "$ref" in response:
            name = response["$ref"].rsplit("/", 1)[1]
            response = responses[status] = json.loads(json.dumps(problem_components([int(status)])[name]))
        for media_type, value in answers.items():
            if (media := _media(response.get("content", {}), media_type)) is not None:
                media["example"] = value


def contract(app: FastAPI, doc: dict[str, Any], *, prefix: str, service_wide: Iterable[str] = (),
             tag_descriptions: Mapping[str, str] | None = None,
             examples: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``doc`` (FastAPI's document of ``app``) made into the contract; see the module's docstring."""
    routes = [r for r in iter_route_contexts(app.routes)
              if isinstance(r.original_route, APIRoute) and r.include_in_schema]
    ids = _operation_ids(routes, prefix)
    wide = set(service_wide) | ({prefix} if prefix else set())
    tagged: dict[str, list[str]] = {}
    for route in routes:
        item = doc.get("paths", {}).get(route.path_format, {})
        for method in sorted(m.lower() for m in route.methods):
            op = item.get(method)
            if op is None:
                continue
            op["operationId"] = ids[id(route)]
            tag = _tag(route, op, prefix, wide)
            op["tags"] = [tag]
            tagged.setdefault(tag, []).append(route.path_format)
            _errors_and_security(route, op, method)
            _split_model_from_text(op)
            if examples and ids[id(route)] in examples:
                add_examples(op, examples[ids[id(route)]])
    described = dict(tag_descriptions or {})
    doc["tags"] = [{"name": tag, "description": described.get(tag) or _tag_description(tag, paths)}
                   for tag, paths in sorted(tagged.items())]
    finish_components(doc)
    return doc


def _split_model_from_text(op: dict[str, Any]) -> None:
    """A route answering a page (``response_class=HTMLResponse``) and, when asked, JSON (``model``): FastAPI puts the
    model's ``$ref`` into the text media type's string schema, which nothing can satisfy. The text is a string; the
    model is the JSON answer."""
    for response in op.get("responses", {}).values():
        content = response.get("content", {})
        for media, value in list(content.items()):
            schema = value.get("schema", {})
            if not media.endswith("json") and "$ref" in schema and schema.get("type") == "string":
                value["schema"] = {"type": "string"}
                content.setdefault("application/json", {"schema": {"$ref": schema["$ref"]}})


def _errors_and_security(route: RouteContext, op: dict[str, Any], method: str) -> None:
    scopes = required_scopes(route)
    responses = op.setdefault("responses", {})
    statuses = set()
    if scopes is None:
        op["security"] = []
    else:
        op["security"] = [{SCHEME: [scope]} for scope in sorted(scopes)]
        statuses |= {401, 403, 413}
        if method in WRITES:
            statuses.add(409)
    if "{" in route.path_format:
        statuses.add(404)
    if op.get("parameters") or op.get("requestBody"):
        statuses.add(422)
    else:
        responses.pop("422", None)
    statuses |= {int(s) for s in responses if s.isdigit() and 400 <= int(s) < 500 and int(s) in ERRORS}
    for status in sorted(statuses):
        document_error(op, status)


BOUNDED = "x-sendpb-bounded"


def bounded(why: str) -> dict[str, Any]:
    """``openapi_extra`` of a GET answering a whole JSON array rather than a page: the list of one record's own
    parts, bounded by that record (the instalments of one agreement), whose shape the contract fixes. ``why`` says
    what bounds it; tests/contract's paginated rule accepts the array on a path with a parameter only with it."""
    return {BOUNDED: why}


def server(default: str) -> dict[str, Any]:
    """The gateway, whose base URL the reader fills in (``default`` until they do)."""
    return {"url": "{gateway}", "description": "The sendpb gateway: every path of this document is served there.",
            "variables": {"gateway": {"default": default.rstrip("/"),
                                      "description": "The gateway's base URL (the embedded platform's: "
                                                     "http://127.0.0.1:8000)"}}}


def with_info(doc: dict[str, Any], *, gateway: str = "http://127.0.0.1:8000") -> dict[str, Any]:
    """``servers``, ``contact`` and ``license`` on the document."""
    doc["info"] = {**doc.get("info", {}), "contact": CONTACT, "license": LICENSE}
    doc["servers"] = [server(gateway)]
    return doc
