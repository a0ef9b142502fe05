"""Swagger UI (``/docs``) and ReDoc (``/redoc``) served with their assets from an installed package, never a CDN:
councils' networks often have no way out to the internet. The assets are those the pinned ``fastapi-offline``
package ships (Swagger UI's bundle and stylesheet, ReDoc's standalone bundle)."""
from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response

from kit.errors import problem

ASSETS = files("fastapi_offline") / "static"
ASSET_TYPES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
               "redoc.standalone.js": "text/javascript", "favicon.png": "image/png"}
STATIC = "/docs/assets"
# The pages may load nothing from elsewhere: ReDoc's bundle shows a logo from its vendor's CDN in its menu, and the
# browser would otherwise try to fetch it (the image then hides itself). Inline scripts and styles are the pages'
# own start-up code; ReDoc compiles schemas (eval) and searches in a worker made from a blob.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
       "frame-ancestors 'none'")


def docs_router(*, title: str, openapi_url: str = "/openapi.json") -> APIRouter:
    """``/docs``, ``/docs/oauth2-redirect``, ``/redoc`` and the assets under ``/docs/assets/``: plain routes, like
    FastAPI's own docs pages, public and outside the API (no dependencies, no scopes, not in the OpenAPI)."""
    router = APIRouter()
    # Read once: a handful of files that never change while the process runs.
    assets = {name: (ASSETS / name).read_bytes() for name in ASSET_TYPES}

    def root(request: Request) -> str:
        return request.scope.get("root_path", "")

    def confined(page: HTMLResponse) -> HTMLResponse:
        page.headers["content-security-policy"] = CSP
        return page

    async def swagger_ui(request: Request) -> HTMLResponse:
        base = root(request)
        return confined(get_swagger_ui_html(
            openapi_url=base + openapi_url, title=f"{title} - Swagger UI",
            oauth2_redirect_url=base + "/docs/oauth2-redirect",
            swagger_js_url=f"{base}{STATIC}/swagger-ui-bundle.js", swagger_css_url=f"{base}{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{base}{STATIC}/favicon.png",
            # No badge from the public validator (a request to the internet with the document in it).
            swagger_ui_parameters={"validatorUrl": None}))

    async def oauth2_redirect(_request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        base = root(request)
        return confined(get_redoc_html(openapi_url=base + openapi_url, title=f"{title} - ReDoc",
                                       redoc_js_url=f"{base}{STATIC}/redoc.standalone.js",
                                       redoc_favicon_url=f"{base}{STATIC}/favicon.png", with_google_fonts=False))

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in assets:
            return problem(404, "not-found", "Not found", f"no documentation asset {name!r}")
        return Response(assets[name], media_type=ASSET_TYPES[name],
                        headers={"cache-control": "public, max-age=86400"})

    for path, endpoint in (("/docs", swagger_ui), ("/docs/oauth2-redirect", oauth2_redirect), ("/redoc", redoc),
                           (STATIC + "/{name}", asset)):
        router.add_route(path, endpoint, methods=["GET", "HEAD"], include_in_schema=False)
    return router
