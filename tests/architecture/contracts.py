"""The import-linter contracts that hold the services' shape (docs/DEVELOPING.md), rendered as import-linter's INI
for some or all of the services, so a failing contract names the service it is about."""
from __future__ import annotations

SERVICES = ("eligibility", "ras", "budget", "payments", "contracts")

# What the domain must not reach, directly or through anything it imports: the web, the database, validation,
# messaging and HTTP libraries.
STACK = ("sqlalchemy", "fastapi", "starlette", "pydantic", "pydantic_settings", "aio_pika", "asyncpg", "aiosqlite",
         "httpx", "aiohttp", "redis")
# The layers of one service, outermost first: a layer may import those below it, never those above.
LAYERS = ("app", "routers | handlers", "service", "repository", "models")
OUTER = ("app", "routers", "handlers", "service", "repository", "models", "schemas", "events", "settings")


def _lines(items) -> str:
    return "".join(f"    {item}\n" for item in items)


def render(services: tuple[str, ...] = SERVICES, *, platform: bool = True) -> str:
    """Contracts for ``services`` (each must have the shape's packages), and, with ``platform``, the ones about the
    platform as a whole: kit imports no service, no service imports another."""
    consumers = [s for s in services if _has_handlers(s)]
    text = ("[importlinter]\nroot_packages =\n    kit\n    services\n    gateway\n    sendpb\n"
            "include_external_packages = True\n")
    if platform:
        text += ("\n[importlinter:contract:independent-services]\n"
                 "name = No service imports another: they talk over REST and events\ntype = independence\n"
                 f"modules =\n{_lines(f'services.{s}' for s in SERVICES)}"
                 "\n[importlinter:contract:kit-imports-no-service]\n"
                 "name = kit imports no service, nor the gateway or the CLI\ntype = forbidden\n"
                 "source_modules =\n    kit\nforbidden_modules =\n    services\n    gateway\n    sendpb\n")
    for s in services:
        edges = ["routers"] + (["handlers"] if s in consumers else [])
        layers = LAYERS if s in consumers else tuple(x.replace(" | handlers", "") for x in LAYERS)
        text += (f"\n[importlinter:contract:{s}-pure-domain]\n"
                 f"name = {s}: domain is pure (no library of the stack, nothing of the service's other layers)\n"
                 f"type = forbidden\nsource_modules =\n    services.{s}.domain\n"
                 f"forbidden_modules =\n{_lines(STACK)}{_lines(f'services.{s}.{m}' for m in OUTER if _exists(s, m))}"
                 f"\n[importlinter:contract:{s}-edges-call-use-cases]\n"
                 f"name = {s}: routers and handlers call use cases (service), never the repository or the tables\n"
                 f"type = forbidden\nsource_modules =\n{_lines(f'services.{s}.{m}' for m in edges)}"
                 f"forbidden_modules =\n    services.{s}.repository\n    services.{s}.models\n"
                 "allow_indirect_imports = True\n"
                 f"\n[importlinter:contract:{s}-layers]\n"
                 f"name = {s}: layered app → routers | handlers → service → repository → models\n"
                 f"type = layers\ncontainers =\n    services.{s}\nlayers =\n{_lines(layers)}")
    return text


def _exists(service: str, module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(f"services.{service}.{module}") is not None


def _has_handlers(service: str) -> bool:
    return _exists(service, "handlers")
