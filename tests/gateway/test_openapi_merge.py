"""The gateway's merged OpenAPI document: a schema name two services use differently is prefixed with the service's
name, and so is every schema that refers to one renamed (a generic ``Page_ReviewDue_`` of two services' own
``ReviewDue`` once pointed both services' lists at the second one's items)."""
from __future__ import annotations

from gateway.openapi import merge


def _doc(review_due: dict) -> dict:
    ref = {"$ref": "#/components/schemas/Page_ReviewDue_"}
    return {
        "paths": {"/v1/x/reviews": {"get": {"responses": {"200": {"content": {"application/json": {"schema": ref}}}}}}},
        "components": {"schemas": {
            "ReviewDue": review_due,
            "Page_ReviewDue_": {"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/ReviewDue"}}}}}}}


def _items_of(merged: dict, path: str) -> dict:
    ref = merged["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = merged["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return merged["components"]["schemas"][page["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]]


def test_a_page_of_a_renamed_schema_is_renamed_with_it():
    budget_due = {"type": "object", "required": ["budget_id"], "properties": {"budget_id": {"type": "string"}}}
    contract_due = {"type": "object", "required": ["contract_id"], "properties": {"contract_id": {"type": "string"}}}
    budget, contracts = _doc(budget_due), _doc(contract_due)
    budget["paths"] = {"/v1/budgets/reviews": budget["paths"]["/v1/x/reviews"]}
    contracts["paths"] = {"/v1/contracts/reviews-due": contracts["paths"]["/v1/x/reviews"]}
    merged = merge({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}},
                   {"budget": budget, "contracts": contracts})
    assert _items_of(merged, "/v1/budgets/reviews")["required"] == ["budget_id"]
    assert _items_of(merged, "/v1/contracts/reviews-due")["required"] == ["contract_id"]
    assert {"contracts__ReviewDue", "contracts__Page_ReviewDue_"} <= set(merged["components"]["schemas"])


def test_a_schema_two_services_share_unchanged_is_kept_once():
    same = {"type": "object", "properties": {"id": {"type": "string"}}}
    merged = merge({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}},
                   {"budget": _doc(same), "contracts": _doc(same)})
    assert not [s for s in merged["components"]["schemas"] if "__" in s]
