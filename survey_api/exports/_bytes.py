"""Byte matrices of export cells: one row per response, padded with ``PAD``; numbers, days, instants and
UUIDs written as text by numpy, without a Python loop per row (:mod:`survey_api.exports._cells` assembles
them into CSV and XLSX rows)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

PAD = 0xFF
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
_DIGITS = np.frombuffer(b"0123456789", np.uint8)
_DASHES = (8, 12, 16, 20)
Bytes = NDArray[np.uint8]
Codes = tuple[NDArray[np.intp], list[str | None]]  # a code per row, and the distinct values (None = NULL)


def _padded(values: Sequence[bytes], width: int | None = None) -> Bytes:
    """Byte strings as the rows of a matrix padded with PAD."""
    n = len(values)
    width = max(max(map(len, values), default=0), 1) if width is None else width
    matrix = np.frombuffer(np.array(values, dtype=f"S{width}").tobytes(), np.uint8).reshape(n, width).copy()
    lengths = np.fromiter(map(len, values), np.int64, count=n)
    matrix[np.arange(width) >= lengths[:, None]] = PAD
    return matrix


def _constants(value: bytes, n: int) -> list[Bytes]:
    """The same bytes on every row, as a piece (none for no bytes)."""
    return [np.broadcast_to(_padded([value]), (n, len(value)))] if value else []


def _uuids(ids: Bytes) -> Bytes:
    """UUID bytes as their canonical text (n × 36)."""
    n = ids.shape[0]
    digits = np.empty((n, 32), np.uint8)
    digits[:, 0::2] = _HEX[ids >> 4]
    digits[:, 1::2] = _HEX[ids & 15]
    return np.insert(digits, _DASHES, ord("-"), axis=1)


def _days(days: NDArray[np.datetime64]) -> Codes:
    distinct, codes = np.unique(days, return_inverse=True)
    return codes.reshape(-1), [str(d) for d in np.datetime_as_string(distinct, unit="D").tolist()]


def _digits(values: NDArray[np.int64], width: int) -> Bytes:
    """Non-negative integers as zero-padded decimal text (n × width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits: Bytes = _DIGITS[(values[:, None] // powers) % 10]
    return digits


def _instants(instants: NDArray[np.datetime64]) -> Bytes:
    """UTC instants as ``datetime.isoformat`` writes them: microseconds only when not zero, then ``+00:00``."""
    micros = instants.astype("datetime64[us]")
    days = micros.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]")
    clock = (micros - days).astype(np.int64)  # microseconds into the day
    parts = [
        (years.astype(np.int64) + 1970, 4, b"-"),
        ((months - years.astype("datetime64[M]")).astype(np.int64) + 1, 2, b"-"),
        ((days - months.astype("datetime64[D]")).astype(np.int64) + 1, 2, b"T"),
        (clock // 3_600_000_000, 2, b":"),
        (clock // 60_000_000 % 60, 2, b":"),
        (clock // 1_000_000 % 60, 2, b"."),
        (clock % 1_000_000, 6, b"+00:00"),
    ]
    n = len(instants)
    pieces: list[Bytes] = []
    for values, width, after in parts:
        pieces += [_digits(values, width), *_constants(after, n)]
    matrix: Bytes = np.hstack(pieces)
    matrix[clock % 1_000_000 == 0, 19:26] = PAD  # ".ffffff"
    return matrix


def _row_starts(first: int, n: int, around: tuple[bytes, bytes]) -> Bytes:
    """``<row r="N">`` for the rows numbered from ``first``."""
    numbers = np.arange(first, first + n, dtype=np.int64)
    width = len(str(first + n - 1))
    digits = _digits(numbers, width)
    length = np.searchsorted(10 ** np.arange(1, width + 1, dtype=np.int64), numbers, side="right") + 1
    digits[np.arange(width) < width - length[:, None]] = PAD  # no leading zeros
    return np.hstack([*_constants(around[0], n), digits, *_constants(around[1], n)])
