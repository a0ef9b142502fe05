"""Wires the platform. ``--target all`` = gateway + every service in one process, in-process calls, one bus;
``--target <service>`` = that service alone. Which database and bus are used comes from settings only."""
from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kit.settings import PlatformSettings

if TYPE_CHECKING:  # each target imports what it runs: a lone service never loads the gateway, nor a lone gateway
    from gateway.app import Gateway  # the broker's library (their memory, bench/memory.py)
    from gateway.settings import GatewaySettings
    from kit.bus import Bus


@dataclass(frozen=True)
class Component:
    name: str      # service and database name
    prefix: str    # URL prefix under /v1
    module: str

    def create_app(self, platform: PlatformSettings, **kw: Any):
        return importlib.import_module(self.module).create_app(platform, **kw)

    def spec(self):
        return importlib.import_module(self.module).SPEC


SERVICES = (
    Component("eligibility", "eligibility", "services.eligibility.app"),
    Component("ras", "ras", "services.ras.app"),
    Component("budget", "budgets", "services.budget.app"),
    Component("payments", "payments", "services.payments.app"),
    Component("contracts", "contracts", "services.contracts.app"),
)
BY_NAME = {c.name: c for c in SERVICES}
TARGETS = ("all", "gateway", *BY_NAME)


@dataclass
class Embedded:
    """The whole platform in one process."""

    gateway: Gateway
    apps: dict[str, Any]
    bus: Bus

    def runtime(self, service: str):
        return self.apps[service].state.runtime


def build_embedded(platform: PlatformSettings, gateway_settings: GatewaySettings | None = None,
                   *, bus: Bus | None = None) -> Embedded:
    from gateway.app import create_gateway
    from gateway.settings import GatewaySettings
    from gateway.upstream import InProcessUpstream
    from kit.bus import bus_from_settings

    bus = bus or bus_from_settings(platform)
    apps = {c.name: c.create_app(platform, bus=bus, manage_runtime=False) for c in SERVICES}
    upstreams = {c.prefix: InProcessUpstream(c.prefix, apps[c.name]) for c in SERVICES}

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        await bus.start()
        runtimes = [app.state.runtime for app in apps.values()]
        started = []
        try:
            for runtime in runtimes:      # every consumer queue exists before any relay publishes
                await runtime.start()
                started.append(runtime)
            for runtime in runtimes:
                runtime.start_relay()
            yield
        finally:
            for runtime in reversed(started):
                await runtime.stop()
            await bus.close()

    gateway = create_gateway(platform, gateway_settings or GatewaySettings(), upstreams, lifespan=lifespan)
    return Embedded(gateway, apps, bus)


def build_gateway(platform: PlatformSettings, settings: GatewaySettings) -> Gateway:
    """The gateway alone, in front of services running elsewhere."""
    from gateway.app import create_gateway
    from gateway.upstream import HttpUpstream

    upstreams = {prefix: HttpUpstream(prefix, url, timeout=settings.upstream_timeout_seconds,
                                      connections=settings.upstream_connections)
                 for prefix, url in settings.upstreams.items()}
    return create_gateway(platform, settings, upstreams)


def build_service(name: str, platform: PlatformSettings):
    app = BY_NAME[name].create_app(platform)
    if platform.dev and platform.fault_kill_after_publish:
        _kill_after_publish(app.state.runtime, platform.fault_kill_after_publish)
    return app


def _kill_after_publish(runtime: Any, at: int) -> None:
    """Fault injection (SENDPB_FAULT_KILL_AFTER_PUBLISH, dev mode only): the process dies after the relay's
    ``at``-th batch is confirmed by the broker and before its rows are marked sent (``OutboxRelay.after_publish``)."""
    from kit.bus.faults import KillSwitch

    switch = KillSwitch(at, "after the outbox relay published, before it marked the rows sent")
    start_relay = runtime.start_relay

    async def trip() -> None:
        switch.trip()

    def start_relay_with_fault() -> None:
        runtime.relay.after_publish = trip
        start_relay()

    runtime.start_relay = start_relay_with_fault
