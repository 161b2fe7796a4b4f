"""The API application factory."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from survey_api import problems
from survey_api.api_docs import install_api_docs
from survey_api.auth.router import router as auth_router
from survey_api.collection.intake import GroupedIntake
from survey_api.collection.router import router as collection_router
from survey_api.db.engine import make_engine, make_sessionmaker
from survey_api.db.models.instruments import PublishedVersionImmutable
from survey_api.errors import DomainError, TooManyRequests
from survey_api.estimates.router import router as estimates_router
from survey_api.exports.router import router as exports_router
from survey_api.feedback.router import router as feedback_router
from survey_api.fieldwork.router import BATCH_ITEM_LISTS
from survey_api.fieldwork.router import router as fieldwork_router
from survey_api.imports.router import router as imports_router
from survey_api.instruments.loader import InstrumentFileError
from survey_api.instruments.router import router as instruments_router
from survey_api.limits import MB, RequestLimits
from survey_api.margins.router import router as margins_router
from survey_api.openapi import allowed_methods, document_errors
from survey_api.openrosa.router import router as openrosa_router
from survey_api.plans.router import router as plans_router
from survey_api.publications.router import router as publications_router
from survey_api.qr.router import router as qr_router
from survey_api.rankings.router import router as rankings_router
from survey_api.ratelimit import make_limiter
from survey_api.reports.router import router as reports_router
from survey_api.security_headers import SecurityHeaders
from survey_api.settings import Settings, get_settings
from survey_api.units.router import router as units_router
from survey_api.users.router import router as users_router


def create_app(settings: Settings | None = None) -> FastAPI:
    """The JSON API, bound to the database named in ``settings``."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Few worker threads: more only fight over the interpreter lock (and on SQLite the write lock, which
        # a thread waiting for the interpreter holds for longer); waiting requests cost nothing in the loop.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        yield
        engine.dispose()

    app = FastAPI(
        title="Citizen satisfaction survey platform",
        version="0.1.0",
        lifespan=lifespan,
        description="Instruments, responses and satisfaction indices (SIPAS, health, education).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.limiter = make_limiter(engine, settings.redis_url)
    app.state.intake = GroupedIntake(app.state.sessionmaker)

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
    app.include_router(users_router)
    app.include_router(openrosa_router)
    app.include_router(rankings_router)
    app.include_router(publications_router)
    app.include_router(reports_router)
    install_api_docs(app)
    _add_error_handlers(app)
    _add_middleware(app, settings)
    document_errors(app, extra=EXTRA_ERRORS)
    return app


# Error statuses the routes do not show by themselves (see survey_api/openapi.py).
EXTRA_ERRORS: dict[tuple[str, str], set[int]] = {("POST", "/api/v1/auth/token"): {401, 429}}


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Request limits, then security headers on every answer (those of the limits included)."""
    app.add_middleware(
        RequestLimits,
        max_body_bytes=settings.max_body_mb * MB,
        max_upload_bytes=settings.max_upload_mb * MB,
        item_lists=BATCH_ITEM_LISTS,
    )
    app.add_middleware(SecurityHeaders, embed_ancestors=settings.embed_ancestors)


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

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, _exc: OperationalError) -> Response:
        """The database is restarting, unreachable or busy: 503 and a retry, never a 500 (nothing was stored)."""
        return problems.render(
            request.url.path,
            503,
            "the database is unavailable for a moment; send the same request again (it is stored once)",
            message_vi="Hệ thống đang bận trong giây lát. Vui lòng gửi lại sau ít giây.",
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(InstrumentFileError)
    async def instrument_error(_request: Request, exc: InstrumentFileError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(csv.Error)
    async def unreadable_csv(request: Request, exc: csv.Error) -> Response:
        """An uploaded file the csv module cannot read (a field past its size limit, a NUL): 422, not a 500."""
        return problems.render(
            request.url.path,
            422,
            f"the file cannot be read as CSV: {exc}",
            errors=[{"item": "file", "problem": str(exc)}],
            message_vi="Không đọc được tệp CSV.",
        )

    @app.exception_handler(PublishedVersionImmutable)
    async def immutable(_request: Request, exc: PublishedVersionImmutable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        """Starlette's own errors (no route, 405) as JSON; a 405's ``Allow`` names every method of the path."""
        if exc.status_code == 405 and (methods := allowed_methods(app.openapi(), request.url.path)):
            exc = HTTPException(405, exc.detail, headers={**(exc.headers or {}), "Allow": ", ".join(methods)})
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """422 naming each problem; an id or code in the path that cannot exist (``/plans/99999999999``) is 404."""
        found = exc.errors()
        errors = [{"item": _location(error["loc"]), "problem": str(error["msg"])} for error in found]
        summary = "; ".join(f"{e['item']}: {e['problem']}" for e in errors)
        path = request.url.path
        if found and all(error["loc"][:1] == ("path",) for error in found):
            return problems.render(
                path, 404, f"nothing is at {path} ({summary})", errors=errors, message_vi="Không có trang này."
            )
        items = ", ".join(f"«{e['item']}»" for e in errors)
        return problems.render(
            path,
            422,
            f"the request is not valid: {summary}",
            errors=errors,
            message_vi=f"Yêu cầu có giá trị không hợp lệ: {items}. Vui lòng mở lại trang và thử lại.",
        )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path")]
    return ".".join(parts) or "body"
