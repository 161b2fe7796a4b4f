"""The interactive API documentation (`/docs`, Swagger UI; `/redoc`, ReDoc) served from local files.

FastAPI's own pages load their viewers from a CDN with inline script: blank on a provincial intranet and
outside the strict policy. Here the viewers' builds come from the ``fastapi_offline`` package (which ships
them) and the pages start them from a script file of ours, so no inline script and no other host is needed.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
VENDOR = f"{ASSETS}/vendor"
_OURS = Path(__file__).parent / "docs_assets"
_VENDORED = Path(fastapi_offline.__file__).parent / "static"

_SWAGGER = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} – API</title><link rel="icon" href="{VENDOR}/favicon.png">
<link rel="stylesheet" href="{VENDOR}/swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec="{{spec}}"></div>
<script src="{VENDOR}/swagger-ui-bundle.js"></script><script src="{ASSETS}/swagger-start.js"></script></body></html>
"""
_REDOC = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} – API</title><link rel="icon" href="{VENDOR}/favicon.png"></head>
<body><redoc spec-url="{{spec}}"></redoc><script src="{VENDOR}/redoc.standalone.js"></script></body></html>
"""


def install_api_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` for ``app`` (created with ``docs_url=None, redoc_url=None``)."""
    spec = app.openapi_url or "/openapi.json"
    swagger = _SWAGGER.format(title=app.title, spec=spec)
    redoc = _REDOC.format(title=app.title, spec=spec)
    app.mount(VENDOR, StaticFiles(directory=_VENDORED), name="docs-vendor")
    app.mount(ASSETS, StaticFiles(directory=_OURS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger)

    @app.get("/redoc", include_in_schema=False)
    async def redoc_page() -> HTMLResponse:
        return HTMLResponse(redoc)
