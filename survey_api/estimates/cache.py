"""Design rows of recent selections, kept in memory while their instrument version gains no response.

Responses are append-only, so the rows a selection matches change only when a response of its instrument
version is inserted; the arrival log (kept by database triggers on every insert, whatever the path)
numbers those inserts. A cached read is used only while that number is the one it was read at; what is
computed from the rows (answer summaries, digests) is kept with them and dropped with them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from sqlalchemy.orm import Session

from survey_api.collection.arrivals import responses_arrived
from survey_api.estimates.repository import DesignRows, design_rows
from survey_api.estimates.selection import Selection

T = TypeVar("T")


@dataclass
class CachedRows:
    """A selection's design rows and what has been computed from them."""

    rows: DesignRows
    derived: dict[Hashable, Any] = field(default_factory=dict)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, once per key for these rows."""
        if key not in self.derived:
            self.derived[key] = compute()
        return self.derived[key]  # type: ignore[no-any-return]


class RowsCache:
    """At most ``max_bytes`` of design rows (least recently used first out); 0 keeps nothing."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[CachedRows, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def rows(self, session: Session, selection: Selection, width: int) -> CachedRows:
        """The rows :func:`design_rows` reads for this selection, from memory while still current."""
        inserted = responses_arrived(session, selection.version_id)
        key = (session.connection().engine.url.render_as_string(hide_password=True), selection, inserted)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found[0]
        entry = CachedRows(design_rows(session, selection, width))
        size = _nbytes(entry.rows)
        if size <= self.max_bytes:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = (entry, size)
                    self._size += size
                while self._size > self.max_bytes:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self._size -= dropped
        return entry


def _nbytes(rows: DesignRows) -> int:
    """Memory held by the rows, with room for what is derived from them (about as much again)."""
    arrays: list[np.ndarray[Any, Any]] = [rows.scores, rows.design_weight, rows.fpc, rows.unit_id, rows.observed_on]
    arrays += [column.codes for column in (rows.stratum, rows.psu, rows.sex, rows.age_group, rows.channel)]
    return 2 * sum(a.nbytes for a in arrays)


_shared: RowsCache | None = None
_shared_lock = threading.Lock()


def shared_cache(max_megabytes: int) -> RowsCache:
    """The process's cache (created on first use with the given size)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.max_bytes != max_megabytes * 2**20:
            _shared = RowsCache(max_megabytes * 2**20)
        return _shared
