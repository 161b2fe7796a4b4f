"""Who may post answers through the API, and who sets the channel."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from survey_api.db.base import utcnow
from survey_api.db.models import ApiToken, Response, User
from tests.api.helpers import instrument, submission
from tests.conftest import Db

Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def sipas(client: TestClient, official: dict[str, int]) -> dict[str, Any]:
    return instrument(client, "sipas")


def stored(db: Db) -> list[Response]:
    with db() as session:
        return list(session.scalars(select(Response)))


def test_anonymous_and_non_collecting_roles_cannot_post(
    client: TestClient, sipas: dict[str, Any], token_for: Headers, db: Db
) -> None:
    assert client.post("/api/v1/responses", json=submission(sipas)).status_code == 401
    bad = client.post("/api/v1/responses", json=submission(sipas), headers={"Authorization": "Bearer svy_forged"})
    assert bad.status_code == 401
    for role in ("analyst", "unit_manager"):
        reply = client.post("/api/v1/responses", json=submission(sipas), headers=token_for(role))
        assert reply.status_code == 403, role
    assert stored(db) == []


@pytest.mark.parametrize(("role", "channel"), [("admin", "paper"), ("volunteer", "tablet")])
def test_the_server_sets_the_channel(
    client: TestClient, sipas: dict[str, Any], token_for: Headers, db: Db, role: str, channel: str
) -> None:
    body = submission(sipas, channel="qr")  # a client claiming a QR answer is not believed
    reply = client.post("/api/v1/responses", json=body, headers=token_for(role))
    assert reply.status_code == 201, reply.text
    assert reply.json()["channel"] == channel
    [row] = stored(db)
    assert row.channel == channel


def test_a_crowd_of_posts_cannot_move_the_index_without_tokens(
    client: TestClient, sipas: dict[str, Any], desks: None, db: Db
) -> None:
    for _ in range(20):
        body = submission(sipas, service_point="d1-desk", id=str(uuid.uuid4()))
        assert client.post("/api/v1/responses", json=body).status_code == 401
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0


def test_a_database_outage_is_503_with_retry_after(
    client: TestClient, sipas: dict[str, Any], token_for: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from survey_api.collection import service

    def outage(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("INSERT …", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(service, "prepare", outage)
    reply = client.post("/api/v1/responses", json=submission(sipas), headers=token_for("volunteer"))
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "2"
    assert "send the same request again" in reply.json()["detail"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("revoked", "unknown or revoked"),
        ("expired", "has expired"),
        ("disabled", "disabled"),
    ],
)
def test_a_token_that_no_longer_holds_cannot_post(
    client: TestClient, sipas: dict[str, Any], token_for: Headers, db: Db, change: str, message: str
) -> None:
    headers = token_for("volunteer")
    with db() as session:
        token = session.scalars(select(ApiToken)).one()
        if change == "revoked":
            token.revoked_at = utcnow()
        elif change == "expired":
            token.expires_at = utcnow() - timedelta(seconds=1)
        else:
            session.get_one(User, token.user_id).active = False
    reply = client.post("/api/v1/responses", json=submission(sipas), headers=headers)
    assert reply.status_code == 401 and message in reply.json()["detail"]
    assert reply.headers["WWW-Authenticate"] == "Bearer"
    assert stored(db) == []


def test_a_submission_takes_one_connection_and_one_commit(
    client: TestClient, sipas: dict[str, Any], token_for: Headers
) -> None:
    """The token is read on the connection the answer is written on: a crowd waits for no second checkout."""
    headers = token_for("volunteer")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def checkout(*_args: Any) -> None:
        seen.append("checkout")

    def commit(*_args: Any) -> None:
        seen.append("commit")

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "commit", commit)
    try:
        reply = client.post("/api/v1/responses", json=submission(sipas), headers=headers)
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "commit", commit)
    assert reply.status_code == 201, reply.text
    assert seen == ["checkout", "commit"]
