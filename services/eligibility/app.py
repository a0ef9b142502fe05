from pathlib import Path

from fastapi import FastAPI

from kit.bus import Bus
from kit.jobs import Job
from kit.service import ServiceSpec, build_app
from kit.settings import PlatformSettings
from services.eligibility.events import OWNED, PUBLISHED
from services.eligibility.routers import adulthood, family_links, family_pages, requests
from services.eligibility.service import announce_adulthood
from services.eligibility.settings import EligibilitySettings

SPEC = ServiceSpec(
    name="eligibility",
    prefix="eligibility",
    title="sendpb Eligibility",
    description="Who may have a personal budget, for which funding streams, under which arrangements, "
                "with reasons (ELIG-01..14).",
    migrations=Path(__file__).parent / "migrations",
    settings_cls=EligibilitySettings,
    routers=[requests.router, adulthood.router, family_links.router, family_pages.router],
    owned_events=OWNED,
    publishes=tuple(PUBLISHED),
    # ELIG-14: tell adult social care before 18; hourly is ample for a window of months.
    jobs=(Job("announce-adulthood", announce_adulthood, every_seconds=3600),),
)


def create_app(platform: PlatformSettings, *, settings: EligibilitySettings | None = None,
               bus: Bus | None = None, manage_runtime: bool = True) -> FastAPI:
    settings = (settings or EligibilitySettings()).bound_to(platform)
    return build_app(SPEC, platform, settings=settings, bus=bus, manage_runtime=manage_runtime)
