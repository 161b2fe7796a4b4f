"""Tokens expire (staff after SURVEY_TOKEN_TTL_HOURS, volunteers after SURVEY_VOLUNTEER_TOKEN_TTL_HOURS), can be
revoked by whoever presents them, and expired, revoked or disabled accounts' tokens never authenticate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from survey_api.auth.security import token_digest
from survey_api.auth.service import authenticate_token, create_user, issue_token
from survey_api.db.base import utcnow
from survey_api.db.models import ApiToken, User
from survey_api.errors import Unauthorized
from survey_api.settings import Settings
from tests.auth.conftest import PASSWORD, ClientWith, bearer, stored_token
from tests.conftest import Db
from tests.fieldwork.conftest import Person

ME = "/api/v1/auth/me"
TOKEN = "/api/v1/auth/token"


def _within(expires_at: object, hours: int) -> bool:
    assert expires_at is not None
    expected = utcnow() + timedelta(hours=hours)
    return abs((expected - expires_at).total_seconds()) < 120  # type: ignore[operator]


@pytest.mark.parametrize(("role", "hours"), [("admin", 12), ("analyst", 12), ("unit_manager", 12), ("volunteer", 720)])
def test_a_token_lasts_as_long_as_its_role_allows(db: Db, settings: Settings, role: str, hours: int) -> None:
    with db() as session:
        user = create_user(session, username=f"u-{role}", role=role)
        token = issue_token(session, user, "test", settings=settings)
    assert _within(stored_token(db, token).expires_at, hours)


def test_the_lifetimes_come_from_the_settings(db: Db, settings: Settings) -> None:
    changed = settings.model_copy(update={"token_ttl_hours": 2, "volunteer_token_ttl_hours": 48})
    with db() as session:
        staff = issue_token(session, create_user(session, username="a", role="analyst"), "t", settings=changed)
        tablet = issue_token(session, create_user(session, username="v", role="volunteer"), "t", settings=changed)
    assert _within(stored_token(db, staff).expires_at, 2)
    assert _within(stored_token(db, tablet).expires_at, 48)


def test_signing_in_gives_a_token_that_expires(client_with: ClientWith, db: Db, person: Callable[..., Person]) -> None:
    analyst, volunteer = person("analyst", unit=None), person("volunteer")
    with client_with(token_ttl_hours=3, volunteer_token_ttl_hours=100) as client:
        for who, hours in ((analyst, 3), (volunteer, 100)):
            reply = client.post(TOKEN, json={"username": who.username, "password": PASSWORD})
            assert reply.status_code == 200, reply.text
            assert _within(stored_token(db, reply.json()["token"]).expires_at, hours)


def test_an_expired_token_is_refused_with_a_message_to_sign_in_again(
    client: TestClient, db: Db, volunteer: Person
) -> None:
    assert client.get(ME, headers=volunteer.headers).status_code == 200
    with db() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == token_digest(bearer(volunteer.headers)))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    reply = client.get(ME, headers=volunteer.headers)
    assert reply.status_code == 401 and reply.headers["www-authenticate"] == "Bearer"
    assert "expired" in reply.json()["detail"] and "sign in again" in reply.json()["detail"]
    batch = client.post("/api/v1/responses/batch", json={"responses": []}, headers=volunteer.headers)
    assert batch.status_code == 401, "the tablet's sync refuses it too"


def test_revoked_tokens_and_disabled_accounts_never_authenticate(db: Db, volunteer: Person) -> None:
    with db() as session:
        user = session.get(User, volunteer.id)
        assert user is not None
        other = issue_token(session, user, "second")
        session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == token_digest(bearer(volunteer.headers)))
            .values(revoked_at=utcnow())
        )
    with db() as session, pytest.raises(Unauthorized, match="revoked"):
        authenticate_token(session, bearer(volunteer.headers))
    with db() as session:
        assert authenticate_token(session, other).id == volunteer.id
        session.execute(update(User).where(User.id == volunteer.id).values(active=False))
    with db() as session, pytest.raises(Unauthorized, match="disabled"):
        authenticate_token(session, other)


def test_delete_token_revokes_the_token_presented(client: TestClient, db: Db, volunteer: Person) -> None:
    second = client.post(TOKEN, json={"username": volunteer.username, "password": PASSWORD}).json()["token"]
    assert client.delete(TOKEN).status_code == 401, "a token is needed"
    reply = client.delete(TOKEN, headers=volunteer.headers)
    assert reply.status_code == 204 and reply.content == b""
    assert stored_token(db, bearer(volunteer.headers)).revoked_at is not None
    assert client.get(ME, headers=volunteer.headers).status_code == 401
    assert client.delete(TOKEN, headers=volunteer.headers).status_code == 401, "revoked once, then unknown"
    assert client.get(ME, headers={"Authorization": f"Bearer {second}"}).status_code == 200, "others stay valid"


def test_cli_tokens_last_the_staff_lifetime(
    client: TestClient, db: Db, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from survey_api.cli import main
    from survey_api.settings import get_settings

    monkeypatch.setenv("SURVEY_DATABASE_URL", database_url)
    monkeypatch.setenv("SURVEY_TOKEN_TTL_HOURS", "5")
    get_settings.cache_clear()
    try:
        assert main(["token", "create", "--role", "analyst", "--name", "report-bot"]) == 0
    finally:
        get_settings.cache_clear()
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert _within(stored_token(db, token).expires_at, 5)
    assert client.get(ME, headers={"Authorization": f"Bearer {token}"}).status_code == 200
