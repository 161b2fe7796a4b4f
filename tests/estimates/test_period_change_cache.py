"""The change since the previous period is kept with the cached rows, and brought up to date when answers of
the previous period arrive later (a tablet synced late): its figures then equal those of a fresh read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.estimates import cache, change
from tests.conftest import Db
from tests.estimates.test_weighted_indices import get, import_rows
from tests.imports.apidata import ITEMS, api_rows, publish_test_instrument

Headers = Callable[[str], dict[str, str]]
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def _february(rows: list[dict[str, str]], lower_every: int) -> list[dict[str, str]]:
    """The same PSUs answering in February, every ``lower_every``-th respondent less satisfied."""
    out = []
    for i, row in enumerate(rows):
        row = {**row, "completed_at": "2026-02-12"}
        if i % lower_every == 0:
            row.update({item: str(max(1, int(row[item]) - 2)) for item in ITEMS})
        out.append(row)
    return out


def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new, empty row cache for every estimate from now on (as a newly started server has)."""
    fresh = cache.RowsCache(2**30)
    for where in ("survey_api.estimates.service", "survey_api.estimates.change"):
        monkeypatch.setattr(f"{where}.shared_cache", lambda _: fresh)


def test_a_late_answer_of_the_previous_period_changes_the_kept_change(
    client: TestClient, db: Db, token_for: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_test_instrument(db)
    analyst = token_for("analyst")
    current = api_rows()
    import_rows(client, _february(api_rows(), 3) + current, analyst)
    fresh_cache(monkeypatch)
    computed = []
    original = change.index_domain_covariance
    monkeypatch.setattr(change, "index_domain_covariance", lambda *a, **k: computed.append(1) or original(*a, **k))
    first: dict[str, Any] = get(client, analyst, **MARCH)["previous_period"]
    assert first["samples"] == "same_psus" and first["change_se"] is not None
    assert get(client, analyst, **MARCH)["previous_period"] == first and len(computed) == 1  # kept

    import_rows(client, _february(api_rows(), 2)[:40], analyst)  # late February answers, the same PSUs
    warm = get(client, analyst, **MARCH)["previous_period"]
    assert len(computed) == 2
    assert warm["responses"] == first["responses"] + 40
    assert warm["change_se"] != pytest.approx(first["change_se"], rel=1e-6)
    fresh_cache(monkeypatch)
    cold = get(client, analyst, **MARCH)["previous_period"]
    assert warm.keys() == cold.keys()
    for key, value in warm.items():
        if key != "weighting_run":
            assert value == (pytest.approx(cold[key], rel=1e-12) if isinstance(value, float | list) else cold[key])
