"""Merges the services' OpenAPI documents into the gateway's one document."""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from kit.openapi import METHODS, contract, document_error, finish_components, load_examples, with_info

REF = "#/components/schemas/"
SIGNED_LINK_LIMITED = ("Too many requests from this address or with this link, or too many links that did not open "
                       "from this address; `Retry-After` says when to try again. A page to read when the browser "
                       "asks for HTML.")


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(REF) and v[len(REF):] in renames:
                out[k] = REF + renames[v[len(REF):]]
            else:
                out[k] = _rewrite_refs(v, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, renames) for v in node]
    return node


def merge(base: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Paths of every service under one document; a schema name used differently by two services is prefixed
    (``budgets__ReviewCreate``), in its key and its title.
    Every tag an operation uses is declared once, with the description its service gave it."""
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    components = merged.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    shared = components.setdefault("responses", {})
    described = {t["name"]: t.get("description", "") for t in merged.get("tags", [])}
    for name, doc in services.items():
        doc_schemas = doc.get("components", {}).get("schemas", {})
        renames: dict[str, str] = {}
        while True:  # to a fixpoint: a schema referring to a renamed one differs too (Page_X_ of two services' X)
            rewritten = _rewrite_refs(doc_schemas, renames)
            more = {s: f"{name}__{s}" for s, body in rewritten.items()
                    if s not in renames and s in schemas and schemas[s] != body}
            if not more:
                break
            renames.update(more)
        doc = _rewrite_refs(doc, renames)
        for s, body in doc.get("components", {}).get("schemas", {}).items():
            # a renamed schema takes its new name as its title too: generators name their models by title
            schemas[renames.get(s, s)] = {**body, "title": renames[s]} if s in renames else body
        shared.update(doc.get("components", {}).get("responses", {}))
        for tag in doc.get("tags", []):
            described.setdefault(tag["name"], tag.get("description", ""))
        for path, item in doc.get("paths", {}).items():
            if path.startswith("/v1/"):
                paths[path] = item
    used = sorted({t for item in paths.values() for m, op in item.items() if m in METHODS for t in op.get("tags", [])})
    merged["tags"] = [{"name": t, "description": described.get(t) or f"The {t} operations."} for t in used]
    _drop_unused_schemas(merged)
    return merged


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        found = {ref[len(REF):]} if isinstance(ref, str) and ref.startswith(REF) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _drop_unused_schemas(doc: dict[str, Any]) -> None:
    """Schemas only the services' own operations use (their /healthz and /readyz answers, which the gateway does not
    route) are left out: what the merged document holds is what its operations use."""
    schemas = doc.get("components", {}).get("schemas", {})
    used, todo = set(), _refs(doc.get("paths", {})) | _refs(doc.get("components", {}).get("responses", {}))
    while todo:
        name = todo.pop()
        if name not in used and name in schemas:
            used.add(name)
            todo |= _refs(schemas[name])
    for name in set(schemas) - used:
        del schemas[name]


def gateway_errors(doc: dict[str, Any]) -> dict[str, Any]:
    """What the gateway itself may answer on a service's operation: 429 over a client's rate limit (operations
    behind a token) or a family page's (gateway/public_pages.py), 400 for a path parameter that makes the path not
    plain."""
    for path, item in doc.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for method, op in item.items():
            if method not in METHODS:
                continue
            if op.get("security"):
                document_error(op, 429)
            elif signed_link(path):
                op.setdefault("responses", {}).setdefault("429", {"description": SIGNED_LINK_LIMITED})
                document_error(op, 429)
            if "{" in path:
                document_error(op, 400)
    finish_components(doc)
    return doc


def signed_link(path: str) -> bool:
    """Whether an operation's path (``/v1/budgets/family/{token}``) is a page the gateway opens by signed link."""
    from gateway.app import SIGNED_LINKS  # the gateway's own table (gateway.app imports this module)

    concrete = re.sub(r"\{[^}/]+\}", "x", path)
    return any(p.fullmatch(concrete[4:]) for p in SIGNED_LINKS)


def document(control: FastAPI, services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The gateway's one document: its own operations (the token endpoint, health) and every service's."""
    base = get_openapi(title=control.title, version=control.version, description=control.description,
                       routes=control.routes)
    tags = {t["name"]: t["description"] for t in control.openapi_tags or []}
    own = contract(control, base, prefix="", tag_descriptions=tags, examples=load_examples(Path(__file__).parent))
    return gateway_errors(merge(own, services))


def served(doc: dict[str, Any], base_url: str) -> dict[str, Any]:
    """``doc`` as served to a reader who reached the gateway at ``base_url``: that is its server."""
    return with_info({**doc}, gateway=base_url)
