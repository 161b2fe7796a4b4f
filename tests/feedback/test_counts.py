"""Overdue items are counted per unit (received, answered on time or late, overdue, open) and filtered."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from survey_api.db.models import Feedback
from survey_api.feedback.counts import counts_by_unit
from survey_api.feedback.rules import today
from tests.conftest import Db
from tests.feedback.conftest import item_id
from tests.feedback.helpers import leave_feedback
from tests.fieldwork.conftest import Person

API = "/api/v1/feedback"


def _due(db: Db, number: int, days_from_today: int) -> None:
    with db() as session:
        due = today() + timedelta(days=days_from_today)
        session.execute(update(Feedback).where(Feedback.id == number).values(due_on=due))


def test_overdue_counts_per_unit(
    client: TestClient, db: Db, links: dict[str, str], admin: Person, managers: dict[str, Person]
) -> None:
    d1 = managers["d1"]
    late_open, on_time, late_reply, waiting = (
        item_id(client, admin, leave_feedback(client, links[unit])) for unit in ("d1", "d1", "d1", "d2")
    )
    _due(db, late_open, -1)
    assert client.post(f"{API}/{on_time}/reply", json={"text": "Đã xử lý"}, headers=d1.headers).status_code == 200
    assert client.post(f"{API}/{late_reply}/reply", json={"text": "Đã xử lý"}, headers=d1.headers).status_code == 200
    _due(db, late_reply, -3)  # it was due three days before it was answered
    _due(db, waiting, 5)

    counts = client.get(f"{API}/counts", headers=admin.headers).json()
    by_unit = {u["unit"]: u for u in counts["units"]}
    assert by_unit["d1"] == {
        "unit": "d1",
        "unit_name": "Huyện d1",
        "received": 3,
        "answered_on_time": 1,
        "answered_late": 1,
        "overdue": 1,
        "open": 1,
    }
    assert (by_unit["d2"]["received"], by_unit["d2"]["overdue"], by_unit["d2"]["open"]) == (1, 0, 1)
    assert (counts["total"]["received"], counts["total"]["overdue"]) == (4, 1)
    # A unit manager counts only their units'.
    assert [u["unit"] for u in client.get(f"{API}/counts", headers=d1.headers).json()["units"]] == ["d1"]
    # The same for reports, for any period and any day.
    with db() as session:
        everything = counts_by_unit(session, None)
        assert everything.total.overdue == 1
        tomorrow_week = counts_by_unit(session, None, on=today() + timedelta(days=7))
        assert tomorrow_week.total.overdue == 2  # the d2 item is late by then too
        assert counts_by_unit(session, None, received_to=today() - timedelta(days=1)).total.received == 0

    overdue = client.get(API, params={"overdue": True}, headers=admin.headers).json()
    assert [(i["id"], i["overdue"]) for i in overdue] == [(late_open, True)]
    not_overdue = {i["id"] for i in client.get(API, params={"overdue": False}, headers=admin.headers).json()}
    assert not_overdue == {on_time, late_reply, waiting}
