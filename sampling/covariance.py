"""Design covariance of several estimates at once (R's ``vcov`` of ``svymean(~a+b)``, ``svyby(covmat=TRUE)``).

Every estimate is linear in its linearised scores, so the covariance of two estimates is the bilinear form
of the design variance: ``cov(a, b) = (V(a + b) - V(a) - V(b)) / 2``. Computing it through
:func:`sampling.variance.variance_from_unit_totals` keeps one variance rule (strata, fpc, later stages,
lonely PSUs) for variances and covariances alike. Scores are produced in column blocks and summed to unit
totals at once, so no n × q matrix larger than a few million cells is ever held.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._errors import EstimationError
from ._util import FloatArray, IntArray, bincount, group_sum
from .design import Design
from .variance import UnitTotals, included_stages, project_scores, variance_from_unit_totals

__all__ = [
    "ScoreBlock",
    "SparseScores",
    "covariance_from_unit_totals",
    "domain_covariance_of_scores",
    "domain_mean_scores",
    "sparse_score_block",
    "taylor_covariance",
]

ScoreBlock = Callable[[int, int], FloatArray]
"""A function giving the score columns ``start:stop`` of every design row (n × (stop - start))."""

_CHUNK_CELLS = 8_000_000


def _unit_totals(design: Design, block: ScoreBlock, q: int) -> list[FloatArray]:
    """Unit totals (one array units × q per included stage) of the projected score columns."""
    stages = [design.stages[s] for s in range(included_stages(design))]
    if isinstance(block, SparseScores) and not design.adjustments:
        return [block.unit_totals(st.unit, st.n_units, q) for st in stages]
    out = [np.zeros((st.n_units, q)) for st in stages]
    step = max(1, _CHUNK_CELLS // max(design.n, 1))
    for start in range(0, q, step):
        stop = min(q, start + step)
        z = np.asarray(block(start, stop), dtype=np.float64)
        if z.shape != (design.n, stop - start):
            raise EstimationError(f"scores: expected shape {(design.n, stop - start)}, got {z.shape}")
        if design.adjustments:
            z = project_scores(design, z, overwrite=True)
        for t, st in zip(out, stages, strict=True):
            t[:, start:stop] = group_sum(st.unit, z, st.n_units)
    return out


def taylor_covariance(design: Design, scores: FloatArray | ScoreBlock, q: int | None = None) -> FloatArray:
    """Design covariance matrix (q × q) of the totals of linearised ``scores``.

    ``scores`` is an n × q array, or a :data:`ScoreBlock` with its column count ``q``. Scores are projected
    on the design's weighting adjustments (post-stratification, raking, calibration) as for a variance.
    """
    if callable(scores):
        if q is None:
            raise EstimationError("a score block needs its column count q")
        block: ScoreBlock = scores
    else:
        arr = np.asarray(scores, dtype=np.float64)
        arr = arr[:, None] if arr.ndim == 1 else arr
        q = int(arr.shape[1])

        def block(start: int, stop: int) -> FloatArray:
            return np.array(arr[:, start:stop])

    return covariance_from_unit_totals(design, _unit_totals(design, block, q))


def covariance_from_unit_totals(design: Design, totals: list[FloatArray]) -> FloatArray:
    """Design covariance matrix (q × q) from the projected score totals of every sampling unit, one array
    (units × q) per included stage: the variance rule applied to sums of pairs of columns."""
    q = totals[0].shape[1]
    variances = variance_from_unit_totals(design, totals)
    cov = np.diag(variances)
    first, second = np.triu_indices(q, 1)
    if first.size == 0:
        return cov
    largest = max(t.shape[0] for t in totals)
    step = max(1, _CHUNK_CELLS // max(largest, 1))
    for start in range(0, first.size, step):
        i = first[start : start + step]
        j = second[start : start + step]
        sums = variance_from_unit_totals(design, [t[:, i] + t[:, j] for t in totals])
        cov[i, j] = cov[j, i] = (sums - variances[i] - variances[j]) / 2
    return cov


def domain_covariance_of_scores(design: Design, scores: FloatArray, columns: IntArray, q: int) -> FloatArray:
    """Design covariance of ``q`` domain totals: row i scores ``scores[i]`` in domain ``columns[i]`` (-1:
    none) and zero in every other. With at most one weighting adjustment the unit totals of the projected
    scores are summed in one pass (:class:`sampling.variance.UnitTotals`), without a rows × q matrix."""
    acc = UnitTotals(design, q)
    if not acc.supported:
        return taylor_covariance(design, sparse_score_block(columns, scores), q)
    inside = columns >= 0
    acc.add_domains(np.where(inside, scores, 0.0), np.where(inside, columns, 0))
    return covariance_from_unit_totals(design, acc.totals())


class SparseScores:
    """Scores ``z[i, codes[i]] = values[i]`` (no column where ``codes < 0``), minus ``outer(r, c)`` when
    ``dense = (r, c)`` is given: the shape of the scores of category shares and of domain means.

    Called as a :data:`ScoreBlock`; without weighting adjustments its unit totals come from one bincount.
    """

    def __init__(self, codes: IntArray, values: FloatArray, dense: tuple[FloatArray, FloatArray] | None = None) -> None:
        self.codes = codes
        self.values = values
        self.dense = dense

    def __call__(self, start: int, stop: int) -> FloatArray:
        z = np.zeros((self.codes.shape[0], stop - start))
        sel = (self.codes >= start) & (self.codes < stop)
        z[np.flatnonzero(sel), self.codes[sel] - start] = self.values[sel]
        if self.dense is not None:
            z -= np.outer(self.dense[0], self.dense[1][start:stop])
        return z

    def unit_totals(self, unit: IntArray, n_units: int, q: int) -> FloatArray:
        """Totals (units × q) of the scores within every unit."""
        inside = self.codes >= 0
        cells = unit[inside].astype(np.int64) * q + self.codes[inside]
        out = bincount(cells, weights=self.values[inside], minlength=n_units * q).reshape(n_units, q)
        if self.dense is not None:
            out -= np.outer(bincount(unit, weights=self.dense[0], minlength=n_units), self.dense[1])
        return out


def sparse_score_block(
    codes: IntArray, values: FloatArray, dense: tuple[FloatArray, FloatArray] | None = None
) -> ScoreBlock:
    """A :class:`SparseScores` block (see there)."""
    return SparseScores(codes, values, dense)


def domain_mean_scores(
    weights: FloatArray, y: FloatArray, codes: IntArray, n_groups: int, x: FloatArray | None = None
) -> tuple[FloatArray, ScoreBlock]:
    """Domain means (or ratios ``sum w y / sum w x`` with ``x``) and their linearised scores.

    Rows with ``codes < 0`` or a missing ``y`` (or ``x``) are out of every domain. The score of a row of
    domain g is ``w (y - est_g x) / sum_g w x`` (``x = 1`` for a mean), as R's influence functions.
    """
    valid = (codes >= 0) & ~np.isnan(y)
    xx = np.ones_like(y) if x is None else x
    valid &= ~np.isnan(xx)
    gc = np.where(valid, codes, 0)
    wv = np.where(valid, weights, 0.0)
    yv = np.where(valid, y, 0.0)
    xv = np.where(valid, xx, 0.0)
    num = bincount(gc, weights=wv * yv, minlength=n_groups)
    den = bincount(gc, weights=wv * xv, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = num / den
        values = np.where(valid, wv * (yv - est[gc] * xv) / den[gc], 0.0)
    return est, sparse_score_block(np.where(valid, codes, -1), values)
