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
    satisfied_values = list(definition.satisfied)
    totals: dict[str, _ItemTotals] = {}
    for element in definition.elements:
        for code in element.items:
            counts = np.bincount(matrix[:, columns[code]], minlength=256)
            answered = int(counts.sum() - counts[MISSING_SCORE])
            score_sum = float(counts[:MISSING_SCORE] @ np.arange(MISSING_SCORE))
            totals[code] = _ItemTotals(answered, int(counts[satisfied_values].sum()), score_sum)

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
