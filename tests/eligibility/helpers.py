"""Request bodies and calls shared by the eligibility API tests."""
import uuid
from typing import Any

from kit.events import Envelope
from kit.testing import LA, auth

CASEWORK = auth("casework")
READER = auth("read")
BASE = "/v1/eligibility/requests"

# The fields of a decision fixed by CONTRACT.md, and of the event fixed by docs/events.md.
CONTRACT_FIELDS = {"id", "status", "streams", "arrangements", "decided_at", "rules_version"}
EVENT_FIELDS = {"request_id", "decision_id", "supersedes_decision_id", "child_id", "local_authority",
                "status", "streams", "arrangements", "eligible_streams", "allowed_arrangements",
                "requested_on", "decided_at", "rules_version", "declines"}
# Fields added within v1 (always sent now; absent from events published before them, so not required).
ADDED_IN_V1 = {"declines"}


def child() -> str:
    """A fresh child id: the PostgreSQL database is shared by every test of a run."""
    return f"C-{uuid.uuid4().hex[:10]}"


def body(**changes: Any) -> dict[str, Any]:
    """An 11-year-old at an annual review: education + health, as direct payments to a capable parent or
    notionally."""
    values: dict[str, Any] = {
        "child_id": child(), "local_authority": LA, "date_of_birth": "2015-05-01",
        "requested_on": "2026-11-22", "requested_by": "parent", "ehcp_stage": "annual_review",
        "streams": ["education", "health"], "arrangements": ["direct_payment", "notional"],
        "recipient": {"role": "parent", "capable_of_managing": True, "consents": True,
                      "drug_or_alcohol_requirement": False},
        "in_custody": False, "provision_on_setting_premises": False, "setting_agreement": None,
    }
    values.update(changes)
    return values


async def submit(client, headers=CASEWORK, **changes: Any) -> dict[str, Any]:
    response = await client.post(BASE, json=body(**changes), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def rules_of(outcome: dict[str, Any]) -> list[str]:
    return [r["rule"] for r in outcome["reasons"]]


async def tapped(backend) -> tuple[object, list[Envelope]]:
    """A bus with a test consumer queue bound to the eligibility events, and what it receives."""
    bus = await backend.bus()
    received: list[Envelope] = []

    async def tap(body: bytes) -> None:
        received.append(Envelope.from_bytes(body))

    await bus.subscribe("elig-test-tap", ["eligibility.#"], tap)
    return bus, received
