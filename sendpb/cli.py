"""``sendpb``: serve, migrate, token, hash-secret, dead-letters, demo, reconcile."""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from kit.logs import configure_logging
from kit.settings import PlatformSettings
from sendpb.runner import BY_NAME, SERVICES, TARGETS


class ConfigurationRefused(Exception):
    """Settings that the checks refuse (e.g. the dev key outside dev mode): one clear line, not a traceback."""


@contextmanager
def _configuring() -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        raise ConfigurationRefused("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None
    except ValueError as exc:
        raise ConfigurationRefused(str(exc)) from None


# How long a served process keeps an idle keep-alive connection open. It must outlast the gateway's own keep-alive
# of its upstream connections (60 s, gateway/upstream.py): were the server to close first (uvicorn's default is
# 5 s), the gateway could send a request on a connection the server is closing at that moment, and the request
# would fail as a 502 (ClientOSError, ServerDisconnectedError), the more often the busier the machine.
KEEP_ALIVE_SECONDS = 75


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    with _configuring():
        app, host, port = _build(args)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on",
                proxy_headers=False, server_header=False, timeout_keep_alive=KEEP_ALIVE_SECONDS)
    return 0


def _build(args: argparse.Namespace) -> tuple[object, str, int]:
    from gateway.settings import GatewaySettings
    from sendpb.runner import build_embedded, build_gateway, build_service

    platform = PlatformSettings()
    configure_logging(platform.log_level, json_logs=platform.log_json)
    if args.target == "all":
        gw = GatewaySettings()
        app = build_embedded(platform, gw).gateway
        host, port = args.host or gw.host, args.port or gw.port
        _banner(host, port, platform)
    elif args.target == "gateway":
        gw = GatewaySettings()
        app, host, port = build_gateway(platform, gw), args.host or gw.host, args.port or gw.port
    else:
        app = build_service(args.target, platform)
        settings = app.state.runtime.settings
        host, port = args.host or settings.host, args.port or settings.port
    return app, host, port


def _banner(host: str, port: int, platform: PlatformSettings) -> None:
    base = f"http://{host}:{port}"
    print(f"""
sendpb is starting on {base} (embedded: every service in this process, SQLite under {platform.data_dir}/,
in-memory event bus).

  Get a token:   curl -s -X POST {base}/oauth/token -d grant_type=client_credentials \\
                      -d client_id=dev-admin -d client_secret=dev-secret
  Health:        curl -s {base}/readyz
  API docs:      {base}/docs   (merged OpenAPI at {base}/openapi.json)
  Dev clients:   dev-admin, dev-casework, dev-finance, dev-icb, dev-other-la (secret: dev-secret)
""", flush=True)


def _migrate(args: argparse.Namespace) -> int:
    from kit.db import Database
    from kit.migrations import upgrade

    platform = PlatformSettings()
    names = [c.name for c in SERVICES] if args.service == "all" else [args.service]

    async def run() -> None:
        for name in names:
            component = BY_NAME[name]
            spec = component.spec()
            db = Database(platform.database_url_for(name, spec.settings_cls().database_url), pool=platform.pool())
            try:
                await upgrade(db.engine, spec.migrations)
                print(f"{name}: migrated to head")
            finally:
                await db.dispose()

    asyncio.run(run())
    return 0


def _token(args: argparse.Namespace) -> int:
    from gateway.app import issuer_from, registry_from
    from gateway.clients import DEV_SECRET
    from gateway.settings import GatewaySettings

    platform = PlatformSettings()
    if not platform.dev:
        print("sendpb token prints dev tokens only; outside dev mode use POST /oauth/token", file=sys.stderr)
        return 2
    gw = GatewaySettings()
    client = registry_from(platform, gw).authenticate(args.client, DEV_SECRET)
    if client is None:
        print(f"unknown dev client {args.client!r}", file=sys.stderr)
        return 2
    print(issuer_from(platform, gw).issue(client_id=client.client_id, scopes=list(client.scopes),
                                          las=list(client.las)))
    return 0


def _hash_secret(args: argparse.Namespace) -> int:
    from gateway.clients import hash_secret

    secret = args.secret or sys.stdin.readline().rstrip("\n")
    print(hash_secret(secret))
    return 0


def _dead_letters(args: argparse.Namespace) -> int:
    from kit.bus import bus_from_settings

    platform = PlatformSettings()
    if not platform.amqp_url:
        print("dead letters live in RabbitMQ; set SENDPB_AMQP_URL", file=sys.stderr)
        return 2

    async def run() -> None:
        bus = bus_from_settings(platform)
        await bus.start()
        try:
            if args.action == "replay":
                print(f"replayed {await bus.replay_dead_letters(args.consumer, args.limit)} message(s)")
            else:
                # Each letter is printed before it is removed from the queue; a body that is not UTF-8 is shown
                # with replacement characters rather than lost.
                await bus.take_dead_letters(args.consumer, args.limit, on_letter=lambda dl: print(
                    f"{dl.routing_key}\tattempts={dl.attempts}\t{dl.reason}\t"
                    f"{dl.body.decode(errors='replace')[:200]}", flush=True))
        finally:
            await bus.close()

    asyncio.run(run())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from sendpb.demo import main as demo

    return asyncio.run(demo(args.url))


def _reconcile(args: argparse.Namespace) -> int:
    import os
    from datetime import date

    import httpx

    from sendpb.reconcile import run

    secret = args.client_secret or os.environ.get("SENDPB_RECONCILE_CLIENT_SECRET")
    if secret is None:
        if not PlatformSettings().dev:
            print("give --client-secret (or SENDPB_RECONCILE_CLIENT_SECRET): the dev secret is for dev mode only",
                  file=sys.stderr)
            return 2
        secret = "dev-secret"
    as_of = date.fromisoformat(args.as_of) if args.as_of else None

    async def go() -> int:
        async with httpx.AsyncClient(base_url=args.url, timeout=60) as client:
            try:
                return await run(client, la=args.local_authority, client_id=args.client_id, client_secret=secret,
                                 as_of=as_of, settle_seconds=args.settle_seconds)
            except httpx.ConnectError:
                print(f"Nothing answers at {args.url}: start the platform first (make run).", file=sys.stderr)
                return 2

    return asyncio.run(go())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sendpb", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the platform, the gateway or one service")
    serve.add_argument("--target", choices=TARGETS, default="all")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=_serve)
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--service", choices=("all", *BY_NAME), default="all")
    migrate.set_defaults(func=_migrate)
    tok = sub.add_parser("token", help="print a dev access token (dev mode only)")
    tok.add_argument("--client", default="dev-admin")
    tok.set_defaults(func=_token)
    hs = sub.add_parser("hash-secret", help="hash a client secret for SENDPB_GATEWAY_CLIENTS")
    hs.add_argument("secret", nargs="?")
    hs.set_defaults(func=_hash_secret)
    dl = sub.add_parser("dead-letters", help="list (and remove) or replay a consumer's dead letters")
    dl.add_argument("action", choices=("take", "replay"))
    dl.add_argument("consumer", choices=tuple(BY_NAME))
    dl.add_argument("--limit", type=int, default=100)
    dl.set_defaults(func=_dead_letters)
    demo = sub.add_parser("demo", help="run the whole journey for a few families against a running platform")
    demo.add_argument("--url", default="http://127.0.0.1:8000")
    demo.set_defaults(func=_demo)
    rec = sub.add_parser("reconcile", help="compare the services' books for an LA; exit 1 on any difference",
                         description="Compare, through each service's finance totals, what should agree: payments "
                                     "issued less returns against payment postings, confirmed recoveries against "
                                     "recovery postings, contract releases less returns against released postings, "
                                     "bank files against runs, and no stream's available money below zero. A "
                                     "difference counts only if it persists over the settle period. Exit 0 when "
                                     "clean, 1 on a difference, 2 when the totals cannot be read.")
    rec.add_argument("--local-authority", required=True, help="ONS code, e.g. E06000060")
    rec.add_argument("--as-of", help="only movements recorded on or before this date (YYYY-MM-DD, UTC)")
    rec.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway")
    rec.add_argument("--client-id", default="dev-finance", help="an OAuth client with scope finance or read")
    rec.add_argument("--client-secret", help="its secret (or SENDPB_RECONCILE_CLIENT_SECRET; dev-secret in dev)")
    rec.add_argument("--settle-seconds", type=float, default=10.0,
                     help="how long a difference must persist before it counts (read again every 2 s)")
    rec.set_defaults(func=_reconcile)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigurationRefused as exc:
        print(f"sendpb {args.command}: refusing to start: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
