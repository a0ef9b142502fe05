"""Merges the services' OpenAPI documents into the gateway's one document."""
from __future__ import annotations

import copy
from typing import Any

REF = "#/components/schemas/"


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
    """Paths of every service under one document; a schema name used differently by two services is prefixed."""
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    schemes = merged["components"].setdefault("securitySchemes", {})
    tags = {t["name"] for t in merged.setdefault("tags", [])}
    for name, doc in services.items():
        doc_schemas = doc.get("components", {}).get("schemas", {})
        renames = {s: f"{name}__{s}" for s, body in doc_schemas.items() if s in schemas and schemas[s] != body}
        doc = _rewrite_refs(doc, renames)
        for s, body in doc.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(s, s)] = body
        schemes.update(doc.get("components", {}).get("securitySchemes", {}))
        for path, item in doc.get("paths", {}).items():
            if path.startswith("/v1/"):
                paths[path] = item
        if name not in tags:
            merged["tags"].append({"name": name, "description": doc.get("info", {}).get("description", "")})
            tags.add(name)
    return merged
