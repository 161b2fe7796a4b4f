"""The ranking tests' units and answers, published; and the browser."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import User
from survey_api.publications import service
from survey_api.publications.schemas import PublicationOut
from survey_api.reports.periods import parse_period
from survey_api.settings import Settings
from tests.api.helpers import collector
from tests.conftest import Db
from tests.rankings.conftest import answered
from tests.web.conftest import chromium

__all__ = ["answered", "chromium"]


def publish(db: Db, settings: Settings) -> PublicationOut:
    with db() as session:
        admin = session.scalars(select(User).where(User.role == "admin")).first()
        assert admin is not None
        return service.publish(
            session,
            instrument="sipas",
            period=parse_period("2026"),
            user=admin,
            settings=settings,
        )


@pytest.fixture
def published(client: TestClient, answered: None, db: Db, settings: Settings) -> PublicationOut:
    collector(client)  # an admin account exists
    return publish(db, settings)
