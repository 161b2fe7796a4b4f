"""Private array helpers shared by the modules of :mod:`sampling`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import SamplingError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


def as_float(values: npt.ArrayLike, name: str, *, allow_nan: bool = True) -> FloatArray:
    """Return ``values`` as a 1-D float64 array, raising a named error otherwise."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SamplingError(f"{name}: values must be numeric ({exc})") from None
    if arr.ndim != 1:
        raise SamplingError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    if not allow_nan and np.isnan(arr).any():
        first = int(np.flatnonzero(np.isnan(arr))[0])
        raise SamplingError(f"{name}: missing value at row {first}")
    return arr


@dataclass(frozen=True, eq=False)
class CodedColumn:
    """A label column already encoded, as a columnar reader gives it: row i has ``labels[codes[i]]``, and
    code -1 is a missing label. Designs and domains take it as they take a label array, without comparing
    a million strings; ``np.asarray`` gives the labels (None where missing)."""

    codes: IntArray
    labels: npt.NDArray[Any]

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the column (rows,)."""
        return (int(self.codes.shape[0]),)

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def __array__(self, dtype: Any = None, copy: Any = None) -> npt.NDArray[Any]:
        out = self.labels.astype(object)[np.maximum(self.codes, 0)]
        out[self.codes < 0] = None
        return out if dtype is None else out.astype(dtype)

    def sorted(self) -> tuple[IntArray, npt.NDArray[Any], BoolArray]:
        """Codes into the sorted labels that occur, those labels, and the rows whose label is missing."""
        missing = self.codes < 0
        used = np.zeros(self.labels.shape[0], dtype=bool)
        used[self.codes[~missing]] = True
        order = np.argsort(self.labels, kind="stable")
        order = order[used[order]]
        remap = np.full(self.labels.shape[0] + 1, -1, dtype=np.intp)
        remap[order] = np.arange(order.shape[0])
        return remap[self.codes], self.labels[order], missing


def length(values: object) -> int:
    """Rows of a column (array, sequence or :class:`CodedColumn`) without converting it."""
    if isinstance(values, CodedColumn):
        return len(values)
    return int(np.asarray(values).shape[0])


def factorize(values: npt.ArrayLike | CodedColumn, name: str) -> tuple[IntArray, npt.NDArray[Any]]:
    """Codes ``0..k-1`` and sorted labels of a 1-D label array; missing labels are an error."""
    if isinstance(values, CodedColumn):
        codes, labels, missing = values.sorted()
        if missing.any():
            raise SamplingError(f"{name}: missing value at row {int(np.flatnonzero(missing)[0])}")
        return codes, labels
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise SamplingError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        bad = np.isnan(arr)
        if bad.any():
            raise SamplingError(f"{name}: missing value at row {int(np.flatnonzero(bad)[0])}")
    elif arr.dtype.kind == "O":
        bad = np.array([v is None or (isinstance(v, float) and v != v) for v in arr], dtype=bool)
        if bad.any():
            raise SamplingError(f"{name}: missing value at row {int(np.flatnonzero(bad)[0])}")
        arr = arr.astype(str)
    if arr.dtype.kind in "iub" and arr.size:
        lo = int(arr.min())
        hi = int(arr.max())
        if hi - lo < 4 * arr.size + 1024:
            present = np.zeros(hi - lo + 1, dtype=bool)
            shifted = np.asarray(arr - lo, dtype=np.intp)
            present[shifted] = True
            remap = np.cumsum(present, dtype=np.intp) - 1
            labels = np.flatnonzero(present) + lo
            return remap[shifted], labels.astype(arr.dtype)
    labels, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.intp).reshape(-1), labels


def combine_codes(codes: list[IntArray], sizes: list[int]) -> tuple[IntArray, int]:
    """Joint codes of several code arrays (only the combinations present), and their count."""
    if not codes:
        raise SamplingError("combine_codes needs at least one array")
    joint = np.zeros_like(codes[0], dtype=np.int64)
    for c, k in zip(codes, sizes, strict=True):
        joint = joint * k + c
    uniq, inv = compact_codes(joint, int(np.prod(sizes, dtype=np.float64)))
    return inv, int(uniq.size)


def compact_codes(joint: npt.NDArray[np.int64], size: int) -> tuple[npt.NDArray[np.int64], IntArray]:
    """The sorted distinct values of non-negative ``joint`` (all below ``size``), and each row's index among
    them: ``np.unique(joint, return_inverse=True)``, by counting instead of sorting when ``size`` is small."""
    if size <= 4 * joint.shape[0] + 1024:
        seen = np.bincount(joint, minlength=size) > 0
        remap = np.cumsum(seen, dtype=np.intp) - 1
        return np.flatnonzero(seen).astype(np.int64), remap[joint]
    uniq, inv = np.unique(joint, return_inverse=True)
    return uniq, inv.astype(np.intp).reshape(-1)


def group_sum(codes: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Sum of ``values`` (1-D or 2-D by columns) within each code ``0..size-1``."""
    if values.ndim == 1:
        return bincount(codes, values, size)
    if values.shape[1] > _SPARSE_COLUMNS:  # one sparse product instead of a bincount per column
        from scipy import sparse  # imported here: the estimate command does not need it

        n = codes.shape[0]
        indicator = sparse.csc_matrix((np.ones(n), np.asarray(codes), np.arange(n + 1)), shape=(size, n))
        return np.asarray(indicator @ values, dtype=np.float64)
    out = np.empty((size, values.shape[1]), dtype=np.float64)
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=size)
    return out


_SPARSE_COLUMNS = 8


def bincount(codes: npt.ArrayLike, weights: npt.ArrayLike | None = None, minlength: int = 0) -> FloatArray:
    """``np.bincount`` typed as float64 (sums of weights, or counts as floats)."""
    return np.asarray(np.bincount(np.asarray(codes), weights=weights, minlength=minlength), dtype=np.float64)
