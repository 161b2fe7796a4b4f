"""Results on the period's map: 2025 H1 on the districts, 2025 H2 on the communes and wards, and comparisons
across the change re-aggregated through the crosswalk."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from survey_api.db.models import Response, ServicePoint
from survey_api.units import service as units
from survey_api.units.service import NewUnit
from tests.api.helpers import collector, complete_answers, instrument
from tests.conftest import Db

H1 = {"from": "2025-01-01", "to": "2025-06-30"}
H2 = {"from": "2025-07-01", "to": "2025-12-31"}
NEW = date(2025, 7, 1)


@pytest.fixture
def changed_map(client: TestClient, db: Db, official: dict[str, int]) -> dict[str, str]:
    """Gia Nghĩa split into two wards (0.6 / 0.4) and Cư Jút become one commune on 2025-07-01, with answers
    before and after (a few late ones still at Gia Nghĩa's old desk, stored before the change was recorded:
    intake refuses them after it); returns analyst headers."""

    def desks(*codes: str) -> None:
        with db() as session:
            for code in codes:
                unit = units.unit_by_code(session, code)
                assert unit is not None
                session.add(ServicePoint(code=f"{code}-desk", name=code, unit_id=unit.id, kind="one_stop_counter"))

    with db() as session:
        units.create(session, None, NewUnit("dn", "Tỉnh Đắk Nông", "province"), valid_from=date(2004, 1, 1))
        for code in ("gn", "cj"):
            units.create(session, None, NewUnit(code, code, "district", parent="dn"), valid_from=date(2004, 1, 1))
    desks("gn", "cj")
    sipas = instrument(client, "sipas")
    old_map = [
        ("gn", 5, "2025-03-15", 10),  # H1: Gia Nghĩa all satisfied
        ("cj", 2, "2025-03-15", 10),  # H1: Cư Jút none
        ("gn", 2, "2025-08-01", 4),  # late answers at the closed district's desk
    ]
    new_map = [("bgn", 4, "2025-09-15", 10), ("ngn", 5, "2025-09-15", 10), ("xcj", 5, "2025-09-15", 10)]
    _answer_all(client, db, sipas, old_map)
    with db() as session:
        wards = [
            (NewUnit("bgn", "Bắc Gia Nghĩa", "ward", parent="dn"), 0.6),
            (NewUnit("ngn", "Nam", "ward", parent="dn"), 0.4),
        ]
        units.split(session, None, "gn", wards, valid_from=NEW)
        units.merge(session, None, ["cj"], NewUnit("xcj", "Xã Cư Jút", "commune", parent="dn"), valid_from=NEW)
    desks("bgn", "ngn", "xcj")
    _answer_all(client, db, sipas, new_map)
    return {"Authorization": collector(client)["Authorization"]}


def _answer_all(client: TestClient, db: Db, sipas: dict[str, Any], answers: list[tuple[str, int, str, int]]) -> None:
    """``count`` answers of ``value`` at each ``code``'s desk, counted for ``day``."""
    for code, value, day, count in answers:
        ids = [_answer(client, sipas, f"{code}-desk", value) for _ in range(count)]
        with db() as session:
            session.execute(update(Response).where(Response.id.in_(ids)).values(observed_on=date.fromisoformat(day)))


def _answer(client: TestClient, sipas: dict[str, Any], point: str, value: int) -> uuid.UUID:
    body = {
        "id": str(uuid.uuid4()),
        "instrument_version": sipas["id"],
        "service_point": point,
        "answers": complete_answers(sipas, value),
    }
    reply = client.post("/api/v1/responses", json=body, headers=collector(client))
    assert reply.status_code == 201, reply.text
    return uuid.UUID(body["id"])


def _index(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    reply = client.get(
        "/api/v1/indices", params={"instrument": "sipas", "weighted": "false", **params}, headers=headers
    )
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def test_each_half_year_is_reported_on_its_own_map(client: TestClient, changed_map: dict[str, str]) -> None:
    first = _index(client, changed_map, by="unit", **H1)
    assert {e["group"]["unit"] for e in first["breakdown"]} == {"gn", "cj"}
    second = {e["group"]["unit"]: e for e in _index(client, changed_map, by="unit", **H2)["breakdown"]}
    assert set(second) == {"bgn", "ngn", "xcj"}
    # The late answers at Gia Nghĩa's desk (4, none satisfied) land on its wards with the crosswalk's shares.
    assert second["bgn"]["reaggregated_from"] == [{"unit": "gn", "share": 0.6}]
    assert second["bgn"]["overall"]["satisfied"] == pytest.approx(10 / (10 + 0.6 * 4))
    assert second["ngn"]["overall"]["satisfied"] == pytest.approx(10 / (10 + 0.4 * 4))
    assert second["bgn"]["responses"] == 12
    assert "reaggregated_from" not in second["xcj"]
    assert second["xcj"]["overall"]["satisfied"] == 1.0
    # A ranking of the half-year ranks the same units and says which were re-aggregated.
    ranking = client.get("/api/v1/rankings", params={"instrument": "sipas", **H2}, headers=changed_map).json()
    listed = {u["unit"]: u for u in ranking["ranked"] + ranking["not_ranked"]}
    assert set(listed) == {"bgn", "ngn", "xcj"}
    assert listed["bgn"]["reaggregated_from"] == [{"unit": "gn", "share": 0.6}]


def test_a_comparison_across_the_change_is_made_on_the_new_map(client: TestClient, changed_map: dict[str, str]) -> None:
    ward = _index(client, changed_map, unit="bgn", **H2)["previous_period"]
    # 2025 H1 of Bắc Gia Nghĩa: Gia Nghĩa's results (all satisfied), through the crosswalk.
    assert ward["reaggregated_from"] == [{"unit": "gn", "share": 0.6}]
    assert (ward["from"], ward["to"], ward["satisfied"], ward["responses"]) == ("2025-01-01", "2025-06-30", 1.0, 6)
    # Year on year: 2025 of the commune is its own half-year (all satisfied) and Cư Jút's (none), share 1 each.
    year = _index(client, changed_map, unit="xcj", **{"from": "2026-01-01", "to": "2026-12-31"})["previous_period"]
    assert sorted(year["reaggregated_from"], key=lambda s: s["unit"]) == [
        {"unit": "cj", "share": 1.0},
        {"unit": "xcj", "share": 1.0},
    ]
    assert year["satisfied"] == pytest.approx(0.5)
    # A unit whose map did not change compares with itself, as before.
    same = _index(client, changed_map, unit="xcj", **{"from": "2025-10-01", "to": "2025-12-31"})["previous_period"]
    assert "reaggregated_from" not in same
