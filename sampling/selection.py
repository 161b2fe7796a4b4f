"""Sample selection with inclusion probabilities: SRS, systematic, PPS systematic, multistage.

Randomness only comes from an explicit :class:`numpy.random.Generator` (or a seed, which is stored with
the draw so that it can be repeated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._errors import SamplingError
from ._util import BoolArray, FloatArray, IntArray

__all__ = [
    "MultistageSample",
    "Sample",
    "StageSpec",
    "inclusion_probabilities",
    "inclusion_probabilities_pps",
    "multistage",
    "pps_systematic",
    "reserve",
    "select_with_certainty",
    "srs",
    "systematic",
]

Method = Literal["srs", "systematic", "pps"]


@dataclass(frozen=True, eq=False)
class Sample:
    """Selected frame indices (ascending) with their inclusion probabilities."""

    indices: IntArray
    probabilities: FloatArray
    method: str
    seed: int | None
    certainty: npt.NDArray[np.bool_]

    @property
    def weights(self) -> FloatArray:
        """Base weights ``1 / pi``."""
        return 1.0 / self.probabilities


def _rng(rng: np.random.Generator | None, seed: int | None) -> np.random.Generator:
    if rng is not None:
        return rng
    if seed is None:
        raise SamplingError("selection needs an explicit numpy Generator (rng=) or a seed (seed=)")
    return np.random.default_rng(seed)


def _check_n(n: int, population: int) -> None:
    if n < 0 or n > population:
        raise SamplingError(f"cannot draw {n} units from a frame of {population}")


def srs(population: int, n: int, *, rng: np.random.Generator | None = None, seed: int | None = None) -> Sample:
    """Simple random sample without replacement; ``pi = n / N``."""
    _check_n(n, population)
    g = _rng(rng, seed)
    idx = np.sort(g.choice(population, size=n, replace=False)).astype(np.intp)
    return Sample(idx, np.full(n, n / population), "srs", seed, np.zeros(n, dtype=bool))


def systematic(population: int, n: int, *, rng: np.random.Generator | None = None, seed: int | None = None) -> Sample:
    """Systematic sample with a fractional interval ``k = N/n`` and a random start in [0, k); ``pi = n/N``."""
    _check_n(n, population)
    if n == 0:
        return Sample(np.zeros(0, dtype=np.intp), np.zeros(0), "systematic", seed, np.zeros(0, dtype=bool))
    g = _rng(rng, seed)
    k = population / n
    start = g.uniform(0, k)
    idx = np.floor(start + k * np.arange(n)).astype(np.intp)
    idx = np.minimum(idx, population - 1)
    return Sample(idx, np.full(n, n / population), "systematic", seed, np.zeros(n, dtype=bool))


def inclusion_probabilities_pps(sizes: npt.ArrayLike, n: int) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """PPS inclusion probabilities ``n s_i / sum s`` with certainty units (pi >= 1) taken out repeatedly."""
    s = np.asarray(sizes, dtype=np.float64)
    if s.ndim != 1 or (s < 0).any() or np.isnan(s).any():
        raise SamplingError("measures of size must be non-negative numbers")
    positive = s > 0
    if n > int(positive.sum()):
        raise SamplingError(f"cannot draw {n} units: only {int(positive.sum())} have a positive size")
    certain = np.zeros(s.shape[0], dtype=bool)
    pi = np.zeros(s.shape[0])
    while True:
        rest = positive & ~certain
        n_rest = n - int(certain.sum())
        total = s[rest].sum()
        pi = np.where(rest, n_rest * s / total if total > 0 else 0.0, 0.0)
        new = rest & (pi >= 1.0 - 1e-12)
        if not new.any():
            break
        certain |= new
    pi[certain] = 1.0
    return pi, certain


def pps_systematic(
    sizes: npt.ArrayLike, n: int, *, rng: np.random.Generator | None = None, seed: int | None = None
) -> Sample:
    """PPS systematic sample (frame order kept): certainty units first, the rest by a random start."""
    pi, certain = inclusion_probabilities_pps(sizes, n)
    g = _rng(rng, seed)
    rest_idx = np.flatnonzero(~certain & (pi > 0))
    n_rest = n - int(certain.sum())
    chosen = np.flatnonzero(certain)
    if n_rest > 0:
        cum = np.cumsum(pi[rest_idx])  # sums to n_rest: interval 1
        start = g.uniform(0, 1)
        points = start + np.arange(n_rest)
        pos = np.searchsorted(cum, points, side="right")
        chosen = np.concatenate([chosen, rest_idx[np.minimum(pos, rest_idx.size - 1)]])
    idx = np.sort(chosen).astype(np.intp)
    return Sample(idx, pi[idx], "pps", seed, certain[idx])


def _forced(count: int, certain: npt.ArrayLike | None) -> BoolArray:
    if certain is None:
        return np.zeros(count, dtype=bool)
    forced = np.asarray(certain, dtype=bool)
    if forced.shape != (count,):
        raise SamplingError(f"give one certainty flag per unit: {forced.shape[0]} flags for {count} units")
    return forced


def _sizes(method: Method, sizes: npt.ArrayLike) -> FloatArray:
    s = np.asarray(sizes, dtype=np.float64)
    if s.ndim != 1:
        raise SamplingError("sizes must be a 1-D array, one value per unit")
    if method == "pps" and ((s < 0).any() or np.isnan(s).any()):
        raise SamplingError("measures of size must be non-negative numbers")
    return s


def inclusion_probabilities(
    method: Method, sizes: npt.ArrayLike, n: int, certain: npt.ArrayLike | None = None
) -> tuple[FloatArray, BoolArray]:
    """Every unit's inclusion probability when ``n`` units are taken by ``method`` with ``certain`` units first.

    The ``k`` units marked ``certain`` (e.g. the commune seat, or a size rule) get ``pi = 1`` and count in
    ``n``; the other ``n - k`` (none when ``k >= n``) come from the rest: ``(n - k) / (N - k)`` by SRS or
    systematic, ``(n - k) s_i / sum s`` by PPS over the rest, whose own certainty units (``pi >= 1``) are
    taken out repeatedly. ``sizes`` is used by PPS only (its length is the frame size). Returns ``pi`` and
    the flags of the units taken with certainty (marked, or by the PPS rule).
    """
    s = _sizes(method, sizes)
    forced = _forced(s.shape[0], certain)
    rest = np.flatnonzero(~forced)
    n_rest = max(n - int(forced.sum()), 0)
    pi = np.where(forced, 1.0, 0.0)
    sure = forced.copy()
    if method == "pps":
        p, c = inclusion_probabilities_pps(s[rest], n_rest)
        pi[rest], sure[rest] = p, c
    else:
        _check_n(n_rest, rest.size)
        pi[rest] = n_rest / rest.size if rest.size else 0.0
    return pi, sure


def select_with_certainty(
    method: Method,
    sizes: npt.ArrayLike,
    n: int,
    certain: npt.ArrayLike | None = None,
    *,
    rng: np.random.Generator | None = None,
    seed: int | None = None,
) -> Sample:
    """Take the ``certain`` units (``pi = 1``, counted in ``n``) and draw ``n - k`` of the others by ``method``.

    The probabilities are those of :func:`inclusion_probabilities`; ``certainty`` flags the marked units and
    PPS's own certainty units. Without marked units this is exactly :func:`srs`, :func:`systematic` or
    :func:`pps_systematic` on the same generator.
    """
    s = _sizes(method, sizes)
    forced = _forced(s.shape[0], certain)
    rest = np.flatnonzero(~forced)
    n_rest = max(n - int(forced.sum()), 0)
    if method == "pps":
        sub = pps_systematic(s[rest], n_rest, rng=rng, seed=seed)
    elif method == "systematic":
        sub = systematic(rest.size, n_rest, rng=rng, seed=seed)
    else:
        sub = srs(rest.size, n_rest, rng=rng, seed=seed)
    taken = np.concatenate([np.flatnonzero(forced), rest[sub.indices]]).astype(np.intp)
    probabilities = np.concatenate([np.ones(int(forced.sum())), sub.probabilities])
    flags = np.concatenate([np.ones(int(forced.sum()), dtype=bool), sub.certainty])
    order = np.argsort(taken, kind="stable")
    return Sample(taken[order], probabilities[order], method, seed, flags[order])


def reserve(
    method: Method,
    sizes: npt.ArrayLike,
    taken: npt.ArrayLike,
    count: int,
    *,
    rng: np.random.Generator,
) -> IntArray:
    """A reserve list: up to ``count`` units not ``taken``, drawn by ``method``, in the random order of release.

    SRS and systematic: a simple random sample of the other units (systematic reserves are not spread
    over the frame; the order of release is random anyway). PPS: a PPS systematic sample of the other units
    of positive size. Fewer units are returned when fewer are left.
    """
    s = _sizes(method, sizes)
    used = np.zeros(s.shape[0], dtype=bool)
    used[np.asarray(taken, dtype=np.intp)] = True
    pool = np.flatnonzero(~used & (s > 0)) if method == "pps" else np.flatnonzero(~used)
    count = min(count, pool.size)
    if count <= 0:
        return np.zeros(0, dtype=np.intp)
    if method == "pps":
        chosen = pool[pps_systematic(s[pool], count, rng=rng).indices]
        return chosen[rng.permutation(chosen.size)].astype(np.intp)
    return pool[rng.permutation(pool.size)[:count]].astype(np.intp)


@dataclass(frozen=True)
class StageSpec:
    """One stage of a multistage design.

    ``parent`` gives, for every unit of this stage's frame, the index of its parent in the previous
    stage's frame (ignored at stage 1). ``n`` units are drawn per selected parent (at stage 1, in total),
    by ``method``; ``size`` is the measure of size for PPS; ``always`` marks units taken with certainty
    (pi = 1) in addition to the ``n`` drawn (e.g. the provincial capital, the commune seat).
    """

    n: int
    method: Method = "srs"
    parent: Sequence[int] | npt.ArrayLike | None = None
    size: Sequence[float] | npt.ArrayLike | None = None
    always: Sequence[bool] | npt.ArrayLike | None = None


@dataclass(frozen=True, eq=False)
class MultistageSample:
    """Per stage: the selected units (with their conditional pi); ``overall`` holds the final units'
    joint inclusion probability (product over stages)."""

    stages: tuple[Sample, ...]
    overall: FloatArray
    seed: int | None


def _draw(method: Method, n: int, size: FloatArray | None, g: np.random.Generator, seed: int | None) -> Sample:
    count = size.shape[0] if size is not None else 0
    if method == "pps":
        if size is None:
            raise SamplingError("PPS needs a measure of size")
        return pps_systematic(size, n, rng=g, seed=seed)
    if method == "systematic":
        return systematic(count, n, rng=g, seed=seed)
    return srs(count, n, rng=g, seed=seed)


def multistage(
    stages: Sequence[StageSpec],
    frame_sizes: Sequence[int],
    *,
    rng: np.random.Generator | None = None,
    seed: int | None = None,
) -> MultistageSample:
    """Multistage selection (PAPI-style: district → commune → village by PPS, people by SRS).

    ``frame_sizes[s]`` is the number of units in stage ``s``'s frame. Loops run over selected parents,
    never over rows.
    """
    if len(stages) != len(frame_sizes) or not stages:
        raise SamplingError("give one frame size per stage")
    g = _rng(rng, seed)
    results: list[Sample] = []
    parent_pi: FloatArray | None = None
    parent_sel: IntArray | None = None
    for s, (spec, size_n) in enumerate(zip(stages, frame_sizes, strict=True)):
        sizes = None if spec.size is None else np.asarray(spec.size, dtype=np.float64)
        always = np.zeros(size_n, dtype=bool) if spec.always is None else np.asarray(spec.always, dtype=bool)
        if s == 0:
            groups = [np.arange(size_n)]
            cond_parent = [1.0]
        else:
            if spec.parent is None:
                raise SamplingError(f"stage {s + 1}: parent indices are required")
            parent = np.asarray(spec.parent, dtype=np.intp)
            if parent_sel is None or parent_pi is None:
                raise SamplingError("internal error: stage 1 selection missing")
            order = np.argsort(parent, kind="stable")
            bounds = np.searchsorted(parent[order], parent_sel)
            ends = np.searchsorted(parent[order], parent_sel, side="right")
            groups = [order[a:b] for a, b in zip(bounds, ends, strict=True)]
            cond_parent = list(parent_pi)
        idx_all: list[IntArray] = []
        pi_all: list[FloatArray] = []
        cert_all: list[npt.NDArray[np.bool_]] = []
        for members, ppi in zip(groups, cond_parent, strict=True):
            forced = members[always[members]]
            pool = members[~always[members]]
            take = min(spec.n, pool.size)
            sub = (
                _draw(spec.method, take, None if sizes is None else sizes[pool], g, seed)
                if spec.method == "pps"
                else (_draw(spec.method, take, np.ones(pool.size), g, seed))
            )
            idx_all += [forced, pool[sub.indices]]
            pi_all += [np.full(forced.size, float(ppi)), sub.probabilities * ppi]
            cert_all += [np.ones(forced.size, dtype=bool), sub.certainty]
        idx = np.concatenate(idx_all).astype(np.intp)
        joint = np.concatenate(pi_all)
        cert = np.concatenate(cert_all)
        order_i = np.argsort(idx, kind="stable")
        idx, joint, cert = idx[order_i], joint[order_i], cert[order_i]
        cond = joint / (np.ones_like(joint) if s == 0 else _parent_pi_of(idx, spec, parent_sel, parent_pi))
        results.append(Sample(idx, cond, spec.method, seed, cert))
        parent_sel, parent_pi = idx, joint
    if parent_pi is None:
        raise SamplingError("multistage needs at least one stage")
    return MultistageSample(tuple(results), parent_pi, seed)


def _parent_pi_of(
    idx: IntArray, spec: StageSpec, parent_sel: IntArray | None, parent_pi: FloatArray | None
) -> FloatArray:
    if parent_sel is None or parent_pi is None or spec.parent is None:
        raise SamplingError("internal error: parent stage missing")
    parent = np.asarray(spec.parent, dtype=np.intp)[idx]
    return parent_pi[np.searchsorted(parent_sel, parent)]
