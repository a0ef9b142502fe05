from pathlib import Path

from fastapi import FastAPI

from kit.bus import Bus
from kit.jobs import Job
from kit.service import ServiceSpec, build_app
from kit.settings import PlatformSettings
from services.budget.events import OWNED, PUBLISHED
from services.budget.handlers import consumers
from services.budget.routers import (
    audit,
    budgets,
    categories,
    disputes,
    family_links,
    family_pages,
    finance,
    handover,
    health_funding,
    ledger,
    local_offer,
    panel,
    provision,
    reports,
    reviews,
    sen2_return,
    variations,
)
from services.budget.service.planning import close_ended_budgets
from services.budget.service.variations import apply_due_reductions
from services.budget.settings import BudgetSettings

SPEC = ServiceSpec(
    name="budget",
    prefix="budgets",
    title="sendpb Budget",
    description="One pooled budget per child per plan across education, health and social care (BUD-01..15).",
    migrations=Path(__file__).parent / "migrations",
    settings_cls=BudgetSettings,
    # Starlette matches routes in the order they are mounted: the routers holding fixed paths (/reviews, /sen2,
    # /provision-categories, /finance/totals) come before budgets' GET /{budget_id}, which would otherwise take them.
    # Fixed paths first, so they win over /{budget_id}: /local-offer/{local_authority} (BUD-15, public: the gateway
    # lets it through without a token) and /family/{token} (a family's signed link).
    routers=[reviews.router, reports.router, sen2_return.router, categories.router, local_offer.router, finance.router,
             family_pages.router, handover.router, budgets.router, health_funding.router, provision.router,
             panel.router, ledger.router, variations.router, audit.router, disputes.router, family_links.router],
    consumers=consumers,
    jobs=(Job("apply-due-reductions", apply_due_reductions, every_seconds=300),
          Job("close-ended-budgets", close_ended_budgets, every_seconds=300)),
    owned_events=OWNED,
    publishes=tuple(PUBLISHED),
)


def create_app(platform: PlatformSettings, *, settings: BudgetSettings | None = None, bus: Bus | None = None,
               manage_runtime: bool = True) -> FastAPI:
    # The family-link key is built here, so a service outside dev mode without its secret refuses to start.
    settings = (settings or BudgetSettings()).bound_to(platform)
    return build_app(SPEC, platform, settings=settings, bus=bus, manage_runtime=manage_runtime)
