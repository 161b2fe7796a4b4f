"""Design rows of recent selections, kept in memory and brought up to date with the responses that arrive.

Responses are append-only: a selection read before changes only by the responses that arrived since, so
a later request reads just those (:func:`repository.read_rows` after the entry's :class:`Mark`) and merges
them in (:func:`increments.merge`), which gives the arrays a fresh read gives. Whatever changes stored
responses instead (an update or a deletion on any path, counted per instrument version by database
triggers) sends the selection back to be read whole. What is computed from the rows (answer summaries) is
kept with them and computed again from the merged arrays when responses arrived.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from survey_api.estimates.increments import merge, with_room
from survey_api.estimates.repository import ChangedMeanwhile, DesignRows, Mark, read_rows
from survey_api.estimates.selection import Selection

T = TypeVar("T")
# A read that keeps meeting concurrent changes of stored responses is tried this many times.
_ATTEMPTS = 3


@dataclass
class CachedRows:
    """A selection's design rows, as of ``mark``, and what has been computed from them.

    ``carried`` keeps what was computed from earlier rows, each with the positions those rows have now,
    for :meth:`memo` to bring up to date instead of computing it again; ``own`` holds what is computed from
    these rows alone (weights), dropped when they grow.
    """

    rows: DesignRows
    arrival: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    mark: Mark | None = None
    derived: dict[Hashable, Any] = field(default_factory=dict)
    carried: dict[Hashable, tuple[Any, NDArray[np.intp]]] = field(default_factory=dict)
    own: dict[Hashable, tuple[Any, Any]] = field(default_factory=dict)

    def memo(
        self, key: Hashable, compute: Callable[[], T], extend: Callable[[T, NDArray[np.intp]], T] | None = None
    ) -> T:
        """``compute()``, once per key for these rows; ``extend(earlier value, positions of its rows)`` when
        the value was computed for earlier rows."""
        if key not in self.derived:
            earlier = self.carried.pop(key, None)
            self.derived[key] = compute() if earlier is None or extend is None else extend(*earlier)
        return self.derived[key]  # type: ignore[no-any-return]

    def once(self, key: Hashable, compute: Callable[[], T], owner: object = None) -> T:
        """``compute()``, once per key for these rows and ``owner`` (an object the value is computed from,
        compared by identity: another owner computes it again); not brought along when the rows grow."""
        found = self.own.get(key)
        if found is None or found[0] is not owner:
            found = self.own[key] = (owner, compute())
        return found[1]

    def grown(self, rows: DesignRows, arrival: NDArray[np.int64], mark: Mark, moved: NDArray[np.intp]) -> CachedRows:
        """These rows grown into ``rows`` (this entry's rows now at ``moved``), carrying what was computed."""
        carried = {key: (value, moved) for key, value in self.derived.items()}
        for key, (value, earlier) in self.carried.items():
            carried.setdefault(key, (value, moved[earlier]))
        return CachedRows(rows, arrival, mark, carried=carried)


class RowsCache:
    """At most ``max_bytes`` of design rows (least recently used first out); 0 keeps nothing."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[CachedRows, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def rows(self, session: Session, selection: Selection, width: int) -> CachedRows:
        """The rows :func:`repository.design_rows` reads for this selection: from memory, with the responses
        that arrived since added, or read whole when stored responses changed."""
        key = (session.connection().engine.url.render_as_string(hide_password=True), selection, width)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
        entry = self._updated(session, selection, width, found[0]) if found is not None else None
        if entry is None:
            entry = self._read(session, selection, width)
        if found is None or entry is not found[0]:
            self._store(key, entry, None if found is None else found[0])
        return entry

    def _updated(self, session: Session, selection: Selection, width: int, cached: CachedRows) -> CachedRows | None:
        """``cached`` (itself when nothing arrived) with what arrived since; None when it is no longer valid."""
        if cached.mark is None:
            return None
        try:
            new, arrival, mark = read_rows(session, selection, width, since=cached.mark)
        except ChangedMeanwhile:
            return None
        if (mark.revisions, mark.origin) != (cached.mark.revisions, cached.mark.origin):
            return None
        if new.n == 0:
            # The same rows as of a later point: later reads then look at fewer transactions.
            return CachedRows(cached.rows, cached.arrival, mark, cached.derived, cached.carried, cached.own)
        rows, arrivals, moved = merge(cached.rows, cached.arrival, new, arrival)
        return cached.grown(rows, arrivals, mark, moved)

    @staticmethod
    def _read(session: Session, selection: Selection, width: int) -> CachedRows:
        for attempt in range(_ATTEMPTS):
            try:
                rows, arrival, mark = read_rows(session, selection, width)
                return CachedRows(*with_room(rows, arrival), mark)
            except ChangedMeanwhile:
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _store(self, key: Hashable, entry: CachedRows, replaces: CachedRows | None) -> None:
        """Keep ``entry`` under ``key`` unless another request stored a newer one meanwhile."""
        size = _nbytes(entry)
        with self._lock:
            current = self._entries.get(key)
            if current is not None and current[0] is not replaces:
                return
            if current is not None:
                del self._entries[key]
                self._size -= current[1]
            if size > self.max_bytes:
                return
            self._entries[key] = (entry, size)
            self._size += size
            while self._size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped


def _nbytes(entry: CachedRows) -> int:
    """Memory held by the rows, with room for what is derived from them (about as much again)."""
    rows = entry.rows
    arrays: list[np.ndarray[Any, Any]] = [rows.scores, rows.design_weight, rows.fpc, rows.unit_id, rows.observed_on]
    arrays += [column.codes for column in (rows.stratum, rows.psu, rows.sex, rows.age_group, rows.channel)]
    return 2 * sum(map(_held, arrays)) + _held(entry.arrival)


def _held(array: np.ndarray[Any, Any]) -> int:
    """Bytes of ``array``'s buffer (with the room left for rows to come, see ``increments``)."""
    return int(array.base.nbytes) if isinstance(array.base, np.ndarray) else int(array.nbytes)


_shared: RowsCache | None = None
_shared_lock = threading.Lock()


def shared_cache(max_megabytes: int) -> RowsCache:
    """The process's cache (created on first use with the given size)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.max_bytes != max_megabytes * 2**20:
            _shared = RowsCache(max_megabytes * 2**20)
        return _shared
