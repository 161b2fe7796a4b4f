"""A warm estimate only formats the result kept with its rows and weights; answers that arrive (or other
weights) compute it again, and the figures are then a fresh server's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.estimates import service
from tests.conftest import Db
from tests.estimates.test_period_change_cache import fresh_cache
from tests.estimates.test_weighted_indices import get, import_rows
from tests.imports.apidata import api_rows, publish_test_instrument

Headers = Callable[[str], dict[str, str]]


@pytest.mark.parametrize("by", [None, "unit"])
def test_a_warm_estimate_reuses_its_result_until_answers_arrive(
    client: TestClient, db: Db, token_for: Headers, monkeypatch: pytest.MonkeyPatch, by: str | None
) -> None:
    publish_test_instrument(db)
    analyst = token_for("analyst")
    rows = api_rows()
    import_rows(client, rows[:150], analyst)
    fresh_cache(monkeypatch)
    computed: list[str] = []
    for name in ("weighted_result", "weighted_results_by"):
        original = getattr(service, name)
        monkeypatch.setattr(service, name, lambda *a, _f=original, _n=name, **k: computed.append(_n) or _f(*a, **k))
    params: dict[str, Any] = {"weighted": "true", **({"by": by} if by else {})}
    first = get(client, analyst, **params)
    assert get(client, analyst, **params) == first
    assert len(computed) == 1
    assert get(client, analyst, **{**params, "trim_upper": 3}) != first  # other weights: computed again
    assert len(computed) == 2

    import_rows(client, rows[150:], analyst)
    warm = get(client, analyst, **params)
    assert len(computed) == 3 and warm["responses"] == len(rows)
    fresh_cache(monkeypatch)
    assert get(client, analyst, **params) == warm
