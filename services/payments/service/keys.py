"""Key rotation for bank details at rest: re-seal with the current key what older keys sealed."""
from __future__ import annotations

from kit.crypto import Keyring
from kit.db import Database
from services.payments import repository, sealed
from services.payments.models import Agreement, Payment


async def reseal(db: Database, keyring: Keyring, *, chunk: int = 2000) -> int:
    """One pass over agreements and payments, ``chunk`` rows per transaction (safe to stop and run again):
    every bank detail not sealed with the current key is opened with the key that sealed it and sealed again
    with the current one. Returns how many values it re-sealed."""
    count = 0
    for model in (Agreement, Payment):
        after = ""
        while True:
            async with db.transaction() as session:
                rows = await repository.bank_details(session, model, sealed.FIELDS, after=after, limit=chunk)
                if not rows:
                    break
                changes = [change for row in rows if (change := _resealed(row, keyring))]
                await repository.set_bank_details(session, model, changes)
            count += sum(len(change) - 1 for change in changes)
            after = rows[-1].id
    return count


def _resealed(row, keyring: Keyring) -> dict | None:
    stale = {field: value for field in sealed.FIELDS
             if (value := getattr(row, field)) is not None and not keyring.is_current(value)}
    if not stale:
        return None
    return {"id": row.id, **{field: sealed.seal(keyring, row.agreement_id, field,
                                                sealed.unseal(keyring, row.agreement_id, field, value))
                             for field, value in stale.items()}}
