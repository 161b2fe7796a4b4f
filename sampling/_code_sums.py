"""The sums of an unweighted index straight from one-byte answer codes: one pass, no float matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt

from ._index_sums import Sums
from ._util import IntArray
from .index_definition import IndexDefinition, IndexDefinitionError, Level

# Levels up to this many are counted by the pattern of levels a row answers (a table of 2^k entries).
_PATTERN_LEVELS = 16


def code_sums(
    codes: npt.NDArray[np.uint8],
    item_codes: Sequence[str],
    used: list[str],
    levels: list[Level],
    definition: IndexDefinition,
    *,
    missing: int,
) -> Sums:
    """Every row weighing 1: per ``used`` item (columns of ``codes`` named by ``item_codes``) the answers,
    satisfied answers, sum of values and of squares; per aggregated level the rows that answered it.

    Answers must be whole numbers on the definition's scale (else :class:`IndexDefinitionError`).
    """
    if definition.scale is None:
        raise IndexDefinitionError("answer codes need a definition with a scale")
    low, high = definition.scale
    position = {code: k for k, code in enumerate(item_codes)}
    columns = [position[code] for code in used]
    aggregated = [lv for lv in levels if lv.kind != "item"]
    column_of = {code: k for k, code in enumerate(used)}
    masks = np.zeros(len(used), dtype=np.int64)
    for j, lv in enumerate(aggregated):
        masks[[column_of[i] for i in lv.items]] |= 1 << j
    if len(aggregated) > _PATTERN_LEVELS:
        raise IndexDefinitionError(f"an unweighted index from codes takes at most {_PATTERN_LEVELS} levels")
    counts, patterns = _counts(codes, np.asarray(columns, dtype=np.intp), masks, missing, 1 << len(aggregated))
    values = np.arange(256, dtype=np.float64)
    on_scale = (values >= low) & (values <= high) & (values == np.round(values))
    on_scale[missing] = False
    invalid = ~on_scale
    invalid[missing] = False
    if counts[:, invalid].any():
        item, at = (int(k) for k in np.argwhere(counts[:, invalid])[0])
        value = int(np.flatnonzero(invalid)[at])
        raise IndexDefinitionError(f"item {used[item]}: value {value} is outside the scale {low:g}–{high:g}")
    answered_counts = np.where(on_scale, counts, 0).astype(np.float64)
    satisfied = np.isin(values, np.asarray(definition.satisfied, dtype=np.float64)) & on_scale
    bits = (np.arange(patterns.shape[0])[:, None] >> np.arange(len(aggregated))[None, :]) & 1
    responded = patterns.astype(np.float64) @ bits
    answered = answered_counts.sum(axis=1)
    return Sums(
        w_item=answered,
        ws_item=answered_counts @ satisfied,
        wv_item=answered_counts @ values,
        wv2_item=answered_counts @ (values * values),
        n_item=answered,
        w2_item=answered,
        n_resp=responded,
        w_resp=responded,
        w2_resp=responded,
        psu_answers=np.zeros((0, len(used))),
        gram=np.zeros((3 * len(used), 3 * len(used))),
        unit_totals=None,
        rows=int(codes.shape[0]),
    )


@numba.njit(cache=True, nogil=True)
def _counts(
    codes: npt.NDArray[np.uint8], columns: IntArray, masks: npt.NDArray[np.int64], missing: int, n_patterns: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """How often each code stands in each column, and how many rows answer each pattern of levels."""
    n = codes.shape[0]
    m = columns.shape[0]
    counts = np.zeros((m, 256), dtype=np.int64)
    patterns = np.zeros(n_patterns, dtype=np.int64)
    for r in range(n):
        pattern = 0
        for j in range(m):
            value = codes[r, columns[j]]
            counts[j, value] += 1
            if value != missing:
                pattern |= masks[j]
        patterns[pattern] += 1
    return counts, patterns
