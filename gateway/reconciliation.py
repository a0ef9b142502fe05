"""The scheduled reconciliation: ``sendpb reconcile`` for each configured LA every ``reconcile_every_seconds``,
in the gateway process, exporting ``sendpb_reconciliation_differences{local_authority, check}`` on its /metrics.

Why the gateway: it is the one process that reaches every service's API in both modes (in-process calls when
embedded, HTTP when distributed), and it issues tokens, so the job needs no client secret of its own. It calls the
gateway's own ASGI app in process, so its requests take the same route, token check and tenancy as an
operator's ``sendpb reconcile``. It only reads: several gateway replicas each reconciling is harmless (alert on
``max by (local_authority, check)``)."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

from kit.auth import TokenIssuer
from kit.metrics import RECONCILIATION_DIFFERENCES, RECONCILIATION_LAST_SUCCESS
from sendpb.reconcile import CHECKS, Outcome, reconcile

log = logging.getLogger("sendpb.reconciliation")
CLIENT_ID = "sendpb-reconciliation"


class ReconciliationJob:
    def __init__(self, app: Any, issuer: TokenIssuer, *, las: list[str], every_seconds: float,
                 settle_seconds: float) -> None:
        self.app, self.issuer, self.las = app, issuer, list(las)
        self.every_seconds, self.settle_seconds = every_seconds, settle_seconds
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="gateway:reconciliation")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run_once(self) -> dict[str, Outcome]:
        """Reconcile every configured LA now; sets the gauges and logs each difference. An LA whose totals cannot
        be read keeps its last figures (``..._last_success_timestamp_seconds`` shows how old they are)."""
        headers = {"Authorization": "Bearer " + self.issuer.issue(client_id=CLIENT_ID, scopes=["finance"],
                                                                  las=self.las)}
        outcomes: dict[str, Outcome] = {}
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway", timeout=60) as client:
            for la in self.las:
                try:
                    outcome = await reconcile(client, headers, la, settle_seconds=self.settle_seconds)
                except Exception:  # noqa: BLE001 - logged; the next period tries again
                    log.exception("reconciliation of %s could not read the services' totals", la)
                    continue
                outcomes[la] = outcome
                for check, count in outcome.by_check().items():
                    RECONCILIATION_DIFFERENCES.labels(la, check).set(count)
                RECONCILIATION_LAST_SUCCESS.labels(la).set(time.time())
                for difference in outcome.differences:
                    log.warning("reconciliation of %s: %s", la, difference.describe())
        return outcomes

    async def _loop(self) -> None:
        for la in self.las:  # the series exist from the start, at zero until the first reconciliation says more
            for check in CHECKS:
                RECONCILIATION_DIFFERENCES.labels(la, check)
        while True:
            await asyncio.sleep(self.every_seconds)
            await self.run_once()
