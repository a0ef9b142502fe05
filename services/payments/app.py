from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI

from kit.bus import Bus
from kit.jobs import Job
from kit.service import ServiceSpec, build_app
from kit.settings import PlatformSettings
from services.payments import audits_router, finance_router, router, runs_router
from services.payments.events import OWNED, PUBLISHED
from services.payments.handlers import consumers
from services.payments.service import runs
from services.payments.service.notices import apply_due_notices
from services.payments.settings import PaymentsSettings

SPEC = ServiceSpec(
    name="payments",
    prefix="payments",
    title="sendpb Payments",
    description=("Direct payments: agreements, schedules, payment runs, bank files, audits and fair recovery "
                 "(PAY-01..09)."),
    migrations=Path(__file__).parent / "migrations",
    settings_cls=PaymentsSettings,
    routers=[router.router, runs_router.router, audits_router.router, finance_router.router],
    consumers=consumers,
    jobs=(Job("apply-due-notices", apply_due_notices, every_seconds=300),),
    owned_events=OWNED,
    publishes=tuple(PUBLISHED),
)


def create_app(platform: PlatformSettings, *, settings: PaymentsSettings | None = None,
               bus: Bus | None = None, manage_runtime: bool = True) -> FastAPI:
    # The keyring is built here, so a service outside dev mode without its keys refuses to start.
    settings = (settings or PaymentsSettings()).bound_to(platform)
    # Payment runs are taken over by a job whose period is a setting, so it joins the spec here.
    spec = replace(SPEC, jobs=(*SPEC.jobs, runs.takeover_job(settings)))
    return build_app(spec, platform, settings=settings, bus=bus, manage_runtime=manage_runtime)
