"""Rows read later merged into rows read before, giving exactly what one read of all of them gives.

A read orders its rows by arrival, then id (:func:`survey_api.estimates.repository.read_rows`). Rows that
arrived after a read either came later in that order (SQLite numbers arrivals in commit order) or, on
PostgreSQL, belong to transactions the earlier read did not see; no transaction is partly seen, so their
arrivals are none of the earlier rows'. Inserting each new row where its arrival sorts therefore gives the
order of a fresh read, and text columns are factorised again over the union of their levels, so every array
(and every number computed from them) equals a fresh read's.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from survey_api.estimates.repository import DesignRows, Labels


def merge(
    old: DesignRows, old_arrival: NDArray[np.int64], new: DesignRows, new_arrival: NDArray[np.int64]
) -> tuple[DesignRows, NDArray[np.int64], NDArray[np.intp]]:
    """``old`` and ``new`` rows (each in arrival order) as one read in arrival order, their arrivals, and
    where each of the ``old`` rows went."""
    at = np.searchsorted(old_arrival, new_arrival, side="right")
    moved = np.arange(old.n) + np.searchsorted(at, np.arange(old.n), side="right")

    appended = len(at) == 0 or at[0] == old.n  # the usual case: every new row arrived after the old ones

    def insert(before: NDArray[Any], added: NDArray[Any]) -> NDArray[Any]:
        return _append(before, added) if appended else np.insert(before, at, added, axis=0)

    def labels(before: Labels, added: Labels) -> Labels:
        levels = _union(before, added)
        return Labels(insert(_recode(before, levels), _recode(added, levels)), levels)

    return _each_field(insert, labels, old, new), insert(old_arrival, new_arrival), moved


def with_room(rows: DesignRows, arrival: NDArray[np.int64]) -> tuple[DesignRows, NDArray[np.int64]]:
    """The same rows, each array at the start of a buffer with room for rows to come: the first merge then
    writes the new rows in place instead of copying every row (done once, when the rows are read whole)."""

    def roomy(array: NDArray[Any]) -> NDArray[Any]:
        return _append(array, array[:0])

    def labels(column: Labels) -> Labels:
        return Labels(roomy(column.codes), column.levels)

    return _each_field(roomy, labels, rows), roomy(arrival)


def stack(first: DesignRows, second: DesignRows) -> DesignRows:
    """``first``'s rows followed by ``second``'s (new arrays), text columns factorised over both."""

    def labels(a: Labels, b: Labels) -> Labels:
        levels = _union(a, b)
        return Labels(np.concatenate([_recode(a, levels), _recode(b, levels)]), levels)

    def joined(a: NDArray[Any], b: NDArray[Any]) -> NDArray[Any]:
        return np.concatenate([a, b])

    return _each_field(joined, labels, first, second)


def _each_field(array: Callable[..., NDArray[Any]], labels: Callable[..., Labels], *parts: DesignRows) -> DesignRows:
    """Rows whose every column is ``array`` (text columns: ``labels``) of that column of each of ``parts``."""
    fields: dict[str, Any] = {}
    for name in DesignRows.__dataclass_fields__:
        columns = [getattr(part, name) for part in parts]
        fields[name] = labels(*columns) if isinstance(columns[0], Labels) else array(*columns)
    return DesignRows(**fields)


def _union(a: Labels, b: Labels) -> tuple[str, ...]:
    """The levels of both columns, sorted as a read factorises them."""
    return tuple(sorted(set(a.levels).union(b.levels)))


def _recode(column: Labels, levels: tuple[str, ...]) -> NDArray[np.int32]:
    if column.levels == levels:
        return column.codes
    position = {level: i for i, level in enumerate(levels)}
    # The last entry maps a missing value (-1) to itself.
    table = np.array([*(position[level] for level in column.levels), -1], dtype=np.int32)
    return table[column.codes]


# Appended rows go into room left after the rows of an earlier merge, instead of a copy of every row: each
# buffer records how many of its rows are in use, and only rows read at that length may take the next ones
# (an older, shorter view of it gets a copy), so no array anyone holds ever changes.
_GROWTH = 0.25
_in_use: dict[int, int] = {}
_lock = threading.Lock()


def _append(before: NDArray[Any], added: NDArray[Any]) -> NDArray[Any]:
    """``before`` followed by ``added``: written into ``before``'s buffer when it has room and no other rows
    were appended to it, otherwise copied into a new buffer with room to grow."""
    n, k = before.shape[0], added.shape[0]
    buffer = before.base
    if isinstance(buffer, np.ndarray) and _is_start_of(before, buffer) and buffer.shape[0] >= n + k:
        with _lock:
            claimed = _in_use.get(id(buffer)) == n
            if claimed:
                _in_use[id(buffer)] = n + k
        if claimed:
            buffer[n : n + k] = added
            return buffer[: n + k]
    buffer = np.empty((n + k + int(_GROWTH * (n + k)) + 64, *before.shape[1:]), dtype=before.dtype)
    buffer[:n] = before
    buffer[n : n + k] = added
    with _lock:
        _in_use[id(buffer)] = n + k
    weakref.finalize(buffer, _forget, id(buffer))
    return buffer[: n + k]


def _is_start_of(view: NDArray[Any], buffer: NDArray[Any]) -> bool:
    """Whether ``view`` is the first rows of ``buffer`` (as :func:`_append` makes them)."""
    return (
        view.dtype == buffer.dtype
        and view.shape[1:] == buffer.shape[1:]
        and view.__array_interface__["data"][0] == buffer.__array_interface__["data"][0]
        and view.flags.c_contiguous
    )


def _forget(key: int) -> None:
    with _lock:
        _in_use.pop(key, None)
