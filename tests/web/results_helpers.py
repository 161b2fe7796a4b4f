"""Answers over two quarters in three units for the staff results page's tests, and the staff who read them.

Last quarter (before this one): d1 "Huyện Đắk Mil" 8 of 10 satisfied (5 of 10 the quarter before), d2 "Huyện
Cư Jút" 3 of 10 (4 of 10 before), d3 "Sở Tư pháp" a department with 2 answers (few answers: minimum 5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.auth.service import create_user, issue_token
from survey_api.collection.service import LOCAL_TIME
from survey_api.db.models import OrgUnit, ServicePoint
from survey_api.reports.periods import Period, quarter
from survey_api.settings import Settings
from tests.api.helpers import collector, complete_answers, instrument, submission
from tests.conftest import Db

PASSWORD = "mat-khau-123"
NAMES = {"d1": "Huyện Đắk Mil", "d2": "Huyện Cư Jút", "d3": "Sở Tư pháp"}
# (satisfied, not satisfied) per desk: in the chosen quarter, and in the one before it.
NOW = {"d1-desk": (8, 2), "d2-desk": (3, 7), "d3-desk": (2, 0)}
BEFORE = {"d1-desk": (5, 5), "d2-desk": (4, 6)}


@dataclass(frozen=True)
class Staff:
    username: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Answered:
    period: Period  # the quarter just ended
    analyst: Staff
    manager: Staff  # unit manager of d1


def last_quarter(today: date) -> Period:
    """The last whole quarter before ``today`` (answers must be within a year of when they are sent)."""
    return quarter(today.year, (today.month - 1) // 3 + 1).previous()


def _staff(db: Db, role: str, unit: str | None) -> Staff:
    with db() as session:
        unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit)) if unit else None
        user = create_user(session, username=f"{role}-results", role=role, password=PASSWORD, unit_id=unit_id)
        token = issue_token(session, user, name="test")
        return Staff(user.username, {"Authorization": f"Bearer {token}"})


def answer_two_quarters(client: TestClient, db: Db, settings: Settings, today: date) -> Answered:
    """Store the answers (the ``desks`` and ``official`` fixtures must have run) and the staff accounts."""
    settings.min_answers = 5
    with db() as session:
        for code in ("d1", "d2"):
            session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one().name = NAMES[code]
        province = session.scalars(select(OrgUnit).where(OrgUnit.code == "p")).one()
        office = OrgUnit(
            code="d3", name=NAMES["d3"], kind="department", parent_id=province.id, valid_from=date(2004, 1, 1)
        )
        session.add(office)
        session.flush()
        session.add(ServicePoint(code="d3-desk", name=NAMES["d3"], unit_id=office.id, kind="one_stop_counter"))
    sipas = instrument(client, "sipas")
    headers = collector(client)
    now = last_quarter(today)
    for period, counts in ((now, NOW), (now.previous(), BEFORE)):
        when = datetime.combine(period.first + timedelta(days=20), time(9), LOCAL_TIME)
        for point, (good, bad) in counts.items():
            for value in [5] * good + [2] * bad:
                body = submission(
                    sipas, service_point=point, answers=complete_answers(sipas, value), completed_at=when.isoformat()
                )
                assert client.post("/api/v1/responses", json=body, headers=headers).status_code == 201
    return Answered(now, _staff(db, "analyst", None), _staff(db, "unit_manager", "d1"))


def indices(client: TestClient, who: Staff, period: Period, **extra: Any) -> dict[str, Any]:
    """``GET /api/v1/indices`` for the page's selection (no design, no margins: unit weights, as the page)."""
    params = {"instrument": "sipas", "from": period.first, "to": period.last, "weighted": "true", **extra}
    reply = client.get("/api/v1/indices", params=params, headers=who.headers)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


SignIn = Callable[[TestClient, Staff], None]
