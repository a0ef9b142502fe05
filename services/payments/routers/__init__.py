"""The payments API, one module per resource: agreements (with their payee, amount, schedule, payments and ledger),
their notices, payment runs, audits, recoveries and finance totals. ``app.py`` mounts ``ROUTERS``."""
from services.payments.routers import (
    agreements,
    audits,
    family_links,
    family_pages,
    finance,
    journal,
    notices,
    recoveries,
    repayments,
    runs,
)

ROUTERS = [agreements.router, notices.router, runs.router, audits.router, recoveries.router, finance.router,
           journal.router, repayments.router, family_pages.router, family_links.router]
