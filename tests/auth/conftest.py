"""Fixtures for accounts and tokens: the fieldwork area (districts d1, d2 under province p) and its people,
an app with its own settings on the test's database, and a token's stored row."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.auth.security import token_digest
from survey_api.db.models import ApiToken, AuditEntry
from survey_api.settings import Settings
from survey_web.asgi import create_app
from tests.conftest import Db
from tests.fieldwork import conftest as fieldwork
from tests.fieldwork.conftest import Person

area, person, volunteer = fieldwork.area, fieldwork.person, fieldwork.volunteer
PASSWORD = fieldwork.PASSWORD
SAME_ORIGIN = {"Origin": "http://testserver"}


def bearer(headers: dict[str, str]) -> str:
    """The token in ``Authorization`` headers."""
    return headers["Authorization"].removeprefix("Bearer ")


def stored_token(db: Db, token: str) -> ApiToken:
    """The row of a token (detached, readable)."""
    with db() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).one()
        session.expunge(row)
        return row


def audit_entries(db: Db, action: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, target, detail) of the audit log, oldest first."""
    with db() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return [(e.action, e.target, e.detail) for e in session.scalars(query)]


ClientWith = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def client_with(settings: Settings) -> Iterator[ClientWith]:
    """``with client_with(sign_in_limit_per_account=3) as c:`` the app with other settings, same database."""

    def make(**changes: Any) -> AbstractContextManager[TestClient]:
        return TestClient(create_app(settings.model_copy(update=changes)))

    yield make


@pytest.fixture
def admin(person: Callable[..., Person]) -> Person:
    return person("admin", unit=None)


@pytest.fixture
def manager(person: Callable[..., Person]) -> Person:
    """A unit manager of district d1."""
    return person("unit_manager", unit="d1")
