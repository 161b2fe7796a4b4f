"""Reused reads and answer summaries: the same numbers as reading every row, and never stale."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.collection.arrivals import fold, responses_arrived
from survey_api.db.models import Response, ResponseArrival
from survey_api.estimates import cache
from survey_api.estimates.repository import read_rows
from tests.conftest import Db
from tests.estimates.test_weighted_indices import get, import_rows
from tests.imports.apidata import api_rows, publish_test_instrument

Headers = Callable[[str], dict[str, str]]


def numbers(body: dict[str, Any]) -> list[float]:
    """Every level's estimates, SEs, CIs and design effects, overall and in the breakdown (NaN: null)."""
    keys = ("satisfied", "satisfied_se", "satisfied_ci", "mean", "mean_se", "mean_ci", "deff", "n", "respondents")
    out: list[float] = []
    for part in [body, *body.get("breakdown", [])]:
        for level in [part["overall"], *part["groups"], *part["elements"], *part["items"]]:
            for key in keys:
                value = level.get(key)
                out.extend(float("nan") if v is None else v for v in (value if isinstance(value, list) else [value]))
    return out


@pytest.mark.parametrize("by", [None, "sex", "period"])
def test_segments_give_the_numbers_of_every_row(
    client: TestClient, db: Db, token_for: Headers, monkeypatch: pytest.MonkeyPatch, by: str | None
) -> None:
    publish_test_instrument(db)
    analyst = token_for("analyst")
    import_rows(client, api_rows(), analyst)
    params = {"by": by} if by else {}
    summaries = []
    keep_nothing = cache.RowsCache(0)
    monkeypatch.setattr("survey_api.estimates.service.shared_cache", lambda _: keep_nothing)
    original = cache.CachedRows.memo

    def spy(self: cache.CachedRows, key: Any, compute: Callable[[], Any], extend: Any = None) -> Any:
        summaries.append(value := original(self, key, compute, extend))
        return value

    monkeypatch.setattr(cache.CachedRows, "memo", spy)
    segmented = get(client, analyst, **params)
    kept = summaries[-1].answers if summaries else None
    assert kept is not None and kept.n_segments < segmented["responses"]
    monkeypatch.setattr("survey_api.estimates.compute.segment_codes", lambda *_: None)
    by_rows = get(client, analyst, **params)
    assert summaries[-1].answers is None
    assert numbers(segmented) == pytest.approx(numbers(by_rows), rel=1e-9, abs=1e-12, nan_ok=True)


def test_a_new_response_is_seen_and_an_unchanged_selection_is_read_once(
    client: TestClient, db: Db, token_for: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_test_instrument(db)
    analyst = token_for("analyst")
    rows = api_rows()
    import_rows(client, rows[:150], analyst)
    reads: list[bool] = []  # whether each read was of everything (or of what arrived since the last)

    def spy(*args: Any, **kwargs: Any) -> Any:
        reads.append(kwargs.get("since") is None)
        return read_rows(*args, **kwargs)

    monkeypatch.setattr(cache, "read_rows", spy)
    first = get(client, analyst, by="sex")
    again = get(client, analyst, by="sex")
    assert first == again and reads == [True, False]
    import_rows(client, rows[150:], analyst)
    after = get(client, analyst, by="sex")
    assert reads == [True, False, False] and after["responses"] == len(rows) > first["responses"] == 150
    assert after["overall"]["satisfied"] != first["overall"]["satisfied"]


def test_arrivals_follow_every_insert_path(client: TestClient, db: Db, token_for: Headers) -> None:
    version = publish_test_instrument(db)
    analyst = token_for("analyst")
    rows = api_rows()
    import_rows(client, rows[:20], analyst)
    import_rows(client, rows[:20], analyst)  # the same file again: stored once, counted once
    import_rows(client, rows[20:30], analyst)
    with db() as session:
        stored = session.scalar(
            select(func.count()).select_from(Response).where(Response.instrument_version_id == version)
        )
        counted = responses_arrived(session, version)
        fold(session.connection().engine, version)
    with db() as session:
        entries = session.scalar(
            select(func.count()).select_from(ResponseArrival).where(ResponseArrival.instrument_version_id == version)
        )
        assert stored == counted == responses_arrived(session, version) == 30 and entries == 1
