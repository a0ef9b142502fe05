"""Starts and drives the real OpenID provider of provider.mjs (the npm package oidc-provider, installed in this folder
by `npm ci`, which .ci/run does). Unavailable node or packages skip with the reason, and fail under
SENDPB_REQUIRE_SERVICES=1."""
from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from kit.testing import unavailable

HERE = Path(__file__).resolve().parent
RESOURCE = "api://sendpb"


def rsa_key(kid: str) -> dict[str, Any]:
    """A new RSA signing key as a private JWK."""
    key = json.loads(RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    return {**key, "kid": kid, "alg": "RS256", "use": "sig"}


def sign(claims: dict[str, Any], key: dict[str, Any]) -> str:
    """A token signed here with ``key`` (a forgery, as far as the platform is concerned)."""
    return jwt.encode(claims, RSAAlgorithm.from_jwk(json.dumps(key)), algorithm="RS256", headers={"kid": key["kid"]})


class OpenIdProvider:
    """One provider process on a free port of 127.0.0.1; ``issuer`` is its URL."""

    def __init__(self, keys: list[dict[str, Any]], log: Path) -> None:
        self.keys, self.log = keys, log
        self.issuer = ""
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> OpenIdProvider:
        node = shutil.which("node")
        if node is None:
            unavailable("node is not installed: the OpenID provider of tests/oidc runs on it")
        if not (HERE / "node_modules" / "oidc-provider").is_dir():
            unavailable("the npm package oidc-provider is not installed: run `npm ci` in tests/oidc (.ci/run does)")
        log = self._open_log()
        try:
            self._process = await asyncio.create_subprocess_exec(
                node, "provider.mjs", cwd=HERE, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=log)
        finally:
            log.close()  # the child keeps its own copy
        self._process.stdin.write(json.dumps({"keys": self.keys}).encode() + b"\n")
        await self._process.stdin.drain()
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), 30)
        except TimeoutError:
            line = b""
        if not line.startswith(b"listening "):
            await self.stop()
            raise AssertionError(f"the OpenID provider did not start; see {self.log}")
        self.issuer = line.decode().split()[1]
        return self

    def _open_log(self):
        return open(self.log, "ab")  # noqa: SIM115 - closed once the child has its copy

    async def token(self, client_id: str = "bucks-cms", *, scope: str | None = "sendpb.casework sendpb.read",
                    resource: str | None = None) -> str:
        """An access token from the provider's token endpoint (client credentials)."""
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": f"{client_id}-secret"}
        if scope:
            data["scope"] = scope
        if resource:
            data["resource"] = resource
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(f"{self.issuer}/token", data=data)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    async def rotate(self, keys: list[dict[str, Any]]) -> None:
        """The provider signs with ``keys[0]`` from now on and publishes all of ``keys``."""
        self.keys = keys
        async with httpx.AsyncClient(timeout=10) as http:
            assert (await http.post(f"{self.issuer}/__keys", json={"keys": keys})).status_code == 204

    async def jwks_fetches(self) -> int:
        async with httpx.AsyncClient(timeout=10) as http:
            return (await http.get(f"{self.issuer}/__stats")).json()["jwks"]

    async def stop(self) -> None:
        if self._process is None or self._process.returncode is not None:
            return
        self._process.stdin.close()
        try:
            await asyncio.wait_for(self._process.wait(), 5)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
