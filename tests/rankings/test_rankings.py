"""GET /api/v1/rankings: units ranked by the index's own numbers, with rank ranges and tiers; small units apart."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import collector

RANKINGS = "/api/v1/rankings"


def test_units_are_ranked_with_the_index_numbers(client: TestClient, answered: None) -> None:
    headers = collector(client)
    ranking = client.get(RANKINGS, params={"instrument": "sipas"}, headers=headers)
    assert ranking.status_code == 200, ranking.text
    body = ranking.json()
    assert [(u["unit"], u["rank"]) for u in body["ranked"]] == [("d1", 1), ("d2", 2)]
    assert [u["unit"] for u in body["not_ranked"]] == ["d3"] and body["not_ranked"][0]["rank"] is None
    first, second = body["ranked"]
    assert (first["rank_low"], first["rank_high"], second["rank_low"], second["rank_high"]) == (1, 1, 2, 2)
    assert first["tier"] == 1 and second["tier"] == 2
    index = client.get("/api/v1/indices", params={"instrument": "sipas", "by": "unit"}, headers=headers).json()
    by_unit = {entry["group"]["unit"]: entry["overall"] for entry in index["breakdown"]}
    for unit in body["ranked"] + body["not_ranked"]:
        assert unit["satisfied"] == by_unit[unit["unit"]]["satisfied"]
        assert unit["satisfied_ci"] == by_unit[unit["unit"]]["satisfied_ci"]
    assert body["min_answers"] == 5 and body["level"] == 0.95


def test_the_same_request_gives_the_same_ranges(client: TestClient, answered: None) -> None:
    headers = collector(client)
    first = client.get(RANKINGS, params={"instrument": "sipas"}, headers=headers).json()
    assert client.get(RANKINGS, params={"instrument": "sipas"}, headers=headers).json() == first


@pytest.mark.parametrize(("level", "units"), [("locality", ["d1", "d2"]), ("agency", [])])
def test_a_level_ranks_only_its_units(client: TestClient, answered: None, level: str, units: list[str]) -> None:
    body = client.get(RANKINGS, params={"instrument": "sipas", "level": level}, headers=collector(client)).json()
    assert [u["unit"] for u in body["ranked"]] == units
    assert [u["unit"] for u in body["not_ranked"]] == (["d3"] if level == "agency" else [])


def test_rankings_need_a_staff_token(client: TestClient, answered: None, token_for: Any) -> None:
    assert client.get(RANKINGS, params={"instrument": "sipas"}).status_code == 401
    assert client.get(RANKINGS, params={"instrument": "sipas"}, headers=token_for("volunteer")).status_code == 403
    assert client.get(RANKINGS, params={"instrument": "nope"}, headers=collector(client)).status_code == 404
