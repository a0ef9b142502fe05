from pathlib import Path

from fastapi import FastAPI

from kit.bus import Bus
from kit.service import ServiceSpec, build_app
from kit.settings import PlatformSettings
from services.eligibility.events import OWNED
from services.eligibility.routers import requests
from services.eligibility.settings import EligibilitySettings

SPEC = ServiceSpec(
    name="eligibility",
    prefix="eligibility",
    title="sendpb Eligibility",
    description="Who may have a personal budget, for which funding streams, under which arrangements, "
                "with reasons (ELIG-01..11).",
    migrations=Path(__file__).parent / "migrations",
    settings_cls=EligibilitySettings,
    routers=[requests.router],
    owned_events=OWNED,
    publishes=("eligibility.request_decided.v1",),
)


def create_app(platform: PlatformSettings, *, settings: EligibilitySettings | None = None,
               bus: Bus | None = None, manage_runtime: bool = True) -> FastAPI:
    return build_app(SPEC, platform, settings=settings, bus=bus, manage_runtime=manage_runtime)
