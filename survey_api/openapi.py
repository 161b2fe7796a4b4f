"""The error answers of every operation in the OpenAPI document, all with the one ``ErrorBody`` schema.

Which statuses an operation can answer follows from its own entry in the document: a security requirement (a
bearer token) gives 401 and 403; parameters, a body or a write give 404 (something named does not exist), 409
(the state does not allow it, e.g. a plan not drawn yet) and 422; a body gives 413 (and 400 when it is a form
that cannot be parsed); statuses a route lists
itself keep their description, and ``extra`` adds others (e.g. 410 for switched-off QR links). FastAPI's own
422 schema (``HTTPValidationError``) is replaced: the handler in ``app.py`` answers with ``ErrorBody``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI

from survey_api.errors import ErrorBody

DESCRIPTIONS = {
    400: "The form or upload cannot be parsed",
    401: "No valid token (`Authorization: Bearer <token>`)",
    403: "The token's role may not do this",
    404: "Something named in the request does not exist",
    409: "The request contradicts what is stored",
    410: "The QR link was replaced or switched off",
    413: "The request body is larger than the server takes",
    422: "The request is not valid; `errors` names each problem",
    429: "Too many requests; try again after `Retry-After` seconds",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}, "required": True}},
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}, "required": True}},
}
_REF = "#/components/schemas/ErrorBody"
_WRITES = {"post", "put", "patch", "delete"}
_METHODS = {"get", "head", "post", "put", "patch", "delete", "options", "trace"}
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def error_statuses(method: str, operation: Mapping[str, Any]) -> set[int]:
    """The 4xx statuses an operation (``method`` in lower case) can answer."""
    listed = {int(s) for s in operation.get("responses", {}) if s.isdigit() and 400 <= int(s) < 500}
    body = operation.get("requestBody")
    statuses = set(listed)
    if operation.get("security"):
        statuses |= {401, 403}
    if operation.get("parameters") or body or method in _WRITES:
        statuses |= {404, 409, 422}
    if body:
        statuses.add(413)
        if any(kind in body.get("content", {}) for kind in _FORMS):
            statuses.add(400)
    return statuses


def document_errors(app: FastAPI, extra: Mapping[tuple[str, str], set[int]]) -> None:
    """Make ``app.openapi()`` list every error status of every operation with the ``ErrorBody`` schema.

    ``extra`` maps (method, path), e.g. ``("GET", "/api/v1/things/{id}")``, to further statuses.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                if isinstance(operation, dict) and "responses" in operation:
                    statuses = error_statuses(method, operation) | extra.get((method.upper(), path), set())
                    _add_errors(operation["responses"], statuses)
        _add_schemas(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_errors(responses: dict[str, Any], statuses: set[int]) -> None:
    for status in sorted(statuses):
        entry = responses.setdefault(str(status), {"description": DESCRIPTIONS.get(status, "Error")})
        entry["content"] = {"application/json": {"schema": {"$ref": _REF}}}
        if status in _HEADERS:
            entry["headers"] = _HEADERS[status]


def _add_schemas(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components["ErrorBody"] = body
    if "#/components/schemas/HTTPValidationError" not in json.dumps(schema["paths"]):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)


def allowed_methods(schema: Mapping[str, Any], path: str) -> list[str]:
    """The methods the document lists for the paths ``path`` matches, for a 405's ``Allow``."""
    methods: set[str] = set()
    for template, operations in schema.get("paths", {}).items():
        parts = re.split(r"(\{[^}/]+\})", template)
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
        if re.fullmatch(pattern, path):
            methods |= {method.upper() for method in operations if method in _METHODS}
    return sorted(methods)
