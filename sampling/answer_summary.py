"""Answers summarised per segment of rows, the input of an index computed without a pass over every row.

Rows that share every design attribute (weight, strata, sampling units, weighting cells and domain) add the
same weight to the same totals, so the index needs only, per segment of such rows and per item: the number
of answers, of satisfied answers, the sum of the values and of their squares, and per aggregated level the
number of rows that answered it. :func:`summarise_answers` reads these from the answer codes (one byte per
answer) in one pass; :func:`sampling.compute_index_by` then works on segments instead of rows, with the
same results. Design effects of aggregated levels also need a few raw rows (a systematic subsample), kept
here as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from ._util import FloatArray, IntArray
from .index_definition import IndexDefinition, IndexDefinitionError, as_definition, parse_levels, used_items

__all__ = ["AnswerSummary", "SegmentMismatch", "gram_step", "summarise_answers"]

_GRAM_BUDGET = 2e8
# What an answer code stands for in the kernel: its position on the scale, or one of these.
_MISSING, _INVALID = -1, -2


class SegmentMismatch(IndexDefinitionError):
    """The rows of a segment differ in something the estimate weighs them by (weight, unit, cell, domain)."""


def gram_step(n: int, m: int) -> int:
    """Every how many rows the Gram matrix of the basis (3 × ``m`` columns) is sampled."""
    return max(1, int(np.ceil(n * (3 * m) ** 2 / _GRAM_BUDGET)))


@dataclass(frozen=True)
class AnswerSummary:
    """Per-segment totals of the answers of ``n`` rows (see the module docstring).

    ``order`` lists the rows segment by segment; segment ``s`` is ``order[starts[s]:starts[s + 1]]``.
    Columns are ``items`` (the items the index uses); ``responded`` has one column per aggregated level
    of the definition it was made for (``levels``).
    """

    n: int
    items: tuple[str, ...]
    levels: tuple[str, ...]
    order: IntArray
    starts: IntArray
    answered: FloatArray
    satisfied: FloatArray
    value_sum: FloatArray
    value_squares: FloatArray
    responded: FloatArray
    gram_rows: IntArray
    gram_basis: FloatArray

    @property
    def n_segments(self) -> int:
        """Number of segments."""
        return int(self.starts.shape[0])

    @property
    def representatives(self) -> IntArray:
        """The first row of every segment."""
        return self.order[self.starts]


def summarise_answers(
    codes: npt.NDArray[np.uint8],
    item_codes: Sequence[str],
    definition: IndexDefinition | Mapping[str, Any],
    segments: npt.ArrayLike,
    *,
    missing: int = 255,
) -> AnswerSummary:
    """Summarise answer codes (rows × items, ``missing`` = no answer) per segment (one code per row).

    Answers must be whole numbers on the definition's scale; anything else raises
    :class:`IndexDefinitionError` naming the item, the row and the value.
    """
    if codes.ndim != 2 or codes.shape[1] != len(item_codes) or codes.dtype != np.uint8:
        shape = f"{codes.dtype} {codes.shape}"
        raise IndexDefinitionError(f"answer codes must be rows × {len(item_codes)} uint8, got {shape}")
    n = codes.shape[0]
    segment = np.asarray(segments, dtype=np.int64)
    if segment.shape != (n,):
        raise IndexDefinitionError(f"segments must have {n} codes")
    definition = as_definition(definition)
    levels = parse_levels(definition, item_codes)
    used = used_items(levels, item_codes)
    position = {code: k for k, code in enumerate(item_codes)}
    columns = [position[c] for c in used]
    answers = codes if columns == list(range(codes.shape[1])) else codes[:, columns]
    values = _scale_values(definition)

    order = np.argsort(segment, kind="stable")
    ordered = segment[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if n else np.empty(0, np.intp)
    segment_of = np.cumsum(np.r_[False, ordered[1:] != ordered[:-1]]) if n else np.empty(0, np.intp)

    aggregated = [lv for lv in levels if lv.kind != "item"]
    column_of = {c: k for k, c in enumerate(used)}
    value_index = np.full(256, _INVALID, dtype=np.int64)
    value_index[[int(v) for v in values]] = np.arange(len(values))
    value_index[missing] = _MISSING
    satisfied_set = {float(v) for v in definition.satisfied}
    per_value = np.array([[1.0, float(v in satisfied_set), v, v * v] for v in values])  # answered, satisfied, v, v²
    level_masks = np.zeros((len(used), max(1, -(-len(aggregated) // 64))), dtype=np.uint64)
    for j, lv in enumerate(aggregated):
        level_masks[[column_of[i] for i in lv.items], j // 64] |= np.uint64(1) << np.uint64(j % 64)
    counts, responded, bad = _segment_counts(
        answers, order, segment_of, len(starts), value_index, len(values), level_masks, len(aggregated)
    )
    totals = counts.reshape(-1, len(values)).astype(np.float64) @ per_value  # (segments × items) × 4
    totals = totals.reshape(len(starts), len(used), 4)
    if bad[0] >= 0:
        row, column = int(bad[0]), int(bad[1])
        raise IndexDefinitionError(
            f"item {used[column]}: value {int(answers[row, column])} at row {row} is outside the scale "
            f"{values[0]:g}–{values[-1]:g}"
        )
    step = gram_step(n, len(used))
    gram_rows = np.arange(0, n, step, dtype=np.intp)
    sample = answers[gram_rows]
    answered_sample = sample != missing
    value_sample = np.where(answered_sample, sample, 0).astype(np.float64)
    satisfied_sample = np.isin(value_sample, list(satisfied_set)) & answered_sample
    gram_basis = np.hstack([satisfied_sample, answered_sample, value_sample]).astype(np.float64)
    return AnswerSummary(
        n=n,
        items=tuple(used),
        levels=tuple(lv.code for lv in aggregated),
        order=order.astype(np.intp),
        starts=starts.astype(np.intp),
        answered=np.ascontiguousarray(totals[:, :, 0]),
        satisfied=np.ascontiguousarray(totals[:, :, 1]),
        value_sum=np.ascontiguousarray(totals[:, :, 2]),
        value_squares=np.ascontiguousarray(totals[:, :, 3]),
        responded=responded,
        gram_rows=gram_rows,
        gram_basis=gram_basis,
    )


def _scale_values(definition: IndexDefinition) -> list[float]:
    if definition.scale is None:
        raise IndexDefinitionError("answer codes need a definition with a scale")
    low, high = definition.scale
    if not (low.is_integer() and high.is_integer() and 0 <= low <= high < 255):
        raise IndexDefinitionError(f"answer codes need a whole-number scale within 0–254, got {low:g}–{high:g}")
    return [float(v) for v in range(int(low), int(high) + 1)]


@numba.njit(cache=True, nogil=True)
def _segment_counts(
    answers: npt.NDArray[np.uint8],
    order: IntArray,
    segment_of: IntArray,
    n_segments: int,
    value_index: IntArray,
    n_values: int,
    level_masks: npt.NDArray[np.uint64],
    n_levels: int,
) -> tuple[npt.NDArray[np.int32], FloatArray, IntArray]:
    """One pass over the rows in segment order: per segment and item how often each scale value was
    answered; per segment and aggregated level how many rows answered it (``level_masks``: per item, the
    levels holding it as bits); the first row and item with an invalid code."""
    n, m = answers.shape
    words = level_masks.shape[1]
    counts = np.zeros((n_segments, m, n_values), dtype=np.int32)
    responded = np.zeros((n_segments, n_levels))
    bad = np.full(2, -1, dtype=np.int64)
    row_mask = np.zeros(words, dtype=np.uint64)
    for p in range(n):
        row = order[p]
        segment = segment_of[p]
        row_mask[:] = 0
        for j in range(m):
            k = value_index[answers[row, j]]
            if k >= 0:
                counts[segment, j, k] += 1
                for w in range(words):
                    row_mask[w] |= level_masks[j, w]
            elif k == _INVALID and (bad[0] < 0 or row < bad[0]):
                bad[0] = row
                bad[1] = j
        for q in range(n_levels):
            if (row_mask[q >> 6] >> np.uint64(q & 63)) & np.uint64(1):
                responded[segment, q] += 1.0
    return counts, responded, bad
