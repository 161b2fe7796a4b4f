"""The API application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from survey_api.auth.router import router as auth_router
from survey_api.collection.router import router as collection_router
from survey_api.db.engine import make_engine, make_sessionmaker
from survey_api.db.models.instruments import PublishedVersionImmutable
from survey_api.errors import DomainError, TooManyRequests
from survey_api.estimates.router import router as estimates_router
from survey_api.exports.router import router as exports_router
from survey_api.feedback.router import router as feedback_router
from survey_api.fieldwork.router import router as fieldwork_router
from survey_api.imports.router import router as imports_router
from survey_api.instruments.loader import InstrumentFileError
from survey_api.instruments.router import router as instruments_router
from survey_api.margins.router import router as margins_router
from survey_api.plans.router import router as plans_router
from survey_api.qr.router import router as qr_router
from survey_api.settings import Settings, get_settings
from survey_api.units.router import router as units_router


def create_app(settings: Settings | None = None) -> FastAPI:
    """The JSON API, bound to the database named in ``settings``."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Citizen satisfaction survey platform",
        version="0.1.0",
        lifespan=lifespan,
        description="Instruments, responses and satisfaction indices (SIPAS, health, education).",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in (auth_router, units_router, instruments_router, collection_router, estimates_router):
        app.include_router(router)
    app.include_router(fieldwork_router)
    app.include_router(qr_router)
    app.include_router(feedback_router)
    app.include_router(imports_router)
    app.include_router(margins_router)
    app.include_router(plans_router)
    app.include_router(exports_router)
    _add_error_handlers(app)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        body: dict[str, Any] = {"detail": exc.detail}
        if exc.errors:
            body["errors"] = exc.errors
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    @app.exception_handler(InstrumentFileError)
    async def instrument_error(_request: Request, exc: InstrumentFileError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(PublishedVersionImmutable)
    async def immutable(_request: Request, exc: PublishedVersionImmutable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"item": _location(error["loc"]), "problem": str(error["msg"])} for error in exc.errors()]
        summary = "; ".join(f"{e['item']}: {e['problem']}" for e in errors)
        return JSONResponse({"detail": f"the request is not valid: {summary}", "errors": errors}, status_code=422)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path")]
    return ".".join(parts) or "body"
