"""Sums per sampling unit and domain, kept only for the pairs that occur: a unit usually lies in one or a few
of many domains, so a table of every unit × every domain would be mostly zeros (and tens of MB)."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ._util import FloatArray, IntArray


class PairSums:
    """Column sums of row blocks per (unit, bucket) pair, for ``n_units`` units and ``n_buckets`` buckets."""

    def __init__(self, n_units: int, n_buckets: int, width: int) -> None:
        self.n_units, self.n_buckets, self.width = n_units, n_buckets, width
        self.codes = np.empty(0, dtype=np.int64)  # unit × n_buckets + bucket, ascending
        self.sums = np.zeros((0, width))

    def add(self, unit: IntArray, bucket: IntArray, weights: FloatArray, block: FloatArray, columns: slice) -> None:
        """Add ``weights[i] * block[i]`` to the pair of row i, in ``columns``."""
        present, inverse = np.unique(unit.astype(np.int64) * self.n_buckets + bucket, return_inverse=True)
        part = indicator(inverse.reshape(-1), weights, len(present)) @ block
        if not np.array_equal(present, self.codes):
            codes = np.union1d(self.codes, present)
            sums = np.zeros((len(codes), self.width))
            sums[np.searchsorted(codes, self.codes)] = self.sums
            self.codes, self.sums = codes, sums
        self.sums[np.searchsorted(self.codes, present), columns] += part

    def over(self, buckets: list[int]) -> FloatArray:
        """Units × width: each unit's sums over ``buckets``."""
        unit, bucket = np.divmod(self.codes, self.n_buckets)
        out = np.zeros((self.n_units, self.width))
        if len(buckets) == 1:  # one pair per unit at most
            keep = bucket == buckets[0]
            out[unit[keep]] = self.sums[keep]
            return out
        keep = np.isin(bucket, buckets)
        np.add.at(out, unit[keep], self.sums[keep])
        return out


def indicator(codes: IntArray, values: FloatArray, size: int) -> sparse.csc_matrix:
    """``size`` × rows, ``values[i]`` at (codes[i], i): one entry per column, so built without sorting."""
    rows = codes.shape[0]
    return sparse.csc_matrix((values, codes, np.arange(rows + 1)), shape=(size, rows))
