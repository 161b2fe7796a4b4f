"""Rows appended to a summarised selection: where the grown summary's segments and rows are, from the earlier
summary's, in time that grows with the segments and the new rows (the earlier rows are not sorted again)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._util import IntArray


@dataclass(frozen=True)
class GrownLayout:
    """The rows of a grown summary segment by segment (``order``, ``starts``), as a stable sort by segment code
    gives them; where each earlier segment went (``earlier_at``); the appended rows in segment order
    (``added``) and the segment of each (``added_segment``)."""

    order: IntArray
    starts: IntArray
    earlier_at: IntArray
    added: IntArray
    added_segment: IntArray


def appended_layout(
    order: IntArray, starts: IntArray, codes_before: npt.NDArray[np.int64], codes: npt.NDArray[np.int64]
) -> GrownLayout | None:
    """The layout of ``codes`` (one segment code per row) whose first rows are the earlier rows, summarised
    with ``codes_before`` into ``order`` and ``starts``; None when those rows' codes changed since."""
    n_before, n = codes_before.shape[0], codes.shape[0]
    if n < n_before or not np.array_equal(codes[:n_before], codes_before):
        return None
    keys = codes_before[order[starts]]  # the earlier segments' codes, ascending
    added = np.arange(n_before, n, dtype=np.intp)
    added_codes = codes[n_before:]
    by_code = np.argsort(added_codes, kind="stable")
    added, added_codes = added[by_code], added_codes[by_code]
    every_code = np.union1d(keys, added_codes)
    earlier_at = np.searchsorted(every_code, keys).astype(np.intp)
    added_segment = np.searchsorted(every_code, added_codes).astype(np.intp)
    sizes = np.bincount(added_segment, minlength=every_code.shape[0])
    sizes[earlier_at] += np.diff(np.r_[starts, n_before])
    grown_starts = (np.cumsum(sizes) - sizes).astype(np.intp)
    # A new row goes after the earlier rows of its segment (their row numbers are lower); rows of a new
    # segment before the first earlier segment with a higher code. np.insert keeps equal positions in order.
    segment_ends = np.r_[starts, n_before].astype(np.intp)
    at = segment_ends[np.searchsorted(keys, added_codes, side="right")]
    return GrownLayout(np.insert(order, at, added), grown_starts, earlier_at, added, added_segment)
