"""OAuth clients: the dev clients of CONTRACT.md (dev mode only) and configured clients with hashed secrets."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from kit.auth import SCOPES

DEV_SECRET = "dev-secret"
_N, _R, _P = 2**14, 8, 1


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt), n=_N, r=_R, p=_P, dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Client:
    client_id: str
    secret_hash: str
    scopes: tuple[str, ...]
    las: tuple[str, ...]


def dev_clients() -> list[Client]:
    h = hash_secret(DEV_SECRET, salt=b"sendpb-dev-salt!")
    all_scopes = SCOPES
    return [
        Client("dev-admin", h, all_scopes, ("E06000060", "E06000049")),
        Client("dev-casework", h, ("casework", "read"), ("E06000060",)),
        Client("dev-finance", h, ("finance", "read"), ("E06000060",)),
        Client("dev-icb", h, ("health",), ("E06000060", "E06000049")),
        Client("dev-other-la", h, all_scopes, ("E08000018",)),
    ]


class ClientRegistry:
    def __init__(self, clients: list[Client]) -> None:
        self._clients = {c.client_id: c for c in clients}

    def authenticate(self, client_id: str, secret: str) -> Client | None:
        client = self._clients.get(client_id)
        if client is None:
            verify_secret(secret, _DUMMY)  # the same work whether or not the client exists
            return None
        return client if verify_secret(secret, client.secret_hash) else None


_DUMMY = hash_secret("unknown-client", salt=b"0123456789abcdef")
