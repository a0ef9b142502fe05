"""Who may call the budget API (token scopes) and the audit trail every budget router records (``kit.audit``):
every route naming ``{budget_id}`` is recorded; lists and creates name what they touched with ``trail.touched``.
Reading the audit log itself is not recorded (it would fill the log with its own reads)."""
from __future__ import annotations

from pydantic import BaseModel

from kit.audit import audited
from kit.auth import caller_with
from services.budget.service import audit

AUDIT, Trail = audited(audit.record, path_param="budget_id", unaudited=("read_audit",))
AFTER_AGREEMENT = "budgets: after agreement"  # the OpenAPI tag of what happens once a budget is agreed

Casework = caller_with("casework")
Panel = caller_with("panel")
Agreeing = caller_with("casework", "panel")
Health = caller_with("health")
Finance = caller_with("finance")
Reader = caller_with("casework", "read", "panel", "finance")
LedgerReader = caller_with("finance", "read")
AuditReader = caller_with("read")
CategoryReader = caller_with("read", "casework", "panel", "finance", "health")


def stored(response: BaseModel) -> dict:
    """A response of an idempotent route (``kit.idempotency``) as it has always been stored and sent: its Python
    values, encoded by FastAPI's ``jsonable_encoder`` (times end ``+00:00``; a response model alone writes ``Z``)."""
    return response.model_dump()
