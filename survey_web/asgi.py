"""The full application: the JSON API plus the HTML pages."""

from __future__ import annotations

from fastapi import FastAPI

from survey_api.app import create_app as create_api_app
from survey_api.settings import Settings
from survey_web.routes import router


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API from ``survey_api`` with the web pages mounted on it."""
    app = create_api_app(settings)
    app.include_router(router)
    return app
