"""Answers in three units: two districts far apart in satisfaction, and a department with too few answers."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from survey_api.db.models import OrgUnit, ServicePoint
from survey_api.settings import Settings
from tests.api.helpers import collector, complete_answers, instrument, submission
from tests.conftest import Db


@pytest.fixture
def answered(client: TestClient, db: Db, desks: None, official: dict[str, int], settings: Settings) -> None:
    """d1 mostly satisfied (8 of 10), d2 mostly not (3 of 10), d3 a department with only 2 answers."""
    settings.min_answers = 5
    with db() as session:
        province = session.query(OrgUnit).filter_by(code="p").one()
        office = OrgUnit(
            code="d3", name="Sở Tư pháp", kind="department", parent_id=province.id, valid_from=date(2004, 1, 1)
        )
        session.add(office)
        session.flush()
        session.add(ServicePoint(code="d3-desk", name="Sở Tư pháp", unit_id=office.id, kind="one_stop_counter"))
    sipas = instrument(client, "sipas")
    headers = collector(client)
    for point, good, bad in (("d1-desk", 8, 2), ("d2-desk", 3, 7), ("d3-desk", 2, 0)):
        for value in [5] * good + [2] * bad:
            body = submission(sipas, service_point=point, answers=complete_answers(sipas, value))
            assert client.post("/api/v1/responses", json=body, headers=headers).status_code == 201
