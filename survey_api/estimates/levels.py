"""Unweighted index levels (items → elements → groups → overall) from a matrix of packed answers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from survey_api.db.models.responses import MISSING_SCORE
from survey_api.instruments.document import IndexDefinition, Level, Text


@dataclass(frozen=True)
class LevelResult:
    """One index level: share satisfied, mean score and number of answers."""

    code: str
    label: Text
    satisfied: float | None
    mean: float | None
    n: int


@dataclass(frozen=True)
class IndexResult:
    overall: LevelResult
    groups: list[LevelResult]
    elements: list[LevelResult]
    items: list[LevelResult]


@dataclass(frozen=True)
class _ItemTotals:
    answered: int
    satisfied: int
    score_sum: float


def compute_levels(
    matrix: NDArray[np.uint8],
    columns: dict[str, int],
    definition: IndexDefinition,
    item_labels: dict[str, Text],
) -> IndexResult:
    """Every level of ``definition``; ``columns`` maps an item code to its column in ``matrix``.

    ``item_mean`` (SIPAS): a level's share satisfied is the mean of its items' shares, and its mean score
    the mean of its items' means, pooling all items below it. ``pooled``: answers at the satisfied
    values over all answers in the level.
    """
    # One pass over the matrix: how often each byte value occurs in each column.
    width = matrix.shape[1]
    cells = matrix.astype(np.intp) + np.arange(width, dtype=np.intp) * 256
    counts = np.bincount(cells.ravel(), minlength=width * 256).reshape(width, 256)
    values = np.arange(256, dtype=np.float64)
    values[MISSING_SCORE] = 0
    answered = counts.sum(axis=1) - counts[:, MISSING_SCORE]
    satisfied = counts[:, definition.satisfied].sum(axis=1)
    score_sums = counts @ values
    totals: dict[str, _ItemTotals] = {}
    for element in definition.elements:
        for code in element.items:
            column = columns[code]
            totals[code] = _ItemTotals(int(answered[column]), int(satisfied[column]), float(score_sums[column]))

    def level(code: str, label: Text, item_codes: list[str]) -> LevelResult:
        parts = [totals[c] for c in item_codes]
        n = sum(p.answered for p in parts)
        answered_parts = [p for p in parts if p.answered]
        if not answered_parts:
            return LevelResult(code, label, None, None, 0)
        if definition.aggregation == "item_mean":
            share = float(np.mean([p.satisfied / p.answered for p in answered_parts]))
            mean = float(np.mean([p.score_sum / p.answered for p in answered_parts]))
        else:
            share = sum(p.satisfied for p in parts) / n
            mean = sum(p.score_sum for p in parts) / n
        return LevelResult(code, label, share, mean, n)

    element_items = {e.code: e.items for e in definition.elements}
    group_items = {g.code: [i for e in g.elements for i in element_items[e]] for g in definition.groups}
    overall_items = _overall_items(definition.overall, element_items, group_items)
    return IndexResult(
        overall=level(definition.overall.code, definition.overall.label, overall_items),
        groups=[level(g.code, g.label, group_items[g.code]) for g in definition.groups],
        elements=[level(e.code, e.label, e.items) for e in definition.elements],
        items=[level(code, item_labels[code], [code]) for e in definition.elements for code in e.items],
    )


def _overall_items(overall: Level, element_items: dict[str, list[str]], group_items: dict[str, list[str]]) -> list[str]:
    if overall.groups:
        return [i for g in overall.groups for i in group_items[g]]
    return [i for e in overall.elements for i in element_items[e]]
