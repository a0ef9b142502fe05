"""HTTP endpoints of the contracts service, one module per resource, mounted under ``/v1/contracts`` by
``app.py``: the fixed paths (``finance``, ``evidence``, ``transfers``) before ``contracts``, whose ``/{contract_id}``
would take them otherwise. Endpoints call use cases in ``service/`` and answer with response models read from
what those return."""
from __future__ import annotations

from kit.auth import caller_with

Reader = caller_with("commissioning", "casework", "read")
Requester = caller_with("commissioning", "casework")  # asks for transfers and evidence of delivery
Commissioner = caller_with("commissioning")
