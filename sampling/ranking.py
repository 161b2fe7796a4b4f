"""Ranking units by an estimate with honest uncertainty: each rank's plausible range, and tiers of units the
data cannot tell apart.

A rank is a function of every unit's estimate, so its uncertainty comes from their joint sampling
distribution: approximately multivariate normal with the estimates' design covariance (units that share
PSUs or strata of one design are correlated; without a covariance, units are independent strata). The rank
distribution is simulated from that normal (or, when replicate estimates are given, from the replicates'
deviations, which carry any covariance). The interval of a unit is the central ``level`` range of its
simulated ranks. Randomness comes only from an explicit seeded generator, so a ranking is reproducible.

Tiers are formed down the ranking: a unit opens a new tier when its estimate is significantly below the
estimate of the first unit of the current tier (:func:`tier_difference`: two-sided test of the difference,
covariance subtracted, at ``1 - level``; t at the design's df with a covariance, otherwise normal); a tier is
a run of units not distinguishable from its leader.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sampling.change import change_from_summaries
from sampling.contrasts import Contrast

DRAWS = 10_000


@dataclass(frozen=True)
class RankRange:
    """A unit's place: its rank by the point estimate (1 is best), the plausible range, and its tier."""

    rank: int
    low: int
    high: int
    tier: int


def rank_ranges(
    estimates: NDArray[np.float64],
    standard_errors: NDArray[np.float64],
    *,
    seed: int,
    level: float = 0.95,
    draws: int = DRAWS,
    higher_is_better: bool = True,
    replicate_deviations: NDArray[np.float64] | None = None,
    covariance: NDArray[np.float64] | None = None,
    df: int | None = None,
) -> list[RankRange]:
    """The rank, rank interval and tier of each unit, in the order the estimates were given.

    ``replicate_deviations`` (replicates × units, each replicate's estimate minus the full-sample one,
    already scaled so that their sum of squares is each unit's variance) replaces the independent normal
    draws: a draw is then a normal combination of replicates, which keeps their covariance. ``covariance``
    (units × units; its diagonal is taken from ``standard_errors``) makes the draws and the tiers' tests
    count the units' covariance; ``df`` is then the design's degrees of freedom.
    """
    values = np.asarray(estimates, dtype=np.float64)
    errors = np.asarray(standard_errors, dtype=np.float64)
    if values.ndim != 1 or values.shape != errors.shape:
        raise ValueError("give one estimate and one standard error per unit")
    if not np.all(np.isfinite(values)) or not np.all(np.isfinite(errors)) or np.any(errors < 0):
        raise ValueError("estimates and standard errors must be finite, standard errors not negative")
    if not 0 < level < 1:
        raise ValueError("level must lie between 0 and 1")
    cov = _covariance(errors, covariance)
    sign = 1.0 if higher_is_better else -1.0
    rng = np.random.default_rng(seed)
    simulated = _simulate(sign * values, cov, rng, draws, replicate_deviations)
    ranks = _ranks_per_draw(simulated)
    tail = (1 - level) / 2
    low = np.floor(np.quantile(ranks, tail, axis=0, method="lower")).astype(int)
    high = np.ceil(np.quantile(ranks, 1 - tail, axis=0, method="higher")).astype(int)
    point = _ranks_per_draw((sign * values)[np.newaxis, :])[0]
    tiers = _tiers(sign * values, cov, level, df if covariance is not None else None)
    return [
        RankRange(rank=int(point[i]), low=int(min(low[i], point[i])), high=int(max(high[i], point[i])), tier=tiers[i])
        for i in range(values.size)
    ]


def _covariance(errors: NDArray[np.float64], covariance: NDArray[np.float64] | None) -> NDArray[np.float64]:
    """The units' covariance matrix with the standard errors' squares on its diagonal."""
    if covariance is None:
        return np.diag(errors**2)
    cov = np.array(covariance, dtype=np.float64)
    if cov.shape != (errors.size, errors.size) or not np.all(np.isfinite(cov)):
        raise ValueError("the covariance must be a finite units × units matrix")
    cov = (cov + cov.T) / 2
    np.fill_diagonal(cov, errors**2)
    return cov


def _simulate(
    values: NDArray[np.float64],
    cov: NDArray[np.float64],
    rng: np.random.Generator,
    draws: int,
    replicate_deviations: NDArray[np.float64] | None,
) -> NDArray[np.float64]:
    if replicate_deviations is None:
        if not np.any(cov - np.diag(np.diag(cov))):
            return values + rng.standard_normal((draws, values.size)) * np.sqrt(np.diag(cov))
        # A square root of the covariance; eigenvalues below 0 (rounding) count as 0.
        eigenvalues, vectors = np.linalg.eigh(cov)
        root: NDArray[np.float64] = vectors * np.sqrt(np.maximum(eigenvalues, 0.0))
        drawn: NDArray[np.float64] = values + rng.standard_normal((draws, values.size)) @ root.T
        return drawn
    deviations = np.asarray(replicate_deviations, dtype=np.float64)
    if deviations.ndim != 2 or deviations.shape[1] != values.size:
        raise ValueError("replicate deviations must have one column per unit")
    return values + rng.standard_normal((draws, deviations.shape[0])) @ deviations


def _ranks_per_draw(simulated: NDArray[np.float64]) -> NDArray[np.int64]:
    """Rank 1 for the highest value of each row; ties share the best of their ranks."""
    order = np.argsort(-simulated, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(simulated.shape[0])[:, np.newaxis]
    ranks[rows, order] = np.arange(1, simulated.shape[1] + 1)
    # Equal values (identical estimates) take the same, best rank.
    for row in np.flatnonzero(np.any(np.diff(np.sort(simulated, axis=1), axis=1) == 0, axis=1)):
        ranks[row] = 1 + np.sum(simulated[row][np.newaxis, :] > simulated[row][:, np.newaxis], axis=1)
    return ranks


def tier_difference(
    values: NDArray[np.float64], cov: NDArray[np.float64], first: int, second: int, level: float, df: int | None
) -> Contrast:
    """``values[first] - values[second]`` with its test, their covariance subtracted (normal without ``df``)."""
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    return change_from_summaries(
        float(values[first]),
        float(se[first]),
        float(values[second]),
        float(se[second]),
        covariance=float(cov[first, second]),
        df=df,
        level=level,
    )


def _tiers(values: NDArray[np.float64], cov: NDArray[np.float64], level: float, df: int | None) -> list[int]:
    tiers = [0] * values.size
    tier, leader = 0, None
    for i in np.argsort(-values, kind="stable"):
        if leader is None:
            tier, leader = 1, i
        elif tier_difference(values, cov, int(leader), int(i), level, df).significant:
            tier, leader = tier + 1, i
        tiers[i] = tier
    return tiers
