"""Results of an old map re-aggregated onto a new one through the crosswalk.

A new unit's value is the mean of its sources' values weighted by share × respondents (the share of an
old unit it received, times the respondents that old unit's value rests on, standing in for its
population); its standard error treats the sources as independent samples (different units are strata of
the design): SE = √Σ (wᵢ/W)² SEᵢ². Counts are the share-weighted sums, rounded. Intervals, design effects
and flags of single estimates do not carry over and are left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, Self, TypeVar


class LevelLike(Protocol):
    """The parts of an index level (``estimates.schemas.LevelOut``) that re-aggregation reads."""

    code: str
    satisfied: float | None
    mean: float | None
    n: int
    respondents: int | None
    satisfied_se: float | None
    mean_se: float | None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self: ...


L = TypeVar("L", bound=LevelLike)


def combine_levels(parts: Sequence[tuple[L, float]]) -> L:
    """One level from the same level of several sources, each with the share it brings (see the module)."""
    first = parts[0][0]
    weights = [share * (level.respondents if level.respondents is not None else level.n) for level, share in parts]
    n = round(sum(share * level.n for level, share in parts))
    respondents = None
    if all(level.respondents is not None for level, _ in parts):
        respondents = round(sum(share * (level.respondents or 0) for level, share in parts))
    satisfied, satisfied_se = _weighted(
        [lv.satisfied for lv, _ in parts], [lv.satisfied_se for lv, _ in parts], weights
    )
    mean, mean_se = _weighted([lv.mean for lv, _ in parts], [lv.mean_se for lv, _ in parts], weights)
    update: dict[str, Any] = {"satisfied": satisfied, "mean": mean, "n": n, "respondents": respondents}
    if first.satisfied_se is not None or first.mean_se is not None:
        update.update(
            satisfied_se=satisfied_se,
            mean_se=mean_se,
            satisfied_ci=None,
            mean_ci=None,
            deff=None,
            n_eff=None,
            flags=None,
        )
    return first.model_copy(update=update)


def combine_lists(parts: Sequence[tuple[Sequence[L], float]]) -> list[L]:
    """Level lists (groups, elements or items) of several sources combined code by code, in the first
    source's order."""
    by_code: dict[str, list[tuple[L, float]]] = {}
    order: list[str] = []
    for levels, share in parts:
        for level in levels:
            if level.code not in by_code:
                by_code[level.code] = []
                order.append(level.code)
            by_code[level.code].append((level, share))
    return [combine_levels(by_code[code]) for code in order]


def _weighted(
    values: Sequence[float | None], ses: Sequence[float | None], weights: Sequence[float]
) -> tuple[float | None, float | None]:
    """The weighted mean of the values present, and its SE when every present value has one."""
    present = [(v, se, w) for v, se, w in zip(values, ses, weights, strict=True) if v is not None and w > 0]
    total = sum(w for _, _, w in present)
    if not present or total <= 0:
        return None, None
    value = sum(v * w for v, _, w in present) / total
    if any(se is None for _, se, _ in present):
        return value, None
    variance = sum((w / total) ** 2 * (se or 0.0) ** 2 for _, se, w in present)
    return value, math.sqrt(variance)
