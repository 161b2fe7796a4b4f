"""The full application: the JSON API plus the HTML pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from survey_api.app import create_app as create_api_app
from survey_api.logging_config import install_filters
from survey_api.settings import Settings
from survey_web.posters import router as posters_router
from survey_web.public_results import router as public_results_router
from survey_web.respond import router as respond_router
from survey_web.routes import router
from survey_web.staff import router as staff_router
from survey_web.staff.admin import router as admin_router
from survey_web.tablet import router as tablet_router


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API from ``survey_api`` with the web pages mounted on it."""
    app = create_api_app(settings)
    install_filters()  # also when served by a plain `uvicorn` with its own logging configuration
    # Level 1: a 1M-row CSV export compresses about 4x at level 1 but takes 25x longer at Starlette's default 9
    # for a few per cent more; pages are small either way.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=1)
    app.include_router(router)
    app.include_router(respond_router)
    app.include_router(posters_router)
    app.include_router(tablet_router)
    app.include_router(staff_router)
    app.include_router(admin_router)
    app.include_router(public_results_router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app
