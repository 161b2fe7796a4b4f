"""Private array helpers shared by the modules of :mod:`sampling`."""

from __future__ import annotations

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


def factorize(values: npt.ArrayLike, name: str) -> tuple[IntArray, npt.NDArray[Any]]:
    """Codes ``0..k-1`` and sorted labels of a 1-D label array; missing labels are an error."""
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
            shifted = (arr - lo).astype(np.intp)
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
    uniq, inv = np.unique(joint, return_inverse=True)
    return inv.astype(np.intp).reshape(-1), int(uniq.size)


def group_sum(codes: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Sum of ``values`` (1-D or 2-D by columns) within each code ``0..size-1``."""
    if values.ndim == 1:
        return bincount(codes, values, size)
    out = np.empty((size, values.shape[1]), dtype=np.float64)
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=size)
    return out


def bincount(codes: npt.ArrayLike, weights: npt.ArrayLike | None = None, minlength: int = 0) -> FloatArray:
    """``np.bincount`` typed as float64 (sums of weights, or counts as floats)."""
    return np.asarray(np.bincount(np.asarray(codes), weights=weights, minlength=minlength), dtype=np.float64)
