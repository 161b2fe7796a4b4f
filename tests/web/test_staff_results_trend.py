"""The staff results page's trend, units and index are each the API's answer for their own selection, number
for number: the trend's periods are computed without a comparison of their own, answers without a design
weigh 1 each with SEs (as ``weighted=true``), and periods without answers are the plain index."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import select

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.db.models import User
from survey_api.results import results_for
from survey_api.settings import Settings
from tests.conftest import Db
from tests.web.results_helpers import Answered, answer_two_quarters, indices
from tests.web.staff_helpers import SAME_ORIGIN


@pytest.fixture
def answered(client: TestClient, db: Db, desks: None, official: dict[str, int], settings: Settings) -> Answered:
    client.headers.update(SAME_ORIGIN)
    return answer_two_quarters(client, db, settings, utcnow().astimezone(LOCAL_TIME).date())


def _plain(client: TestClient, answered: Answered, period: Any) -> dict[str, Any]:
    """The API's default answer (no ``weighted``): the plain index."""
    params = {"instrument": "sipas", "from": period.first, "to": period.last}
    reply = client.get("/api/v1/indices", params=params, headers=answered.analyst.headers)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def _same(ours: BaseModel, api: dict[str, Any]) -> bool:
    """Whether our value is the API's JSON (which leaves out what is None)."""
    return bool(_without_none(ours.model_dump(mode="json", by_alias=True)) == _without_none(api))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return [_without_none(v) for v in value] if isinstance(value, list) else value


def test_every_number_of_the_page_is_the_api_s_for_its_own_selection(
    client: TestClient, db: Db, answered: Answered, settings: Settings
) -> None:
    with db() as session:
        viewer = session.scalars(select(User).where(User.username == answered.analyst.username)).one()
        found = results_for(
            session, instrument="sipas", period=answered.period, unit=None, viewer=viewer, settings=settings
        )
    assert [point.period for point in found.trend][-2:] == [answered.period.previous(), answered.period]
    for point in found.trend:
        api = indices(client, answered.analyst, point.period)
        if api["responses"]:  # answers: weighted 1 each, with the API's SEs and CIs
            assert _same(point.level, api["overall"]) and point.responses == api["responses"]
        else:  # none: the plain index, as the API gives it by default
            plain = _plain(client, answered, point.period)
            assert _same(point.level, plain["overall"]) and point.responses == 0
    assert sum(1 for point in found.trend if point.responses) == 2
    # The index itself, with its comparison, is the API's answer with weighted=true.
    api = indices(client, answered.analyst, answered.period)
    assert _same(found.index, api)
    assert found.change is not None and found.change.delta == api["previous_period"]["change"]
    # Units now and before: the API's by-unit numbers; a unit nobody answered in is not in the API's breakdown.
    now = indices(client, answered.analyst, answered.period, by="unit")
    for result in found.units:
        entry = next((e for e in now["breakdown"] if e["group"]["unit"] == result.code), None)
        if result.level is None:
            assert entry is None and result.respondents == 0 and result.change is None
            continue
        assert entry is not None and _same(result.level, entry["overall"])
