"""Money as people read it. Amounts are integer pence everywhere; this is the one place they become pounds."""
from __future__ import annotations


def pounds(pence: int) -> str:
    """``123456`` → ``£1,234.56``; negative amounts keep their sign in front (``-£0.05``). Integer arithmetic only."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def decimal_pounds(pence: int) -> str:
    """``123456`` → ``1234.56``, as finance systems import amounts: no £ sign, no thousands separator, two decimals
    (``-0.05`` for a negative amount). Integer arithmetic only."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}{whole}.{part:02d}"
