"""/docs and /redoc work on a network without the internet: a real headless Chromium (Debian's ``chromium``, which
.ci/run installs, driven by Playwright) loads them from a running embedded gateway with every request to a host
other than 127.0.0.1 refused, and the operations are rendered. Without Chromium or Playwright the test skips with
the reason, and fails under SENDPB_REQUIRE_SERVICES=1."""
from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from gateway.settings import GatewaySettings
from kit.settings import PlatformSettings
from kit.testing import unavailable
from sendpb.runner import build_embedded

OPERATION = ("/v1/budgets/{budget_id}", "get")  # an operation of a service, as the merged document has it


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    unavailable("no chromium on PATH (Debian's package `chromium`; .ci/run installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def running_gateway(tmp_path):
    """The embedded platform behind a real socket on 127.0.0.1 (uvicorn, as `make run` serves it)."""
    import uvicorn

    embedded = build_embedded(PlatformSettings(data_dir=tmp_path, log_json=False), GatewaySettings())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(embedded.gateway, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(300):
            if server.started or task.done():
                break
            await asyncio.sleep(0.05)
        assert server.started, "the gateway did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@contextlib.asynccontextmanager
async def offline_browser():
    """A headless Chromium page on which every request to a host other than 127.0.0.1 is refused (and noted)."""
    executable = chromium_path()
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("the Python package playwright is not installed (pyproject.toml dev dependencies)")
    refused: list[str] = []  # requests for elsewhere
    blocked: list[str] = []  # what the page's own policy (kit.docs.CSP) kept it from loading
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, headless=True,
                                          args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = await browser.new_page()

            async def only_here(route):
                if urlsplit(route.request.url).hostname == "127.0.0.1":
                    await route.continue_()
                else:
                    refused.append(route.request.url)
                    await route.abort("internetdisconnected")

            await page.route("**/*", only_here)
            page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
            yield page, refused
            # Only an image may be held back (ReDoc's vendor logo, which hides itself): a script, style, worker or
            # fetch the policy blocked would be a page that does not work.
            assert [m for m in blocked if not m.startswith("Loading the image")] == []
        finally:
            await browser.close()


@pytest.fixture
async def gateway_url(tmp_path):
    async with running_gateway(tmp_path) as url:
        yield url


async def summary_of_operation(base: str) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        doc = (await client.get("/openapi.json")).json()
    path, method = OPERATION
    return doc["paths"][path][method]["summary"]


async def test_swagger_ui_renders_the_operations_with_the_network_cut_off(gateway_url):
    summary = await summary_of_operation(gateway_url)
    async with offline_browser() as (page, refused):
        response = await page.goto(f"{gateway_url}/docs")
        assert response.status == 200
        path, method = OPERATION
        operation = page.locator(f'.opblock-{method} .opblock-summary-path[data-path="{path}"]')
        await operation.first.wait_for(timeout=30_000)
        assert await page.get_by_text(summary, exact=True).count() >= 1
        assert await page.locator(".opblock").count() > 50, "every service's operations, not one"
    assert refused == [], f"the page reached for the internet: {refused}"


async def test_redoc_renders_the_operations_with_the_network_cut_off(gateway_url):
    summary = await summary_of_operation(gateway_url)
    async with offline_browser() as (page, refused):
        response = await page.goto(f"{gateway_url}/redoc")
        assert response.status == 200
        # The operation's heading in the reference (the menu's entry for it is there too, collapsed).
        await page.locator("h2", has_text=summary).first.wait_for(state="attached", timeout=60_000)
    assert refused == [], f"the page reached for the internet: {refused}"


async def test_each_service_serves_its_own_docs_from_the_package(platform):
    budget = platform.embedded.apps["budget"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=budget), base_url="http://budget") as client:
        for page in ("/docs", "/redoc"):
            html = (await client.get(page)).text
            assert "http://" not in html and "https://" not in html, page
        bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
        assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("text/javascript")
        assert len(bundle.content) > 100_000
        missing = await client.get("/docs/assets/secrets.txt")
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
