from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from kit.bus import Bus
from kit.errors import AppError, Conflict, InvalidInput, RuleViolation, problem
from kit.jobs import Job
from kit.service import ServiceSpec, build_app
from kit.settings import PlatformSettings
from services.payments.domain.errors import Invalid, NotNow, Refusal, Refused
from services.payments.events import OWNED, PUBLISHED
from services.payments.handlers import consumers
from services.payments.routers import ROUTERS
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
    routers=ROUTERS,
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
    app = build_app(spec, platform, settings=settings, bus=bus, manage_runtime=manage_runtime)
    app.add_exception_handler(Refusal, _refused)
    return app


_AS = {Refused: RuleViolation, NotNow: Conflict, Invalid: InvalidInput}


async def _refused(request: Request, exc: Refusal) -> JSONResponse:
    """The domain's refusals as the problem+json kit gives its own errors: a rule's refusal is a 409
    rule-violation, a move the state does not allow a 409 conflict, a value refused a 422 naming its field."""
    error: AppError = _AS[type(exc)](exc.detail, rule=exc.rule, errors=exc.errors, **exc.extra)
    return problem(error.status, error.slug, error.title, error.detail, instance=request.url.path,
                   rule=error.rule, errors=error.errors, **error.extra)
