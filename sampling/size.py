"""Sample size, margin of error, design effect and allocation across strata."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from ._errors import SamplingError
from ._util import FloatArray, IntArray

__all__ = [
    "Allocation",
    "SampleSize",
    "allocate",
    "cluster_design_effect",
    "margin_of_error",
    "sample_size_mean",
    "sample_size_proportion",
    "slovin",
]

AllocationMethod = Literal["equal", "proportional", "neyman", "optimal"]


@dataclass(frozen=True)
class SampleSize:
    """A sample size and the steps that led to it (``n`` is the integer to draw)."""

    n: int
    n0: float
    n_fpc: float
    deff: float
    response_rate: float
    method: str


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise SamplingError(f"level must lie in (0, 1), got {level}")
    return float(stats.norm.ppf(0.5 + level / 2))


def cluster_design_effect(cluster_size: float, icc: float) -> float:
    """Design effect of cluster sampling ``1 + (m - 1) rho``."""
    if cluster_size < 1:
        raise SamplingError(f"cluster size must be at least 1, got {cluster_size}")
    if not -1 <= icc <= 1:
        raise SamplingError(f"intra-cluster correlation must lie in [-1, 1], got {icc}")
    return 1.0 + (cluster_size - 1.0) * icc


def _finish(n0: float, population: int | None, deff: float, response_rate: float, method: str) -> SampleSize:
    if deff <= 0:
        raise SamplingError(f"design effect must be positive, got {deff}")
    if not 0 < response_rate <= 1:
        raise SamplingError(f"response rate must lie in (0, 1], got {response_rate}")
    if population is not None:
        if population < 1:
            raise SamplingError(f"population size must be at least 1, got {population}")
        n_fpc = population * n0 / (population - 1 + n0)
    else:
        n_fpc = n0
    total = n_fpc * deff / response_rate
    n = math.ceil(total - 1e-9)
    return SampleSize(n, n0, n_fpc, deff, response_rate, method)


def sample_size_proportion(
    p: float = 0.5,
    moe: float = 0.05,
    *,
    level: float = 0.95,
    population: int | None = None,
    deff: float = 1.0,
    cluster_size: float | None = None,
    icc: float | None = None,
    response_rate: float = 1.0,
) -> SampleSize:
    """Cochran: ``n0 = z^2 p (1-p) / e^2``, FPC ``N n0 / (N - 1 + n0)``, times deff, over response rate.

    ``cluster_size`` and ``icc`` give the design effect ``1 + (m-1) rho`` (multiplied into ``deff``).
    p = .5, e = .05 gives 385; with N = 10,000, 370; N = 1,000, 278.
    """
    if not 0 <= p <= 1:
        raise SamplingError(f"p must lie in [0, 1], got {p}")
    if moe <= 0:
        raise SamplingError(f"margin of error must be positive, got {moe}")
    if (cluster_size is None) != (icc is None):
        raise SamplingError("give both cluster_size and icc, or neither")
    if cluster_size is not None and icc is not None:
        deff = deff * cluster_design_effect(cluster_size, icc)
    z = _z(level)
    return _finish(z * z * p * (1 - p) / (moe * moe), population, deff, response_rate, "cochran")


def sample_size_mean(
    sd: float,
    moe: float,
    *,
    level: float = 0.95,
    population: int | None = None,
    deff: float = 1.0,
    response_rate: float = 1.0,
) -> SampleSize:
    """Sample size for a mean: ``n0 = z^2 S^2 / e^2`` then as :func:`sample_size_proportion`."""
    if sd <= 0 or moe <= 0:
        raise SamplingError("sd and margin of error must be positive")
    z = _z(level)
    return _finish(z * z * sd * sd / (moe * moe), population, deff, response_rate, "cochran-mean")


def slovin(population: int, moe: float = 0.05) -> SampleSize:
    """Slovin's formula ``n = N / (1 + N e^2)`` (the official SIPAS guidance), rounded up."""
    if population < 1 or moe <= 0:
        raise SamplingError("Slovin needs a population of at least 1 and a positive margin of error")
    n = population / (1 + population * moe * moe)
    return SampleSize(math.ceil(n - 1e-9), n, n, 1.0, 1.0, "slovin")


def margin_of_error(
    n: int, p: float = 0.5, *, level: float = 0.95, population: int | None = None, deff: float = 1.0
) -> float:
    """Half-width of the CI of a proportion for a sample of ``n``: ``z sqrt(deff p(1-p)/n (N-n)/(N-1))``."""
    if n < 1:
        raise SamplingError(f"n must be at least 1, got {n}")
    fpc = 1.0
    if population is not None:
        if population < n:
            raise SamplingError(f"sample of {n} exceeds the population of {population}")
        fpc = (population - n) / (population - 1) if population > 1 else 0.0
    return _z(level) * math.sqrt(deff * p * (1 - p) / n * fpc)


@dataclass(frozen=True)
class Allocation:
    """Integer allocation ``n_h`` (summing to n exactly) and the exact allocation before rounding."""

    n: IntArray
    exact: FloatArray
    method: str
    at_minimum: npt.NDArray[np.bool_]
    at_maximum: npt.NDArray[np.bool_]


def allocate(
    n: int,
    population_sizes: Sequence[float] | npt.ArrayLike,
    method: AllocationMethod = "proportional",
    *,
    sd: Sequence[float] | npt.ArrayLike | None = None,
    cost: Sequence[float] | npt.ArrayLike | None = None,
    minimum: int | Sequence[int] | npt.ArrayLike = 0,
    maximum: Sequence[float] | npt.ArrayLike | None = None,
) -> Allocation:
    """Allocate ``n`` across strata: equal, proportional ``n N_h/N``, Neyman ``n N_h S_h / sum N_h S_h``,
    optimal ``n (N_h S_h / sqrt(c_h)) / sum(...)``.

    Bounds ``minimum <= n_h <= maximum`` (default maximum ``N_h``) are met by fixing violating strata at the
    bound and re-allocating the rest; integers come from largest-remainder rounding, so ``sum n_h == n``.
    """
    big_n = np.asarray(population_sizes, dtype=np.float64)
    h = big_n.shape[0]
    if h == 0 or (big_n <= 0).any():
        raise SamplingError("population sizes must be positive, one per stratum")
    if method == "equal":
        score = np.ones(h)
    elif method == "proportional":
        score = big_n.copy()
    elif method in ("neyman", "optimal"):
        if sd is None:
            raise SamplingError(f"{method} allocation needs the standard deviation of each stratum")
        s = np.asarray(sd, dtype=np.float64)
        if s.shape != (h,) or (s < 0).any():
            raise SamplingError("sd must give one non-negative value per stratum")
        score = big_n * s
        if method == "optimal":
            if cost is None:
                raise SamplingError("optimal allocation needs the cost per unit of each stratum")
            c = np.asarray(cost, dtype=np.float64)
            if c.shape != (h,) or (c <= 0).any():
                raise SamplingError("cost must give one positive value per stratum")
            score = score / np.sqrt(c)
        if score.sum() <= 0:
            raise SamplingError("every stratum has zero standard deviation: nothing to allocate by")
    else:
        raise SamplingError(f"unknown allocation method {method!r}")
    lo = np.broadcast_to(np.asarray(minimum, dtype=np.float64), (h,)).copy()
    hi = np.floor(big_n) if maximum is None else np.asarray(maximum, dtype=np.float64).reshape(h)
    hi = np.minimum(hi, np.floor(big_n))
    if (lo > hi).any():
        k = int(np.flatnonzero(lo > hi)[0])
        raise SamplingError(f"stratum {k}: minimum {lo[k]:g} exceeds the maximum {hi[k]:g}")
    if n < lo.sum() or n > hi.sum():
        raise SamplingError(f"n = {n} cannot be allocated within the bounds (from {lo.sum():g} to {hi.sum():g})")
    fixed = np.zeros(h, dtype=bool)
    exact = np.zeros(h)
    for _ in range(2 * h + 1):
        free = ~fixed
        remaining = n - exact[fixed].sum()
        sc = score[free]
        exact[free] = remaining * sc / sc.sum() if sc.sum() > 0 else remaining / free.sum()
        over = free & (exact > hi + 1e-12)
        under = free & (exact < lo - 1e-12)
        if not over.any() and not under.any():
            break
        if over.any():
            exact[over] = hi[over]
            fixed |= over
        else:
            exact[under] = lo[under]
            fixed |= under
    floor = np.floor(exact + 1e-9)
    short = int(round(n - floor.sum()))
    order = np.argsort(-(exact - floor), kind="stable")
    result = floor.copy()
    for k in order:  # loop over strata, not rows
        if short <= 0:
            break
        if result[k] + 1 <= hi[k]:
            result[k] += 1
            short -= 1
    ints = result.astype(np.intp)
    return Allocation(ints, exact, method, ints <= lo, ints >= hi)
