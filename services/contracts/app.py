from pathlib import Path

from fastapi import FastAPI

from kit.bus import Bus
from kit.service import ServiceSpec, build_app
from kit.settings import PlatformSettings
from services.contracts.events import OWNED
from services.contracts.handlers import consumers
from services.contracts.routers import children, contracts, evidence, family_links, family_pages, finance, transfers
from services.contracts.settings import ContractsSettings

SPEC = ServiceSpec(
    name="contracts",
    prefix="contracts",
    title="sendpb Contracts",
    description=("Block contracts made flexible: unit prices, releases into personal budgets, reviews, "
                 "family summaries, evidence of delivery, the children each contract serves (CON-01..10)."),
    migrations=Path(__file__).parent / "migrations",
    settings_cls=ContractsSettings,
    # fixed paths first (/family/{token}: a family's signed link, before /{contract_id}/...)
    routers=[finance.router, evidence.router, transfers.router, children.router, family_pages.router,
             contracts.router, family_links.router],
    consumers=consumers,
    owned_events=OWNED,
    publishes=("contracts.funds_released.v1", "contracts.funds_returned.v1"),
)


def create_app(platform: PlatformSettings, *, settings: ContractsSettings | None = None,
               bus: Bus | None = None, manage_runtime: bool = True) -> FastAPI:
    # The family-link key is built here, so a service outside dev mode without its secret refuses to start.
    settings = (settings or ContractsSettings()).bound_to(platform)
    return build_app(SPEC, platform, settings=settings, bus=bus, manage_runtime=manage_runtime)
