"""Key rotation for bank details at rest: re-seal with the current key what older keys sealed. After a rotation:

    SENDPB_PAYMENTS_ENCRYPTION_KEYS='{"2026-01": "...", "2026-07": "..."}' SENDPB_PAYMENTS_ENCRYPTION_KEY_ID=2026-07 \\
        python -m services.payments.service.keys

with the service's own settings (database, keys). It repeats its pass until one re-seals nothing (a payment run
running meanwhile copies values an earlier chunk had not reached yet), then says the old keys may go."""
from __future__ import annotations

import asyncio
import sys

from kit.crypto import Keyring
from kit.db import Database
from kit.settings import PlatformSettings
from services.payments import repository
from services.payments.models import Agreement, Payment
from services.payments.service import sealed
from services.payments.settings import PaymentsSettings

MAX_PASSES = 5


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


async def main() -> int:
    platform = PlatformSettings()
    settings = PaymentsSettings().bound_to(platform)
    db = Database(platform.database_url_for("payments", settings.database_url))
    try:
        for n in range(1, MAX_PASSES + 1):
            count = await reseal(db, settings.keyring)
            print(f"pass {n}: re-sealed {count} values with key {settings.keyring.current!r}")
            if count == 0:
                print("every bank detail is sealed with the current key: the other keys may be removed")
                return 0
    finally:
        await db.dispose()
    print(f"values were still being sealed with older keys after {MAX_PASSES} passes: run again", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
