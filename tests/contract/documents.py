"""The OpenAPI documents an integrator is given: the gateway's merged one and each service's own, as served."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from kit.testing import unavailable

HERE = Path(__file__).resolve().parent
SPECTRAL = HERE / "node_modules" / ".bin" / "spectral"
RULESET = HERE / "sendpb.spectral.yaml"
METHODS = ("get", "put", "post", "delete", "patch")


async def served(platform) -> dict[str, dict[str, Any]]:
    """{"gateway": the merged document, <service>: its own document}, each fetched as a reader fetches it."""
    docs = {"gateway": (await platform.client.get("/openapi.json")).json()}
    for name, app in platform.embedded.apps.items():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}") as client:
            response = await client.get("/openapi.json")
        assert response.status_code == 200, response.text
        docs[name] = response.json()
    return docs


def operations(doc: dict[str, Any]):
    """(method, path, operation) of every operation of ``doc``."""
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def spectral(files: list[Path]) -> list[dict[str, Any]]:
    """Spectral's findings (JSON output) on ``files`` with our ruleset (spectral:oas + sendpb's conventions). Node
    or the npm package missing skips with the reason (fails under SENDPB_REQUIRE_SERVICES=1); .ci/run installs
    them with `npm ci` in tests/contract."""
    if shutil.which("node") is None:
        unavailable("node is not installed: Spectral (tests/contract) runs on it")
    if not SPECTRAL.exists():
        unavailable("the npm package @stoplight/spectral-cli is not installed: run `npm ci` in tests/contract "
                    "(.ci/run does)")
    done = subprocess.run([str(SPECTRAL), "lint", "--ruleset", str(RULESET), "--format", "json", "--quiet",
                           "--fail-severity", "hint", *map(str, files)],
                          cwd=HERE, capture_output=True, text=True, timeout=300)
    try:
        return json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        raise AssertionError(f"Spectral did not answer JSON (exit {done.returncode}):\n{done.stdout}\n"
                             f"{done.stderr}") from None
