"""Bank details at rest (sort codes, account numbers, card references): sealed with the payments keyring
(``kit.crypto``, AES-256-GCM), each bound to its agreement and field, so a value moved to another agreement or
field does not open. A payment carries its agreement's sealed values unchanged (a run never opens them); only the
bank file and what callers are shown (masked, PAY-02) open them."""
from __future__ import annotations

from kit.crypto import Keyring
from services.payments.domain import mask

FIELDS = ("sort_code", "account_number", "card_reference")


def context(field: str, agreement_id: str) -> str:
    """What a value is sealed to: the same on the agreement and on each of its payments."""
    return f"payments.{field}:{agreement_id}"


def seal(keyring: Keyring, agreement_id: str, field: str, value: str | None) -> str | None:
    return None if value is None else keyring.seal(value, context=context(field, agreement_id))


def unseal(keyring: Keyring, agreement_id: str, field: str, value: str | None) -> str | None:
    return None if value is None else keyring.open(value, context=context(field, agreement_id))


def masked(keyring: Keyring, agreement_id: str, field: str, value: str | None) -> str | None:
    """A sealed value as callers see it: opened, all but its last 4 characters masked."""
    return mask(unseal(keyring, agreement_id, field, value))
