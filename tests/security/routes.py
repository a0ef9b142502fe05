"""The route table of every service, with the scopes each route requires (read from its dependencies)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.routing import APIRoute, iter_route_contexts

from kit.settings import PlatformSettings
from sendpb.runner import SERVICES

PUBLIC = {"/healthz", "/readyz", "/metrics", "/asyncapi.json"}


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    scopes: frozenset[str] | None   # None: no scope check found

    def url(self, **ids: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "00000000-0000-4000-8000-000000000000"),
                      self.path)


def _scopes(dependant) -> frozenset[str] | None:
    found = getattr(dependant.call, "required_scopes", None)
    if found is not None:
        return found
    for sub in dependant.dependencies:
        inner = _scopes(sub)
        if inner is not None:
            return inner
    return None


def route_table(tmp_path) -> list[Route]:
    platform = PlatformSettings(data_dir=tmp_path)
    table = []
    for component in SERVICES:
        app = component.create_app(platform)
        for ctx in iter_route_contexts(app.routes):
            route = ctx.route
            if not isinstance(route, APIRoute) or "/" + ctx.path.split("/")[-1] in PUBLIC:
                continue
            for method in sorted(ctx.methods - {"HEAD"}):
                table.append(Route(component.name, method, ctx.path, _scopes(route.dependant)))
    return table
