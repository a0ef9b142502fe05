"""After a key rotation, re-seal every bank detail with the current key, so the old key can be removed:

    SENDPB_PAYMENTS_ENCRYPTION_KEYS='{"2026-01": "...", "2026-07": "..."}' SENDPB_PAYMENTS_ENCRYPTION_KEY_ID=2026-07 \\
        python -m services.payments.rekey

with the service's own settings (database, keys). It repeats its pass until one re-seals nothing (a payment run
running meanwhile copies values an earlier chunk had not reached yet), then says the old keys may go."""
from __future__ import annotations

import asyncio
import sys

from kit.db import Database
from kit.settings import PlatformSettings
from services.payments.service.keys import reseal
from services.payments.settings import PaymentsSettings

MAX_PASSES = 5


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
