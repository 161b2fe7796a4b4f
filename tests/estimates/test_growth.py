"""Rows growing in place and the weighting run's digest kept up to date give exactly what starting over gives."""

from __future__ import annotations

import numpy as np
import pytest

from survey_api.estimates import digest
from survey_api.estimates.digest import grown_rows_digest, inputs_digest, rows_digest
from survey_api.estimates.increments import _append, merge
from survey_api.estimates.repository import take
from survey_api.estimates.weighting import build_design
from tests.estimates.test_increments import _refactorised, _rows


def test_appended_rows_go_into_room_left_without_changing_any_earlier_array() -> None:
    first = np.arange(10, dtype=np.int64)
    grown = _append(first, np.array([10, 11]))  # a copy with room to grow
    more = _append(grown, np.array([12]))  # into that room
    assert np.shares_memory(grown, more) and list(more) == list(range(13)) and list(grown) == list(range(12))
    # An older, shorter view of the same buffer may not write where the longer one's rows are.
    other = _append(grown, np.array([99, 98]))
    assert not np.shares_memory(other, more)
    assert list(more) == list(range(13)) and list(other) == [*range(12), 99, 98]
    rows = _append(np.zeros((3, 2), np.uint8), np.ones((2, 2), np.uint8))
    assert rows.shape == (5, 2) and _append(rows, np.full((1, 2), 7, np.uint8))[-1].tolist() == [7, 7]


@pytest.mark.parametrize("interleaved", [False, True], ids=["appended", "committed out of order"])
def test_the_digest_of_grown_rows_is_the_digest_of_the_rows_read_at_once(
    interleaved: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(8)
    whole = _rows(rng, 400, ("p", "q", "r"))
    arrival = np.sort(rng.integers(1, 50, 400))
    seen = np.isin(arrival, rng.choice(np.unique(arrival), 25, replace=False)) if interleaved else arrival < 35
    old, new = (_refactorised(take(whole, np.flatnonzero(part))) for part in (seen, ~seen))
    earlier = rows_digest(old)
    merged, _, moved = merge(old, arrival[seen], new, arrival[~seen])
    hashed_again = []
    monkeypatch.setattr(digest, "rows_digest", lambda rows: hashed_again.append(rows) or rows_digest(rows))
    grown = grown_rows_digest(earlier, moved, merged)
    # Appended rows are hashed alone; rows that went in between send every row to be hashed again.
    assert len(hashed_again) == int(interleaved)
    weighting = build_design(merged, None, lonely_psu="adjust")
    filters = {"unit": None, "from": None, "to": None}
    assert inputs_digest(merged, 1, filters, weighting, grown) == inputs_digest(merged, 1, filters, weighting)
