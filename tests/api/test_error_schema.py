"""One documented error body for every 4xx: ``/openapi.json`` lists each operation's error statuses with the
``ErrorBody`` schema (FastAPI's own ``HTTPValidationError`` is gone), and the answers have that shape."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from survey_api.errors import ErrorBody

METHODS = {"get", "post", "put", "patch", "delete"}
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_every_error_status_of_every_operation_has_the_error_body_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert schema["components"]["schemas"]["ErrorBody"]["required"] == ["detail"]
    found = operations(schema)
    assert len(found) > 40
    for method, path, operation in found:
        errors = {s: r for s, r in operation["responses"].items() if s.startswith("4")}
        for status, entry in errors.items():
            assert entry["content"]["application/json"]["schema"] == ERROR_BODY, (method, path, status)
        if operation.get("security"):
            assert {"401", "403"} <= errors.keys(), (method, path)
            assert errors["401"]["headers"]["WWW-Authenticate"]["required"] is True
        if operation.get("parameters") or operation.get("requestBody"):
            assert {"404", "422"} <= errors.keys(), (method, path)
        if operation.get("requestBody"):
            assert "413" in errors, (method, path)


def test_the_documented_statuses_of_some_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    batch = paths["/api/v1/responses/batch"]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "413", "422"} <= batch.keys()
    assert "Retry-After" in paths["/api/v1/auth/token"]["post"]["responses"]["429"]["headers"]
    frames = paths["/api/v1/plans/{plan_id}/frames"]["post"]["responses"]
    assert "400" in frames  # a multipart body that cannot be parsed


def test_error_answers_have_that_shape(client: TestClient, token_for: Any) -> None:
    admin = token_for("admin")
    answers = [
        client.get("/api/v1/plans"),  # 401
        client.get("/api/v1/plans", headers=token_for("volunteer")),  # 403
        client.get("/api/v1/plans/7", headers=admin),  # 404 from the service
        client.get("/api/v1/plans/99999999999", headers=admin),  # 404: no such id can exist
        client.get("/api/v1/nowhere"),  # 404 from the router
        client.post("/api/v1/plans", json={"name": 1}, headers=admin),  # 422
        client.request("PATCH", "/api/v1/plans", headers=admin),  # 405
    ]
    assert [a.status_code for a in answers] == [401, 403, 404, 404, 404, 422, 405]
    for answer in answers:
        ErrorBody.model_validate(answer.json())
    assert answers[0].headers["WWW-Authenticate"] == "Bearer"


def test_a_405_allows_every_method_of_the_path(client: TestClient, token_for: Any) -> None:
    reply = client.request("PATCH", "/api/v1/assignments", headers=token_for("admin"))
    assert reply.status_code == 405
    assert reply.headers["Allow"] == "GET, POST"
