"""An index's overall % satisfied in every domain of one design, with the domains' covariance.

The overall figure is a smooth function of ratios (``item_mean``: the mean of its answered items' shares
satisfied; ``pooled``: satisfied answers over all answers), so its linearised score per row is, for ``item_mean``,
``w (1/k) sum_i (s_i - p_i a_i) / sum w a_i`` and for ``pooled`` ``w (sum_i s_i - p sum_i a_i) / sum w a``
(``s``: satisfied, ``a``: answered). Scores of every domain go through the design covariance at once, as
:func:`sampling.contrasts.domain_covariance` does for a mean; the figures equal :func:`sampling.compute_index`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ._errors import EstimationError
from ._util import FloatArray
from .contrasts import DomainCovariance
from .covariance import domain_covariance_of_scores
from .design import Design
from .index_definition import IndexDefinition, as_definition, parse_levels
from .variance import included_stages

__all__ = ["index_domain_covariance"]


def index_domain_covariance(
    answers: npt.ArrayLike,
    item_codes: Sequence[str],
    design: Design,
    definition: IndexDefinition,
    codes: npt.ArrayLike,
    labels: Sequence[str],
    *,
    missing: int | None = None,
) -> DomainCovariance:
    """The overall level's % satisfied in each domain ``codes == g`` (labelled ``labels[g]``; -1: none) and
    their design covariance. ``answers`` is rows × ``item_codes``, NaN where unanswered; with ``missing``,
    whole-number answer codes (e.g. bytes) where that code is unanswered, read a block of rows at a time."""
    definition = as_definition(definition)
    levels = parse_levels(definition, item_codes)
    overall = next((lv for lv in levels if lv.kind == "overall"), None)
    if overall is None:
        raise EstimationError("the index has no overall level")
    position = {code: i for i, code in enumerate(item_codes)}
    columns = sorted({position[code] for code in overall.items})
    source = answers if isinstance(answers, np.ndarray) else np.asarray(answers, dtype=np.float64)
    group = np.asarray(codes, dtype=np.int64)
    n_groups = len(labels)
    if source.shape[0] != design.n or group.shape[0] != design.n:
        raise EstimationError(f"answers and domains must have {design.n} rows like the design")
    inside = group >= 0
    g = np.where(inside, group, 0)
    w = np.where(inside, design.weights, 0.0)
    blocks = _Blocks(source, columns, missing, np.asarray(definition.satisfied, dtype=np.float64))
    # per domain and item: sum w a and sum w s
    a_tot = np.zeros((n_groups, len(columns)))
    s_tot = np.zeros((n_groups, len(columns)))
    for rows, answered, satisfied in blocks:
        by_domain = _indicator(g[rows], w[rows], n_groups)
        a_tot += by_domain @ answered
        s_tot += by_domain @ satisfied
    with np.errstate(divide="ignore", invalid="ignore"):
        if definition.aggregation == "pooled":
            estimates = s_tot.sum(axis=1) / a_tot.sum(axis=1)
            # z = (sum_i s_i - p sum_i a_i) / sum w a: the same form with one coefficient for every item
            p_item = np.repeat(estimates[:, None], len(columns), axis=1)
            coef = np.repeat((1.0 / a_tot.sum(axis=1))[:, None], len(columns), axis=1)
        else:
            has = a_tot > 0
            k = has.sum(axis=1)
            p_item = np.where(has, s_tot / np.where(has, a_tot, 1.0), 0.0)
            estimates = np.where(k > 0, p_item.sum(axis=1) / np.maximum(k, 1), np.nan)
            coef = np.where(has, 1.0 / (np.maximum(k, 1)[:, None] * np.where(has, a_tot, 1.0)), 0.0)
    coef = np.nan_to_num(coef, nan=0.0, posinf=0.0, neginf=0.0)
    p_item = np.nan_to_num(p_item)
    values = np.zeros(design.n)
    for rows, answered, satisfied in blocks:
        gr = g[rows]
        values[rows] = w[rows] * ((satisfied - p_item[gr] * answered) * coef[gr]).sum(axis=1)
    row_group = np.where(inside, group, -1)
    covariance = _one_stage_covariance(design, row_group, values, n_groups)
    if covariance is None:
        covariance = domain_covariance_of_scores(design, values, row_group, n_groups)
    domain_labels = tuple((("domain", str(label)),) for label in labels)
    return DomainCovariance("proportion", domain_labels, estimates, covariance, design.degrees_of_freedom())


_BLOCK_ROWS = 131_072


class _Blocks:
    """The overall level's items, a block of rows at a time: (rows, answered, satisfied) as 0/1 floats."""

    def __init__(
        self, source: npt.NDArray[np.generic], columns: list[int], missing: int | None, satisfied: FloatArray
    ) -> None:
        self.source, self.columns, self.missing, self.satisfied = source, columns, missing, satisfied

    def __iter__(self) -> Iterator[tuple[slice, FloatArray, FloatArray]]:
        n = self.source.shape[0]
        for r0 in range(0, n, _BLOCK_ROWS):
            rows = slice(r0, min(n, r0 + _BLOCK_ROWS))
            block = np.take(self.source[rows], self.columns, axis=1)
            if self.missing is None:
                values = np.asarray(block, dtype=np.float64)
                answered = ~np.isnan(values)
            else:
                answered = block != self.missing
                values = block.astype(np.float64)
            hit = np.zeros(values.shape, dtype=bool)
            for value in self.satisfied:
                hit |= values == value  # NaN equals nothing
            hit &= answered
            yield rows, answered.astype(np.float64), hit.astype(np.float64)


def _indicator(codes: npt.NDArray[np.int64], values: FloatArray, size: int) -> sparse.csr_matrix:
    """``size`` × rows with ``values[i]`` at (codes[i], i)."""
    rows = codes.shape[0]
    return sparse.csc_matrix((values, codes, np.arange(rows + 1)), shape=(size, rows)).tocsr()


def _one_stage_covariance(
    design: Design, row_group: npt.NDArray[np.int64], values: FloatArray, n_groups: int
) -> FloatArray | None:
    """The covariance of one-column-per-row scores as one sparse product, for designs whose variance is the
    first stage's alone, without weighting adjustments or lonely PSUs (the pairwise route of
    :func:`sampling.covariance.taylor_covariance` costs PSUs × domains² there); None for other designs.

    Per stratum ``h``: ``(1 - f_h) n_h / (n_h - 1) sum_i (t_i - mean_h)(t_i - mean_h)'``, R's rule.
    """
    stage = design.stages[0]
    if design.adjustments or included_stages(design) != 1 or np.any(stage.sampsize < 2):
        return None
    nh = stage.sampsize
    if stage.popsize is None:
        fac = np.ones(stage.n_groups)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            fac = np.where(np.isinf(stage.popsize), 1.0, (stage.popsize - nh) / stage.popsize)
    scale = np.where(fac < 1e-7, 0.0, fac * nh / (nh - 1))
    keep = row_group >= 0
    totals = sparse.csr_matrix(
        (values[keep], (stage.unit[keep], row_group[keep])), shape=(stage.n_units, n_groups)
    )  # duplicates summed: unit totals
    by_stratum = sparse.csr_matrix(
        (np.ones(stage.n_units), (stage.group_of_unit, np.arange(stage.n_units))),
        shape=(stage.n_groups, stage.n_units),
    )
    means = np.asarray((by_stratum @ totals).todense()) / nh[:, None]
    weighted = sparse.diags(scale[stage.group_of_unit]) @ totals
    cross = np.asarray((totals.T @ weighted).todense())
    return np.asarray(cross - means.T @ (means * (scale * nh)[:, None]), dtype=np.float64)
