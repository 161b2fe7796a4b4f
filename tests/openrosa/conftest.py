"""Fixtures for OpenRosa: an area with a desk, a volunteer with a password and an assignment of SIPAS."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.auth.service import create_user
from survey_api.db.models import OrgUnit, ServicePoint
from tests.api.helpers import instrument
from tests.conftest import Db

PASSWORD = "mat-khau-odk-123"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    password: str

    @property
    def auth(self) -> httpx.DigestAuth:
        return httpx.DigestAuth(self.username, self.password)


@pytest.fixture
def area(db: Db) -> None:
    """A province with districts d1 and d2, each with a one-stop desk (d1-desk, d2-desk)."""
    with db() as session:
        province = OrgUnit(code="p", name="Tỉnh", kind="province", valid_from=date(2004, 1, 1))
        session.add(province)
        session.flush()
        for code in ("d1", "d2"):
            unit = OrgUnit(
                code=code, name=f"Huyện {code}", kind="district", parent_id=province.id, valid_from=date(2004, 1, 1)
            )
            session.add(unit)
            session.flush()
            session.add(
                ServicePoint(code=f"{code}-desk", name=f"Một cửa {code}", unit_id=unit.id, kind="one_stop_counter")
            )


@pytest.fixture
def account(db: Db, area: None) -> Callable[..., Account]:
    """``account("volunteer")``: a new user with a password (set now, so with Digest secrets when allowed)."""

    def make(role: str = "volunteer", unit: str = "d1") -> Account:
        with db() as session:
            unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit))
            user = create_user(
                session, username=f"{role}-{uuid.uuid4().hex[:6]}", role=role, password=PASSWORD, unit_id=unit_id
            )
            return Account(user.id, user.username, PASSWORD)

    return make


@pytest.fixture
def volunteer(account: Callable[..., Account]) -> Account:
    return account("volunteer")


@pytest.fixture
def sipas(client: TestClient, official: dict[str, int]) -> dict[str, Any]:
    return instrument(client, "sipas")


@pytest.fixture
def assign(client: TestClient, token_for: Callable[[str], dict[str, str]]) -> Callable[..., int]:
    """``assign(volunteer, inst, **fields)``: an assignment made by an admin through the API; its id."""
    admin = token_for("admin")

    def make(who: Account, inst: dict[str, Any], **fields: Any) -> int:
        body = {"volunteer": who.username, "instrument_version": inst["id"], "service_point": "d1-desk", **fields}
        reply = client.post("/api/v1/assignments", json=body, headers=admin)
        assert reply.status_code == 201, reply.text
        found: int = reply.json()["id"]
        return found

    return make
