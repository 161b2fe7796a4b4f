"""Fixtures for fieldwork: an area with a service point, volunteers who can sign in, SIPAS."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.auth.service import create_user, issue_token
from survey_api.db.models import OrgUnit, ServicePoint
from tests.api.helpers import instrument
from tests.conftest import Db

PASSWORD = "mat-khau-123"


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    headers: dict[str, str]


@pytest.fixture
def area(db: Db) -> dict[str, str]:
    """A province with two districts; district ``d1`` has a one-stop desk ``d1-desk``."""
    with db() as session:
        province = OrgUnit(code="p", name="Tỉnh", kind="province", valid_from=date(2004, 1, 1))
        session.add(province)
        session.flush()
        for code in ("d1", "d2"):
            unit = OrgUnit(
                code=code,
                name=f"Huyện {code}",
                kind="district",
                parent_id=province.id,
                valid_from=date(2004, 1, 1),
            )
            session.add(unit)
            session.flush()
            session.add(
                ServicePoint(
                    code=f"{code}-desk",
                    name=f"Bộ phận một cửa {code}",
                    unit_id=unit.id,
                    kind="one_stop_counter",
                )
            )
    return {"province": "p", "district": "d1", "other_district": "d2", "service_point": "d1-desk"}


@pytest.fixture
def person(db: Db, area: dict[str, str]) -> Callable[..., Person]:
    """A user with a password and a token: ``person("volunteer", unit="d1")``."""

    def make(role: str, unit: str | None = "d1") -> Person:
        with db() as session:
            unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit)) if unit else None
            user = create_user(
                session,
                username=f"{role}-{uuid.uuid4().hex[:6]}",
                role=role,
                password=PASSWORD,
                unit_id=unit_id,
            )
            token = issue_token(session, user, name="test")
            return Person(user.id, user.username, {"Authorization": f"Bearer {token}"})

    return make


@pytest.fixture
def volunteer(person: Callable[..., Person]) -> Person:
    return person("volunteer")


@pytest.fixture
def sipas(client: TestClient, official: dict[str, int]) -> dict[str, Any]:
    return instrument(client, "sipas")
