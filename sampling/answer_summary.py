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

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from ._summary_growth import GrownLayout, appended_layout
from ._util import FloatArray, IntArray
from .index_definition import IndexDefinition, IndexDefinitionError, as_definition, parse_levels, used_items

__all__ = ["AnswerSummary", "SegmentMismatch", "extend_summary", "gram_step", "summarise_answers"]

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
    ``segments`` is each row's segment code, as given. Columns are ``items`` (the items the index uses);
    ``responded`` has one column per aggregated level of the definition it was made for (``levels``).
    """

    n: int
    items: tuple[str, ...]
    levels: tuple[str, ...]
    segments: npt.NDArray[np.int64]
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
    setup = _Setup.of(codes, item_codes, definition, segments, missing)
    counts, responded, bad = _segment_counts(
        setup.answers,
        setup.order,
        setup.segment_of,
        len(setup.starts),
        setup.value_index,
        len(setup.values),
        setup.level_masks,
        setup.n_levels,
    )
    setup.check(bad, np.arange(setup.n))
    return setup.summary(_fields(setup.totals(counts)), responded)


def extend_summary(
    summary: AnswerSummary,
    codes: npt.NDArray[np.uint8],
    item_codes: Sequence[str],
    definition: IndexDefinition | Mapping[str, Any],
    segments: npt.ArrayLike,
    moved: npt.NDArray[np.intp],
    *,
    missing: int = 255,
) -> AnswerSummary:
    """:func:`summarise_answers` of ``codes`` and ``segments``, given ``summary`` of some of these rows: the
    rows now at positions ``moved`` (in the order it summarised them), with the same answers and segments.

    Only the other rows' answers are read; each earlier segment's totals go to the segment its rows are in
    now (whole numbers, so the totals are exactly those of one pass over every row). When the new rows were
    appended and the earlier rows kept their segment codes, the earlier order is extended instead of sorting
    every row again; when the rows of an earlier segment are no longer all in one segment, every row is
    summarised again.
    """
    segment = np.asarray(segments, dtype=np.int64)
    if summary.n == len(moved) and np.array_equal(moved, np.arange(summary.n)):
        layout = appended_layout(summary.order, summary.starts, summary.segments, segment)
        if layout is not None:
            return _appended(summary, codes, item_codes, definition, segment, layout, missing)
    setup = _Setup.of(codes, item_codes, definition, segment, missing)
    if summary.items != setup.used or summary.n != len(moved):
        raise IndexDefinitionError("the earlier summary is of other items or another number of rows")
    segment_of_row = np.empty(setup.n, dtype=np.intp)
    segment_of_row[setup.order] = setup.segment_of
    earlier = segment_of_row[moved[summary.order]]
    sizes = np.diff(np.r_[summary.starts, summary.n])
    target = earlier[summary.starts] if summary.n else np.empty(0, np.intp)
    if not np.array_equal(earlier, np.repeat(target, sizes)):
        return summarise_answers(codes, item_codes, definition, segments, missing=missing)
    added = np.ones(setup.n, dtype=bool)
    added[moved] = False
    rows = np.flatnonzero(added)
    counts, responded, bad = _segment_counts(
        setup.answers_of(rows),
        np.arange(len(rows)),
        segment_of_row[rows],
        len(setup.starts),
        setup.value_index,
        len(setup.values),
        setup.level_masks,
        setup.n_levels,
    )
    setup.check(bad, rows)
    totals = setup.totals(counts)
    np.add.at(totals, target, _earlier_totals(summary))
    np.add.at(responded, target, summary.responded)
    return setup.summary(_fields(totals), responded)


def _appended(
    summary: AnswerSummary,
    codes: npt.NDArray[np.uint8],
    item_codes: Sequence[str],
    definition: IndexDefinition | Mapping[str, Any],
    segment: npt.NDArray[np.int64],
    layout: GrownLayout,
    missing: int,
) -> AnswerSummary:
    """:func:`extend_summary` when rows were appended to unchanged segments: only the new rows are counted,
    each earlier segment's totals move to its place (one segment each, so no two add up)."""
    setup = _Setup.of(codes, item_codes, definition, segment, missing, layout=(layout.order, layout.starts))
    if summary.items != setup.used:
        raise IndexDefinitionError("the earlier summary is of other items or another index")
    # The new rows are counted in the few segments they are in, then added to the earlier totals.
    touched, local = np.unique(layout.added_segment, return_inverse=True)
    counts, added_responded, bad = _segment_counts(
        setup.answers_of(layout.added),
        np.arange(len(layout.added)),
        local.reshape(-1),
        len(touched),
        setup.value_index,
        len(setup.values),
        setup.level_masks,
        setup.n_levels,
    )
    setup.check(bad, layout.added)
    added_totals = setup.totals(counts)
    earlier = (summary.answered, summary.satisfied, summary.value_sum, summary.value_squares, summary.responded)
    grown = []
    for k, before in enumerate(earlier):
        totals = np.zeros((len(setup.starts), before.shape[1]))
        totals[layout.earlier_at] = before
        totals[touched] += added_totals[:, :, k] if k < 4 else added_responded
        grown.append(totals)
    return setup.summary(grown[:4], grown[4], earlier=summary)


def _fields(totals: FloatArray) -> list[FloatArray]:
    """Segments × items × 4 totals as four segments × items arrays."""
    return [np.ascontiguousarray(totals[:, :, k]) for k in range(4)]


def _earlier_totals(summary: AnswerSummary) -> FloatArray:
    """Segments × items × (answered, satisfied, sum of values, sum of squares) of ``summary``."""
    return np.stack([summary.answered, summary.satisfied, summary.value_sum, summary.value_squares], axis=2)


@dataclass(frozen=True)
class _Setup:
    """What one summary of answer codes needs: the answers of the used items, the segments in order, and
    the tables the counting kernel reads."""

    n: int
    used: tuple[str, ...]
    levels: tuple[str, ...]
    codes: npt.NDArray[np.uint8]
    columns: list[int]
    values: list[float]
    satisfied: frozenset[float]
    missing: int
    segment: npt.NDArray[np.int64]
    order: IntArray
    starts: IntArray
    value_index: IntArray
    level_masks: npt.NDArray[np.uint64]

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @functools.cached_property
    def segment_of(self) -> IntArray:
        """The segment of each row, in segment order."""
        return np.repeat(np.arange(len(self.starts)), np.diff(np.r_[self.starts, self.n]))

    @functools.cached_property
    def answers(self) -> npt.NDArray[np.uint8]:
        """Every row's answers to the used items."""
        return self.codes if self.columns == list(range(self.codes.shape[1])) else self.codes[:, self.columns]

    def answers_of(self, rows: IntArray) -> npt.NDArray[np.uint8]:
        """These rows' answers to the used items (without gathering every row's)."""
        return np.take(self.codes[rows], self.columns, axis=1)

    @classmethod
    def of(
        cls,
        codes: npt.NDArray[np.uint8],
        item_codes: Sequence[str],
        definition: IndexDefinition | Mapping[str, Any],
        segments: npt.ArrayLike,
        missing: int,
        layout: tuple[IntArray, IntArray] | None = None,
    ) -> _Setup:
        """What summarising ``codes`` per ``segments`` needs; ``layout``: the rows' order and the segments'
        starts, when known (otherwise a stable sort by segment gives them)."""
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
        values = _scale_values(definition)

        if layout is not None:
            order, starts = layout
        else:
            order = np.argsort(segment, kind="stable")
            ordered = segment[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if n else np.empty(0, np.intp)

        aggregated = [lv for lv in levels if lv.kind != "item"]
        column_of = {c: k for k, c in enumerate(used)}
        value_index = np.full(256, _INVALID, dtype=np.int64)
        value_index[[int(v) for v in values]] = np.arange(len(values))
        value_index[missing] = _MISSING
        level_masks = np.zeros((len(used), max(1, -(-len(aggregated) // 64))), dtype=np.uint64)
        for j, lv in enumerate(aggregated):
            level_masks[[column_of[i] for i in lv.items], j // 64] |= np.uint64(1) << np.uint64(j % 64)
        return cls(
            n,
            tuple(used),
            tuple(lv.code for lv in aggregated),
            codes,
            columns,
            values,
            frozenset(float(v) for v in definition.satisfied),
            missing,
            segment,
            order,
            starts,
            value_index,
            level_masks,
        )

    def totals(self, counts: npt.NDArray[np.int32]) -> FloatArray:
        """Segments × items × (answered, satisfied, sum of values, sum of squares) from the value counts."""
        per_value = np.array([[1.0, float(v in self.satisfied), v, v * v] for v in self.values])
        totals: FloatArray = counts.reshape(-1, len(self.values)).astype(np.float64) @ per_value
        return totals.reshape(counts.shape[0], len(self.used), 4)

    def check(self, bad: IntArray, rows: IntArray) -> None:
        """Raise for the first invalid code the kernel met (``bad``: its position in ``rows`` and item)."""
        if bad[0] >= 0:
            row, column = int(rows[bad[0]]), int(bad[1])
            value = int(self.codes[row, self.columns[column]])
            raise IndexDefinitionError(
                f"item {self.used[column]}: value {value} at row {row} is outside the "
                f"scale {self.values[0]:g}–{self.values[-1]:g}"
            )

    def summary(
        self, fields: Sequence[FloatArray], responded: FloatArray, *, earlier: AnswerSummary | None = None
    ) -> AnswerSummary:
        """The summary of these totals (segments × items: answered, satisfied, sum of values, of squares), with
        the Gram subsample's basis (``earlier``: a summary of the first rows, whose subsample is kept when the
        sampling step is the same)."""
        step = gram_step(self.n, len(self.used))
        gram_rows = np.arange(0, self.n, step, dtype=np.intp)
        if earlier is not None and gram_step(earlier.n, len(self.used)) == step:
            # The same step: the earlier subsample is the first rows of this one.
            gram_basis = np.vstack([earlier.gram_basis, self._basis(gram_rows[len(earlier.gram_rows) :])])
        else:
            gram_basis = self._basis(gram_rows)
        return AnswerSummary(
            n=self.n,
            items=self.used,
            levels=self.levels,
            segments=self.segment,
            order=self.order.astype(np.intp),
            starts=self.starts.astype(np.intp),
            answered=fields[0],
            satisfied=fields[1],
            value_sum=fields[2],
            value_squares=fields[3],
            responded=responded,
            gram_rows=gram_rows,
            gram_basis=gram_basis,
        )

    def _basis(self, rows: IntArray) -> FloatArray:
        """Rows × [satisfied, answered, value] of the used items."""
        sample = self.answers_of(rows)
        answered_sample = sample != self.missing
        value_sample = np.where(answered_sample, sample, 0).astype(np.float64)
        satisfied_sample = np.isin(value_sample, list(self.satisfied)) & answered_sample
        return np.hstack([satisfied_sample, answered_sample, value_sample]).astype(np.float64)


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
