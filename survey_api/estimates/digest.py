"""The digest that identifies a weighting run's inputs, with the rows' part kept up to date as rows arrive.

Each column of the rows is hashed on its own (SHA-256 over its bytes, text columns with their levels), and
the run's digest hashes the description of the weights with those column digests. Responses that arrived
after the others only extend each column's hash (:func:`grown_rows_digest`), so a request right after a new
answer hashes that answer rather than every row again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from survey_api.estimates.repository import DesignRows
from survey_api.hashing import canonical_digest
from survey_api.margins.service import variable_parts

if TYPE_CHECKING:
    from survey_api.estimates.weighting import Weighting

_NUMBERS = ("scores", "design_weight", "fpc")
_TEXTS = ("stratum", "psu", "sex", "age_group")
_UNIT = "unit_id"


@dataclass(frozen=True)
class RowsDigest:
    """Running SHA-256 hashes of each column of ``n`` rows; ``levels`` are the text columns' levels."""

    n: int
    levels: tuple[tuple[str, ...], ...]
    hashes: dict[str, Any]

    def column(self, name: str) -> bytes:
        """The digest of one column as it stands."""
        return bytes(self.hashes[name].digest())


def rows_digest(rows: DesignRows) -> RowsDigest:
    """Hash every column of ``rows``."""
    hashes = {}
    for name in (*_NUMBERS, *_TEXTS, _UNIT):
        hashes[name] = hashlib.sha256()
        hashes[name].update(_bytes(rows, name, 0))
    return RowsDigest(rows.n, _levels(rows), hashes)


def grown_rows_digest(earlier: RowsDigest, moved: NDArray[np.intp], rows: DesignRows) -> RowsDigest:
    """:func:`rows_digest` of ``rows``, given ``earlier`` of the rows now at ``moved``: only the rows after
    them are hashed when they are the first rows and the text columns kept their levels."""
    appended = earlier.n == len(moved) and (earlier.n == 0 or int(moved[-1]) == earlier.n - 1)
    if not appended or _levels(rows) != earlier.levels:
        return rows_digest(rows)
    hashes = {}
    for name, running in earlier.hashes.items():
        hashes[name] = running.copy()  # the earlier digest stays as it was for whoever holds it
        hashes[name].update(_bytes(rows, name, earlier.n))
    return RowsDigest(rows.n, earlier.levels, hashes)


def inputs_digest(
    rows: DesignRows,
    version_id: int,
    filters: dict[str, Any],
    weighting: Weighting,
    columns: RowsDigest | None = None,
) -> str:
    """SHA-256 of everything the weights and the estimate depend on (``columns``: :func:`rows_digest` of
    ``rows`` when known)."""
    columns = columns or rows_digest(rows)
    digest = hashlib.sha256()
    described: list[Any] = [version_id, filters, weighting.method, weighting.margins, weighting.params]
    if "nonresponse" in weighting.diagnostics:  # the factors come from contact outcomes, not from the rows
        described.append(weighting.diagnostics["nonresponse"])
    digest.update(canonical_digest(described).encode())
    for name in _NUMBERS:
        digest.update(columns.column(name))
    for name, levels in zip(_TEXTS, columns.levels, strict=True):
        digest.update("\x1f".join(levels).encode() + b"\x00")
        digest.update(columns.column(name))
    if any("unit" in variable_parts(v) for v in weighting.margins.get("totals", {})):
        digest.update(columns.column(_UNIT))
    return digest.hexdigest()


def _levels(rows: DesignRows) -> tuple[tuple[str, ...], ...]:
    return tuple(getattr(rows, name).levels for name in _TEXTS)


def _bytes(rows: DesignRows, name: str, start: int) -> memoryview:
    """The column's values from row ``start`` on, through the buffer protocol (no copy when contiguous)."""
    column = getattr(rows, name)
    values = column.codes if name in _TEXTS else column
    return np.ascontiguousarray(values[start:]).data
