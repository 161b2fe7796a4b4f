"""Domains: the joint code of one or more label columns for every row, and each domain's labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import EstimationError
from ._util import BoolArray, CodedColumn, IntArray, compact_codes, factorize, length

__all__ = ["DomainLabels", "domain_codes"]

DomainLabels = tuple[tuple[str, str], ...]
"""A domain's (column name, label) pairs."""


def domain_codes(
    columns: Sequence[npt.ArrayLike | CodedColumn], names: Sequence[str] | None = None
) -> tuple[IntArray, list[DomainLabels]]:
    """Joint domain code of every row (-1 where a by-value is missing) and each domain's labels.

    Domains are ordered by their labels (numbers as numbers), as R's ``svyby`` orders factor levels.
    """
    if not columns:
        raise EstimationError("by needs at least one column")
    names = list(names) if names is not None else [f"by{j}" for j in range(len(columns))]
    if len(names) != len(columns):
        raise EstimationError(f"{len(columns)} by columns but {len(names)} names")
    lengths = {length(c) for c in columns}
    if len(lengths) != 1:
        raise EstimationError(f"by columns have different lengths {sorted(lengths)}")
    codes_list: list[IntArray] = []
    labels_list: list[npt.NDArray[Any]] = []
    missing: BoolArray = np.zeros(lengths.pop(), dtype=bool)
    for col in columns:
        codes, labels, miss = _column_codes(col)
        codes_list.append(codes)
        labels_list.append(labels)
        missing = missing | miss
    if len(codes_list) == 1:
        return codes_list[0], [((names[0], _fmt_label(v)),) for v in labels_list[0]]
    joint = np.zeros(missing.shape[0], dtype=np.int64)
    for c, lab in zip(codes_list, labels_list, strict=True):
        joint = joint * max(lab.shape[0], 1) + np.maximum(c, 0)
    size = int(np.prod([max(lab.shape[0], 1) for lab in labels_list], dtype=np.float64))
    if missing.any():
        present = compact_codes(joint[~missing], size)[0]
        codes = np.searchsorted(present, joint).astype(np.intp)
        codes[missing] = -1
    else:
        present, codes = compact_codes(joint, size)
    domain_labels: list[DomainLabels] = []
    for value in present:
        rest = int(value)
        parts: list[str] = []
        for lab in reversed(labels_list):
            k = max(lab.shape[0], 1)
            parts.append(_fmt_label(lab[rest % k]))
            rest //= k
        parts.reverse()
        domain_labels.append(tuple(zip(names, parts, strict=True)))
    return codes, domain_labels


def _column_codes(col: npt.ArrayLike | CodedColumn) -> tuple[IntArray, npt.NDArray[Any], BoolArray]:
    """Codes into the sorted labels that occur (-1 where missing), those labels, and the missing rows."""
    if isinstance(col, CodedColumn):
        return col.sorted()
    arr = np.asarray(col)
    if arr.dtype.kind in "iub":
        codes, labels = factorize(arr, "by")
        return codes, labels, np.zeros(arr.shape[0], dtype=bool)
    if arr.dtype.kind == "f":
        miss = np.isnan(arr)
    elif arr.dtype.kind in "OUS":
        arr = arr.astype(str)
        miss = (arr == "") | (arr == "None") | (arr == "nan") | (arr == "NA")
    else:
        miss = np.zeros(arr.shape[0], dtype=bool)
    if miss.any():
        fill = arr[~miss][0] if (~miss).any() else arr[0]
        arr = np.where(miss, fill, arr)
    labels, inv = np.unique(arr, return_inverse=True)
    inv = inv.reshape(-1)
    used = np.zeros(labels.shape[0], dtype=bool)
    used[inv[~miss]] = True
    remap = np.cumsum(used) - 1
    return np.where(miss, -1, remap[inv]).astype(np.intp), labels[used], miss


def _fmt_label(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)
