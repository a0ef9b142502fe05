"""Values encrypted at rest: AES-256-GCM under a keyring whose keys have ids, so keys can be rotated.

A sealed value is text, ``enc1:<key id>:<base64url(nonce | ciphertext | tag)>``: it names the key that sealed it,
so a keyring holding the new current key and the old ones opens values sealed before and after a rotation. Each
value is sealed with a ``context`` (e.g. the field and the record it belongs to) that must be given again to open
it: a sealed value copied into another record or field does not open there. Nothing here reads settings; the
keyring is built from them (``kit.settings``)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc1"
KEY_BYTES = 32   # AES-256
NONCE_BYTES = 12
KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
DEV_KEY_ID = "dev"


class KeyringError(ValueError):
    """A keyring that cannot be built, or a value it cannot open."""


class UnknownKey(KeyringError):
    """The value names a key id the keyring does not hold."""


class DecryptionFailed(KeyringError):
    """The key under the value's id does not open it: a different key under that id, another context, or an
    altered value."""


def dev_key() -> bytes:
    """The dev key: derived from a public seed, so it is only ever accepted in dev mode."""
    return hashlib.sha256(b"sendpb dev data key - never in prod").digest()


def new_key() -> str:
    """A new random key, as the settings take it (base64 of 32 bytes)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def decode_key(key_id: str, encoded: str) -> bytes:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"key {key_id!r} must be base64 of {KEY_BYTES} random bytes (e.g. from "
                           "`python -c 'from kit.crypto import new_key; print(new_key())'`)")
    return raw


def is_sealed(value: str | None) -> bool:
    return value is not None and value.startswith(PREFIX + ":")


def key_id_of(value: str) -> str:
    """The id of the key that sealed ``value``."""
    return _parts(value)[1]


def _parts(value: str) -> tuple[str, str, str]:
    parts = value.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise KeyringError("not a sealed value (expected enc1:<key id>:<data>)")
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class Keyring:
    """``keys`` by id; ``current`` seals new values; every key opens what it sealed."""

    current: str
    keys: Mapping[str, bytes]
    _aead: dict[str, AESGCM] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError("a keyring needs at least one key")
        for key_id, key in self.keys.items():
            if not KEY_ID.match(key_id):
                raise KeyringError(f"key id {key_id!r}: 1 to 32 letters, digits, '.', '_' or '-'")
            if len(key) != KEY_BYTES:
                raise KeyringError(f"key {key_id!r} must be {KEY_BYTES} bytes (AES-256)")
            self._aead[key_id] = AESGCM(key)
        if self.current not in self.keys:
            raise KeyringError(f"the current key id {self.current!r} is not one of the keys ({self._ids()})")

    @classmethod
    def from_encoded(cls, keys: Mapping[str, str], current: str | None) -> Keyring:
        """From settings: ``{key id: base64 key}``; ``current`` may be left out when there is one key."""
        if current is None:
            if len(keys) != 1:
                raise KeyringError("with more than one key, say which one seals new values (the current key id)")
            current = next(iter(keys))
        return cls(current, {key_id: decode_key(key_id, encoded) for key_id, encoded in keys.items()})

    @classmethod
    def dev(cls) -> Keyring:
        return cls(DEV_KEY_ID, {DEV_KEY_ID: dev_key()})

    def holds_dev_key(self) -> bool:
        return dev_key() in self.keys.values()

    def seal(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        data = nonce + self._aead[self.current].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{PREFIX}:{self.current}:{base64.urlsafe_b64encode(data).decode().rstrip('=')}"

    def open(self, value: str, *, context: str) -> str:
        _, key_id, encoded = _parts(value)
        aead = self._aead.get(key_id)
        if aead is None:
            raise UnknownKey(f"value sealed with key {key_id!r}, which this keyring does not hold ({self._ids()}); "
                             "keep every key that sealed stored values until they are re-sealed")
        try:
            data = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            return aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], context.encode()).decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise DecryptionFailed(f"value does not open with key {key_id!r}: the key under that id is not the "
                                   "one that sealed it, or the value was altered or moved") from None

    def is_current(self, value: str) -> bool:
        return key_id_of(value) == self.current

    def _ids(self) -> str:
        return "keys: " + ", ".join(sorted(self.keys))
