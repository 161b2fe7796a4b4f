"""A stage run ahead in a thread hands over its items, its end and its failure: an export whose reading fails
ends in an error, never in a file cut short that looks complete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from survey_api.exports._pipeline import Ahead


def test_items_then_the_end() -> None:
    assert list(Ahead(lambda: iter(range(10)), depth=2)) == list(range(10))


def test_a_failure_while_reading_reaches_the_consumer_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("the database went away")

    stage = Ahead(source)
    assert [next(stage), next(stage)] == [1, 2]
    with pytest.raises(ConnectionError, match="went away"):
        next(stage)


def test_a_source_that_cannot_start_fails_the_consumer() -> None:
    def source() -> Iterator[int]:
        raise ConnectionError("no connection")

    with pytest.raises(ConnectionError, match="no connection"):
        list(Ahead(source))


def test_closing_stops_the_thread_and_closes_the_source() -> None:
    closed = []

    def source() -> Iterator[int]:
        try:
            yield from range(1000)
        finally:
            closed.append(True)

    stage = Ahead(source, depth=1)
    assert next(stage) == 0
    stage.close()
    stage._thread.join()
    assert closed == [True]
    assert list(stage) == []
