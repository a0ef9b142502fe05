from pathlib import Path

from fastapi import FastAPI

from kit.bus import Bus
from kit.service import ServiceSpec, build_app
from kit.settings import PlatformSettings
from services.ras.events import ASSESSMENT_COMPLETED, OWNED
from services.ras.handlers import consumers
from services.ras.routers import assessments, models, reassessments
from services.ras.settings import RasSettings

SPEC = ServiceSpec(
    name="ras",
    prefix="ras",
    title="sendpb RAS",
    description="Resource Allocation System: versioned questionnaires, points and an explainable indicative "
                "budget per stream (RAS-01..08); the swift re-assessment a change of circumstances asks for (BUD-12).",
    migrations=Path(__file__).parent / "migrations",
    settings_cls=RasSettings,
    routers=[models.router, assessments.router, reassessments.router],
    consumers=consumers,
    owned_events=OWNED,
    publishes=(ASSESSMENT_COMPLETED,),
)


def create_app(platform: PlatformSettings, *, settings: RasSettings | None = None, bus: Bus | None = None,
               manage_runtime: bool = True) -> FastAPI:
    return build_app(SPEC, platform, settings=settings, bus=bus, manage_runtime=manage_runtime)
