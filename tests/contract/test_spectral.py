"""Spectral (spectral:oas and our conventions, sendpb.spectral.yaml) on every OpenAPI document the platform serves.

Nothing is reported: 0 errors, 0 warnings (issue 19). The list of known findings this test once tolerated shrank
to nothing and is gone; a new finding fails here and is fixed in the service, not listed."""
from __future__ import annotations

import json
from pathlib import Path

from tests.contract.documents import METHODS, served, spectral


def where(finding: dict) -> str:
    """The operation (``GET /v1/budgets``) a finding is on, or the JSON path of one elsewhere in the document."""
    path = finding["path"]
    if len(path) >= 3 and path[0] == "paths" and path[2] in METHODS:
        return f"{path[2].upper()} {path[1]}"
    return "/".join(map(str, path))


async def test_spectral_reports_nothing(platform, tmp_path):
    files = []
    for name, doc in (await served(platform)).items():
        files.append(tmp_path / f"{name}.json")
        files[-1].write_text(json.dumps(doc))
    findings = spectral(files)
    reported = sorted(f"{Path(f['source']).stem}: {f['code']} at {where(f)}: {f['message']}" for f in findings)
    assert not reported, "Spectral reports:\n" + "\n".join(reported)


def test_our_rules_catch_what_they_are_for(tmp_path):
    """A document breaking each convention is reported by the rule for it (a rule that cannot fire proves nothing)."""
    problem = {"type": "object", "properties": {k: {"type": "string"} for k in
                                                ("type", "title", "status", "detail", "instance", "errors", "rule")}}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1", "description": "d", "contact": {"name": "c", "url": "https://x.org"}},
        "servers": [{"url": "https://x.org"}],
        "tags": [{"name": "things", "description": "Things"}, {"name": "undescribed"}],
        "paths": {
            "/v1/things": {"get": {
                "operationId": "list_things", "description": "d", "tags": ["things", "undescribed"],
                "security": [{"OAuth2": ["read"]}],
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}}}},
                    "401": {"description": "no", "content": {"application/problem+json": {"schema": problem}}},
                    "403": {"description": "no", "content": {"application/json": {"schema": problem}}},
                    "413": {"description": "no", "content": {"application/problem+json": {"schema": problem}}}}}},
            "/v1/things/{thing_id}": {"get": {
                "operationId": "readThing", "description": "d", "tags": ["things"],
                "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": True}}}}}}},
            "/v1/things/{thing_id}/parts": {"get": {  # one record's parts, declared bounded: an array is fine
                "operationId": "thingParts", "description": "d", "tags": ["things"], "security": [{"OAuth2": ["read"]}],
                "x-sendpb-bounded": "the parts of one thing, at most 12",
                "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}}}}}}},
            "/v1/every-thing": {"get": {  # a list of everything cannot be declared bounded
                "operationId": "everyThing", "description": "d", "tags": ["things"], "security": [{"OAuth2": ["read"]}],
                "x-sendpb-bounded": "not really",
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}}}}}}},
            "/healthz": {"get": {"operationId": "healthz", "description": "d", "tags": ["things"],
                                 "security": [{"OAuth2": ["read"]}],
                                 "responses": {"200": {"description": "ok"}}}},
        },
        "components": {"securitySchemes": {"OAuth2": {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": "/oauth/token", "scopes": {"read": "read"}}}}}},
    }
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    reported = {(f["code"], where(f)) for f in spectral([bad])}
    for expected in [("sendpb-operation-id-camel-case", "GET /v1/things"), ("sendpb-one-tag", "GET /v1/things"),
                     ("sendpb-tag-described", "tags/1"), ("sendpb-4xx-problem-json", "GET /v1/things"),
                     ("sendpb-paginated-list", "GET /v1/things"), ("sendpb-security", "GET /v1/things/{thing_id}"),
                     ("sendpb-secured-errors", "GET /v1/things/{thing_id}"),
                     ("sendpb-typed-success", "GET /v1/things/{thing_id}"), ("sendpb-public-says-so", "GET /healthz"),
                     ("sendpb-paginated-list", "GET /v1/every-thing"), ("sendpb-examples", "GET /v1/things")]:
        assert expected in reported, f"{expected} not reported; Spectral reported {sorted(reported)}"
    assert ("sendpb-paginated-list", "GET /v1/things/{thing_id}/parts") not in reported, "a declared bounded part list"
    assert ("sendpb-examples", "GET /healthz") not in reported, "an answer without a body needs no example"
