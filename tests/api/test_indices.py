"""GET /api/v1/indices: aggregation as the index definition says, filters, and who may read it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from sampling import compute_index
from survey_api.estimates.definition import SCALES, typed_index
from survey_api.instruments.document import IndexDefinition
from tests.api.helpers import collector, instrument, submission
from tests.conftest import Db


def post(client: TestClient, inst: dict[str, Any], value: int, **fields: Any) -> None:
    body = submission(inst, **fields)
    body["answers"] = {
        code: value if isinstance(v, int) and code in scale_codes(inst) else v for code, v in body["answers"].items()
    }
    assert client.post("/api/v1/responses", json=body, headers=collector(client)).status_code == 201


def scale_codes(inst: dict[str, Any]) -> set[str]:
    return {i["code"] for i in inst["items"] if i["type"] == "scale_1_5"}


def test_indices_count_satisfied_answers_at_every_level(
    client: TestClient, official: dict[str, int], desks: None, token_for: Any
) -> None:
    sipas = instrument(client, "sipas")
    for value in (5, 4, 4, 2):
        post(client, sipas, value, service_point="d1-desk")
    post(client, sipas, 1, service_point="d2-desk")
    reply = client.get("/api/v1/indices", params={"instrument": "sipas"}, headers=token_for("analyst"))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["instrument"] == "sipas" and body["version"] == 1 and body["weighted"] is False
    assert body["overall"]["satisfied"] == pytest.approx(3 / 5)
    assert body["overall"]["mean"] == pytest.approx((5 + 4 + 4 + 2 + 1) / 5)
    assert body["overall"]["n"] == 5 * 39
    assert [g["code"] for g in body["groups"]] == ["I", "II"]
    assert len(body["elements"]) == 9 and len(body["items"]) == 39
    assert all(item["n"] == 5 and item["satisfied"] == pytest.approx(0.6) for item in body["items"])

    by_unit = client.get(
        "/api/v1/indices", params={"instrument": "sipas", "unit": "d1"}, headers=token_for("analyst")
    ).json()
    assert by_unit["overall"]["satisfied"] == pytest.approx(3 / 4)
    by_province = client.get(
        "/api/v1/indices", params={"instrument": "sipas", "unit": "p"}, headers=token_for("analyst")
    ).json()
    assert by_province["responses"] == 5
    by_point = client.get(
        "/api/v1/indices",
        params={"instrument": "sipas", "service_point": "d2-desk"},
        headers=token_for("admin"),
    ).json()
    assert by_point["overall"]["satisfied"] == 0.0 and by_point["responses"] == 1


def test_a_unit_manager_sees_only_their_own_units(
    client: TestClient, official: dict[str, int], desks: None, db: Db
) -> None:
    from survey_api.auth.service import create_user, issue_token
    from survey_api.units.repository import unit_by_code

    sipas = instrument(client, "sipas")
    post(client, sipas, 5, service_point="d1-desk")
    post(client, sipas, 1, service_point="d2-desk")
    with db() as session:
        d1 = unit_by_code(session, "d1")
        assert d1 is not None
        manager = create_user(session, username="manager-d1", role="unit_manager", unit_id=d1.id)
        headers = {"Authorization": f"Bearer {issue_token(session, manager, 'test')}"}
    own = client.get("/api/v1/indices", params={"instrument": "sipas"}, headers=headers).json()
    assert own["responses"] == 1 and own["overall"]["satisfied"] == 1.0
    other = client.get("/api/v1/indices", params={"instrument": "sipas", "unit": "d2"}, headers=headers)
    assert other.status_code == 403


def test_period_filters_use_the_completion_day(client: TestClient, official: dict[str, int], token_for: Any) -> None:
    sipas = instrument(client, "sipas")
    post(client, sipas, 5, completed_at="2026-01-10T03:00:00+00:00")
    post(client, sipas, 1, completed_at="2026-03-10T03:00:00+00:00")
    headers = token_for("analyst")
    quarter = client.get(
        "/api/v1/indices",
        params={"instrument": "sipas", "from": "2026-01-01", "to": "2026-01-31"},
        headers=headers,
    ).json()
    assert quarter["responses"] == 1 and quarter["overall"]["satisfied"] == 1.0
    assert quarter["filters"]["from"] == "2026-01-01"
    backwards = client.get(
        "/api/v1/indices",
        params={"instrument": "sipas", "from": "2026-02-01", "to": "2026-01-01"},
        headers=headers,
    )
    assert backwards.status_code == 422


def test_health_indices_pool_answers(client: TestClient, official: dict[str, int], token_for: Any) -> None:
    inpatient = instrument(client, "health-inpatient")
    post(client, inpatient, 4)
    post(client, inpatient, 3)
    body = client.get("/api/v1/indices", params={"instrument": "health-inpatient"}, headers=token_for("analyst")).json()
    assert body["groups"] == []
    assert [e["code"] for e in body["elements"]] == ["A", "B", "C", "D", "E"]
    assert body["overall"]["satisfied"] == pytest.approx(0.5) and body["overall"]["mean"] == pytest.approx(3.5)


def test_indices_of_an_empty_selection_are_null_not_errors(
    client: TestClient, official: dict[str, int], token_for: Any
) -> None:
    body = client.get("/api/v1/indices", params={"instrument": "sipas"}, headers=token_for("analyst")).json()
    assert body["overall"] == {
        "code": "SIPAS",
        "label": body["overall"]["label"],
        "label_en": body["overall"]["label_en"],
        "satisfied": None,
        "mean": None,
        "n": 0,
    }


def test_indices_need_a_token_and_a_reading_role(client: TestClient, official: dict[str, int], token_for: Any) -> None:
    assert client.get("/api/v1/indices", params={"instrument": "sipas"}).status_code == 401
    wrong = client.get("/api/v1/indices", params={"instrument": "sipas"}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    volunteer = client.get("/api/v1/indices", params={"instrument": "sipas"}, headers=token_for("volunteer"))
    assert volunteer.status_code == 403 and "volunteer" in volunteer.json()["detail"]
    missing = client.get("/api/v1/indices", params={"instrument": "nope"}, headers=token_for("analyst"))
    assert missing.status_code == 404


def test_item_mean_aggregation_reproduces_the_published_2024_sipas_figure() -> None:
    """2024: policy 83.84 over 23 items, services 84.09 over 16 items → SIPAS 83.94 (METHODS.md)."""
    rows = 10_000
    definition = IndexDefinition.model_validate(
        {
            "satisfied": [4, 5],
            "aggregation": "item_mean",
            "elements": [
                {"code": "I.X", "label": {"vi": "I"}, "items": [f"p{i}" for i in range(23)]},
                {"code": "II.X", "label": {"vi": "II"}, "items": [f"s{i}" for i in range(16)]},
            ],
            "groups": [
                {"code": "I", "label": {"vi": "I"}, "elements": ["I.X"]},
                {"code": "II", "label": {"vi": "II"}, "elements": ["II.X"]},
            ],
            "overall": {"code": "SIPAS", "label": {"vi": "SIPAS"}, "groups": ["I", "II"]},
        }
    )
    codes = [f"p{i}" for i in range(23)] + [f"s{i}" for i in range(16)]
    matrix = np.full((rows, 39), 2, dtype=np.uint8)
    matrix[:8384, :23] = 4  # 83.84% satisfied on every policy item
    matrix[:8409, 23:] = 5  # 84.09% satisfied on every service item
    result = compute_index(matrix, codes, None, typed_index(definition, SCALES["scale_1_5"]))
    groups = [lv.satisfied.estimate for lv in result.levels if lv.kind == "group"]
    assert [round(g * 100, 2) for g in groups] == [83.84, 84.09]
    assert round(result.level("SIPAS").satisfied.estimate * 100, 2) == 83.94
    # A plain mean of the two group figures would give 83.97: the item count must weigh.
    assert round((0.8384 + 0.8409) / 2 * 100, 2) == 83.97
