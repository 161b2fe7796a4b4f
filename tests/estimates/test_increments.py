"""Rows kept in memory and brought up to date with the responses that arrive give exactly what a fresh read gives.

Each test keeps one warm cache (brought up to date request after request) and asks the same question of a
new, empty cache: the two answers must be identical, number for number and down to the weighting run.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text, update

import sampling
from sampling import AnswerSummary, extend_summary, summarise_answers
from sampling._summary_growth import appended_layout
from sampling.answer_summary import gram_step
from survey_api.db.engine import make_engine
from survey_api.db.models import Response, ResponseRevision
from survey_api.db.models.responses import MISSING_SCORE
from survey_api.estimates import cache, compute
from survey_api.estimates.definition import index_definition
from survey_api.estimates.increments import merge, with_room
from survey_api.estimates.repository import DesignRows, Labels, read_rows, take
from survey_api.estimates.selection import Selection
from survey_api.instruments.document import InstrumentDocument
from survey_api.migrations import PROJECT_ROOT
from tests.conftest import Db
from tests.estimates.arriving import make_units, store
from tests.estimates.test_weighted_indices import get
from tests.imports.apidata import DOCUMENT, publish_test_instrument

Headers = Callable[[str], dict[str, str]]


class Caches:
    """The warm cache the app keeps, or (``cold``) a new one for each request; counts incremental reads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.warm = cache.RowsCache(2**30)
        self.cold = False
        self.increments = 0
        self.full_reads = 0
        self.warm_full_reads = 0
        monkeypatch.setattr(
            "survey_api.estimates.service.shared_cache", lambda _: cache.RowsCache(2**30) if self.cold else self.warm
        )

        def counted(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("since") is None:
                self.full_reads += 1
                self.warm_full_reads += not self.cold
            else:
                self.increments += 1
            return read_rows(*args, **kwargs)

        monkeypatch.setattr(cache, "read_rows", counted)
        self.extended = 0
        extend = sampling.extend_summary

        def extended(*args: Any, **kwargs: Any) -> Any:
            self.extended += 1
            return extend(*args, **kwargs)

        monkeypatch.setattr(compute, "extend_summary", extended)

    def both(self, client: TestClient, headers: dict[str, str], **params: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The answer from the warm cache, then from an empty one."""
        warm = get(client, headers, **params)
        self.cold = True
        try:
            fresh = get(client, headers, **params)
        finally:
            self.cold = False
        return warm, fresh


@pytest.fixture
def setup(client: TestClient, db: Db, token_for: Headers) -> tuple[int, list[int], dict[str, str]]:
    return publish_test_instrument(db), make_units(db), token_for("analyst")


def _store(db: Db, version: int, units: list[int], seed: int, count: int, **kw: Any) -> None:
    with db() as session:
        store(session.connection(), version, units, seed, count, **kw)


QUESTIONS: list[dict[str, Any]] = [
    {"weighted": "true"},
    {"weighted": "true", "by": "unit"},
    {"weighted": "true", "by": "age_group"},
    {"weighted": "true", "by": "period", "from": "2026-03-01", "to": "2026-03-31"},
]


@pytest.mark.parametrize("designed", [True, False], ids=["designed", "qr"])
def test_responses_that_arrive_are_merged_into_the_numbers_of_a_fresh_read(
    client: TestClient,
    db: Db,
    setup: tuple[int, list[int], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    designed: bool,
) -> None:
    version, units, analyst = setup
    caches = Caches(monkeypatch)
    _store(db, version, units, seed=2, count=150, designed=designed)
    for question in QUESTIONS:
        get(client, analyst, **question)
    full = caches.warm_full_reads
    # Odd seeds bring a new stratum and PSUs: text columns gain levels, and the codes of rows read before move.
    for seed, count in ((3, 1), (4, 12), (5, 40)):
        _store(db, version, units, seed=seed, count=count, designed=designed)
        for question in QUESTIONS:
            warm, fresh = caches.both(client, analyst, **question)
            assert warm == fresh
    assert caches.warm_full_reads == full and caches.increments >= 3 * len(QUESTIONS)
    # Answers summarised per segment (designed responses) are brought up to date, not summed again.
    assert caches.extended >= (3 * len(QUESTIONS) if designed else 0)
    assert warm["responses"] == 150 + 1 + 12 + 40 or "from" in question


def test_a_response_stored_by_another_process_is_seen(
    client: TestClient,
    db: Db,
    database_url: str,
    setup: tuple[int, list[int], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    version, units, analyst = setup
    caches = Caches(monkeypatch)
    _store(db, version, units, seed=2, count=120)
    before = get(client, analyst, weighted="true", by="unit")
    command = [sys.executable, "-m", "tests.estimates.arriving", database_url, str(version), str(units[1]), "7", "2"]
    subprocess.run(command, check=True, cwd=PROJECT_ROOT, timeout=120)
    warm, fresh = caches.both(client, analyst, weighted="true", by="unit")
    assert warm == fresh and warm["responses"] == before["responses"] + 2 and caches.increments >= 1


def test_a_transaction_committing_after_a_later_one_was_read_is_not_missed(
    client: TestClient,
    db: Db,
    database_url: str,
    setup: tuple[int, list[int], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL the earlier transaction has the lower id but commits last (SQLite has one writer)."""
    version, units, analyst = setup
    caches = Caches(monkeypatch)
    _store(db, version, units, seed=2, count=100)
    get(client, analyst, weighted="true", by="unit")
    engine = make_engine(database_url)
    postgresql = engine.dialect.name == "postgresql"
    try:
        with engine.connect() as early, engine.connect() as late:
            if postgresql:
                store(early, version, units, seed=8, count=5)  # first transaction id, not committed yet
            store(late, version, units, seed=9, count=7)
            late.commit()
            warm, fresh = caches.both(client, analyst, weighted="true", by="unit")
            assert warm == fresh and warm["responses"] == 107
            if not postgresql:
                store(early, version, units, seed=8, count=5)
            early.commit()
    finally:
        engine.dispose()
    warm, fresh = caches.both(client, analyst, weighted="true", by="unit")
    assert warm == fresh and warm["responses"] == 112
    assert caches.warm_full_reads == 1  # the first request's: then the warm cache only added


@pytest.mark.parametrize("change", ["cells backfilled", "excluded", "deleted", "version moved"])
def test_a_change_to_stored_responses_sends_the_selection_back_to_be_read_whole(
    client: TestClient,
    db: Db,
    setup: tuple[int, list[int], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    version, units, analyst = setup
    caches = Caches(monkeypatch)
    _store(db, version, units, seed=2, count=120)
    get(client, analyst, weighted="true", by="sex")
    with db() as session:
        some = session.scalars(select(Response.id).where(Response.stratum == "A").limit(10)).all()
        rows = Response.id.in_(some)
        statement: Any = {
            "cells backfilled": update(Response).where(rows).values(sex="M", psu="A1"),
            "excluded": update(Response).where(rows).values(excluded=True),
            "deleted": text("DELETE FROM responses WHERE stratum = 'B'"),
            "version moved": text("UPDATE responses SET observed_on = observed_on"),
        }[change]
        session.execute(statement)
    reads = caches.warm_full_reads
    warm, fresh = caches.both(client, analyst, weighted="true", by="sex")
    assert warm == fresh and caches.warm_full_reads == reads + 1
    with db() as session:
        assert session.scalar(
            select(ResponseRevision.revisions).where(ResponseRevision.instrument_version_id == version)
        )


def test_arrival_is_numbered_whatever_the_insert_says(
    client: TestClient, db: Db, setup: tuple[int, list[int], dict[str, str]]
) -> None:
    """An insert that copies every column of another row, its arrival too, still gets an arrival of its own."""
    version, units, _ = setup
    _store(db, version, units, seed=2, count=3)
    with db() as session:
        copied = dict(session.execute(select(Response.__table__).limit(1)).mappings().one())
        session.execute(insert(Response), [{**copied, "id": uuid.uuid4()}])
    with db() as session:
        arrivals = session.scalars(select(Response.arrival).where(Response.instrument_version_id == version)).all()
        assert len(set(arrivals)) >= 2 and min(arrivals) > 0 and copied["arrival"] in arrivals
        rows, arrival, _ = read_rows(session, Selection(version), 3)
        assert rows.n == 4 and list(arrival) == sorted(arrival) and arrival[-1] != copied["arrival"]


def _rows(rng: np.random.Generator, n: int, levels: tuple[str, ...]) -> DesignRows:
    def labels() -> Labels:
        values = [levels[k] if k < len(levels) else None for k in rng.integers(0, len(levels) + 1, n)]
        return Labels.of(values)

    return DesignRows(
        rng.integers(0, 6, (n, 4)).astype(np.uint8),
        labels(),
        labels(),
        rng.uniform(1, 9, n),
        np.full(n, np.nan),
        labels(),
        labels(),
        rng.integers(-1, 5, n),
        labels(),
        np.datetime64("2026-01-01") + rng.integers(0, 90, n).astype("timedelta64[D]"),
    )


def _equal(a: DesignRows, b: DesignRows) -> bool:
    for name in DesignRows.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, Labels):
            if x.levels != y.levels or not np.array_equal(x.codes, y.codes):
                return False
        elif not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            return False
    return True


@pytest.mark.parametrize("interleaved", [True, False], ids=["committed out of order", "appended"])
def test_merging_gives_the_arrays_of_one_read_of_everything(interleaved: bool) -> None:
    rng = np.random.default_rng(5)
    whole = _rows(rng, 500, ("p", "q", "r", "s", "t"))
    arrival = np.sort(rng.integers(1, 60, 500))
    # What an earlier read saw: the transactions (arrivals) it saw, with the levels they have.
    seen = np.isin(arrival, rng.choice(np.unique(arrival), 30, replace=False)) if interleaved else arrival < 40
    old_rows, new_rows = (take(whole, np.flatnonzero(part)) for part in (seen, ~seen))
    old, new = (_refactorised(part) for part in (old_rows, new_rows))
    merged, merged_arrival, moved = merge(old, arrival[seen], new, arrival[~seen])
    assert _equal(merged, _refactorised(whole)) and np.array_equal(merged_arrival, arrival)
    assert np.array_equal(moved, np.flatnonzero(seen))


def test_rows_read_whole_take_the_first_arrivals_in_place() -> None:
    rng = np.random.default_rng(6)
    whole = _refactorised(_rows(rng, 400, ("p", "q")))
    arrival = np.arange(400)
    old, new = take(whole, np.arange(390)), take(whole, np.arange(390, 400))
    roomy, roomy_arrival = with_room(old, arrival[:390])
    assert _equal(roomy, old) and np.array_equal(roomy_arrival, arrival[:390])
    merged, merged_arrival, _ = merge(roomy, roomy_arrival, new, arrival[390:])
    assert _equal(merged, whole) and np.array_equal(merged_arrival, arrival)
    # Written after the rows read, not copied with them.
    for name in ("scores", "design_weight", "unit_id", "observed_on"):
        assert np.shares_memory(getattr(merged, name), getattr(roomy, name)), name
    assert np.shares_memory(merged.psu.codes, roomy.psu.codes) and np.shares_memory(merged_arrival, roomy_arrival)
    # Rows read whole without room are copied by the first merge.
    assert not np.shares_memory(merge(old, arrival[:390], new, arrival[390:])[0].scores, old.scores)


def _refactorised(rows: DesignRows) -> DesignRows:
    """The rows with each text column's levels only those present, as a read gives them."""
    fields: dict[str, Any] = {}
    for name in DesignRows.__dataclass_fields__:
        value = getattr(rows, name)
        fields[name] = Labels.of(list(value.values())) if isinstance(value, Labels) else value
    return DesignRows(**fields)


@pytest.mark.parametrize(
    ("collide", "appended"),
    [(False, False), (True, False), (False, True), (True, True)],
    ids=["segments", "earlier segments split", "appended", "appended, earlier segments split"],
)
def test_a_summary_extended_with_the_rows_that_arrived_is_the_summary_of_every_row(
    collide: bool, appended: bool
) -> None:
    rng = np.random.default_rng(9)
    definition = index_definition(InstrumentDocument.model_validate(DOCUMENT))
    items = list(definition.items)
    answers = rng.integers(1, 6, (2000, len(items))).astype(np.uint8)
    answers[rng.random(answers.shape) < 0.1] = MISSING_SCORE
    segments = rng.integers(0, 300, 2000)  # later rows bring segments of their own, and join earlier ones
    seen = np.arange(2000) < 1600 if appended else rng.random(2000) < 0.8
    earlier_segments = segments[seen] % 7 if collide else segments[seen]
    earlier = summarise_answers(answers[seen], items, definition, earlier_segments, missing=MISSING_SCORE)
    moved = np.flatnonzero(seen)
    grown = extend_summary(earlier, answers, items, definition, segments, moved, missing=MISSING_SCORE)
    whole = summarise_answers(answers, items, definition, segments, missing=MISSING_SCORE)
    # Rows appended to unchanged segments: the earlier order is extended, not sorted again.
    grows = appended_layout(earlier.order, earlier.starts, earlier.segments, segments)
    assert (grows is not None and np.array_equal(moved, np.arange(len(moved)))) == (appended and not collide)
    for name in AnswerSummary.__dataclass_fields__:
        a, b = getattr(grown, name), getattr(whole, name)
        assert (np.array_equal(a, b) and a.dtype == b.dtype) if isinstance(a, np.ndarray) else a == b, name


def test_a_summary_grown_by_many_appends_is_the_summary_of_every_row(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(4)
    definition = index_definition(InstrumentDocument.model_validate(DOCUMENT))
    items = list(definition.items)
    # A small budget samples every 2nd row for the Gram matrix, every 3rd from 3,000 rows on.
    monkeypatch.setattr("sampling.answer_summary._GRAM_BUDGET", 2000 * (3 * len(items)) ** 2 / 1.5)
    answers = rng.integers(1, 6, (3000, len(items))).astype(np.uint8)
    answers[rng.random(answers.shape) < 0.1] = MISSING_SCORE
    # Designed rows share segments; rows arriving later bring codes below, between and above theirs, and
    # some join earlier segments.
    segments = np.r_[rng.integers(100, 200, 2000) * 10, rng.integers(0, 3000, 1000)]
    summary = summarise_answers(answers[:2000], items, definition, segments[:2000], missing=MISSING_SCORE)
    steps = [gram_step(2000, len(items))]
    for end in (2001, 2002, 2100, 2500, 3000):
        n = summary.n
        grown = extend_summary(
            summary, answers[:end], items, definition, segments[:end], np.arange(n), missing=MISSING_SCORE
        )
        assert appended_layout(summary.order, summary.starts, summary.segments, segments[:end]) is not None
        whole = summarise_answers(answers[:end], items, definition, segments[:end], missing=MISSING_SCORE)
        for name in AnswerSummary.__dataclass_fields__:
            a, b = getattr(grown, name), getattr(whole, name)
            assert (np.array_equal(a, b) and a.dtype == b.dtype) if isinstance(a, np.ndarray) else a == b, name
        summary = grown
        steps.append(gram_step(end, len(items)))
    assert steps == [2, 2, 2, 2, 2, 3]  # the subsample was kept, then drawn again
