"""Finishing an index: every level's estimates, SEs, CIs and design effects from the sums of one domain
(see :mod:`sampling.indices` for the formulas)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ._errors import SamplingError
from ._index_sums import Sums
from ._util import FloatArray, IntArray, group_sum
from .design import Design
from .estimate import CIMethod, Estimate, proportion_ci, t_quantile
from .index_definition import Aggregation, Level
from .variance import variance_from_unit_totals

RowVariance = Callable[[FloatArray, FloatArray, FloatArray], tuple[FloatArray, FloatArray]]
"""Variances of % satisfied and mean score per level from row-level scores (designs with several weighting
adjustments), given the level coefficients ``mat``, ``cs`` and ``cv``."""


@dataclass(frozen=True)
class IndexLevel:
    """% satisfied and mean score of one level (overall, group, element or item)."""

    code: str
    label: str
    kind: str
    items: tuple[str, ...]
    satisfied: Estimate
    mean_score: Estimate
    n_answers: int
    n_respondents: int
    deff: float | None
    n_eff: float


@dataclass(frozen=True)
class IndexResult:
    """Every level of an index, overall first, then groups, elements and items."""

    code: str
    aggregation: str
    levels: tuple[IndexLevel, ...]

    def level(self, code: str) -> IndexLevel:
        """The level with this code."""
        for lv in self.levels:
            if lv.code == code:
                return lv
        raise KeyError(code)


@dataclass(frozen=True)
class Shape:
    """The levels of an index and how items make them up (``member``: items × levels)."""

    levels: list[Level]
    member: FloatArray
    n_agg: int
    item_pos: IntArray
    aggregation: Aggregation


@dataclass(frozen=True)
class _Figures:
    """Every level's % satisfied and mean score, and their scores' coefficients on the basis [s, a, v]."""

    p: FloatArray
    mu: FloatArray
    mat: FloatArray
    cs: FloatArray
    cv: FloatArray


def finish(
    design: Design | None,
    shape: Shape,
    sums: Sums,
    *,
    code: str,
    level: float,
    method: CIMethod,
    with_se: bool,
    row_variance: RowVariance | None,
) -> IndexResult:
    """Estimates, SEs, CIs and design effects of every level from the sums of one domain (``design`` None:
    every row weighs 1, no SEs)."""
    levels, member, item_pos = shape.levels, shape.member, shape.item_pos
    n_resp = np.concatenate([sums.n_resp, sums.n_item[item_pos]])
    w_resp = np.concatenate([sums.w_resp, sums.w_item[item_pos]])
    w2_resp = np.concatenate([sums.w2_resp, sums.w2_item[item_pos]])
    n_answers = sums.n_item @ member
    figures = _figures(shape, sums)
    var_s = var_v = ss_s = ss_v = np.zeros(len(levels))
    if design is None:  # every row weighs 1, in a PSU of its own
        df_lv = np.full(len(levels), sums.rows - 1)
    elif with_se:
        var_s, var_v, ss_s, ss_v = _variances(design, shape, sums, figures, row_variance)
        present = (sums.psu_answers @ member) > 0
        strata_present = group_sum(design.stages[0].group_of_unit, present.astype(np.float64), design.n_strata) > 0
        df_lv = present.sum(axis=0) - strata_present.sum(axis=0)
    else:
        df_lv = np.full(len(levels), design.degrees_of_freedom())
    out: list[IndexLevel] = []
    for j, lv in enumerate(levels):
        nr, sw = int(n_resp[j]), float(w_resp[j])
        n_eff = sw * sw / float(w2_resp[j]) if w2_resp[j] > 0 else 0.0
        satisfied, score = _estimates(
            lv.code,
            float(figures.p[j]),
            float(figures.mu[j]),
            df=int(df_lv[j]),
            n=nr,
            sum_weights=sw,
            n_eff=n_eff,
            spread=(var_s[j], var_v[j], ss_s[j], ss_v[j]) if with_se and design is not None else None,
            level=level,
            method=method,
        )
        out.append(
            IndexLevel(
                code=lv.code,
                label=lv.label,
                kind=lv.kind,
                items=lv.items,
                satisfied=satisfied,
                mean_score=score,
                n_answers=int(n_answers[j]),
                n_respondents=nr,
                deff=satisfied.deff,
                n_eff=n_eff,
            )
        )
    return IndexResult(code, shape.aggregation, tuple(out))


def _estimates(
    code: str,
    p: float,
    mu: float,
    *,
    df: int,
    n: int,
    sum_weights: float,
    n_eff: float,
    spread: tuple[float, float, float, float] | None,
    level: float,
    method: CIMethod,
) -> tuple[Estimate, Estimate]:
    """% satisfied and mean score of one level; ``spread`` (variances of both, and the sums of squares their
    design effects compare with) is None without SEs."""
    se_s = se_v = float("nan")
    deff_s = deff_v = None
    lo, hi, boundary = np.nan, np.nan, False
    if spread is not None:
        var_s, var_v, ss_s, ss_v = spread
        se_s, se_v = float(np.sqrt(max(var_s, 0.0))), float(np.sqrt(max(var_v, 0.0)))
        deff_s, deff_v = _deff(var_s, ss_s, sum_weights, n), _deff(var_v, ss_v, sum_weights, n)
        lo, hi, boundary = proportion_ci(p, se_s, df, level, method, n)
    t = t_quantile(level, df)
    satisfied = Estimate(
        statistic="proportion",
        estimate=p,
        se=se_s,
        ci_low=float(lo),
        ci_high=float(hi),
        level=level,
        df=df,
        n=n,
        sum_weights=sum_weights,
        deff=deff_s,
        n_eff=n_eff,
        ci_method=method,
        boundary=boundary,
        variable=code,
    )
    score = replace(
        satisfied,
        statistic="mean",
        estimate=mu,
        se=se_v,
        ci_low=mu - t * se_v,
        ci_high=mu + t * se_v,
        deff=deff_v,
        ci_method="t",
        boundary=False,
    )
    return satisfied, score


def _figures(shape: Shape, sums: Sums) -> _Figures:
    """Levels' figures: ``item_mean`` averages the figures of a level's items that have answers (in this
    domain); ``pooled`` pools the answers of its items."""
    member = shape.member
    w_item = sums.w_item
    with np.errstate(divide="ignore", invalid="ignore"):
        p_item = sums.ws_item / w_item
        mu_item = sums.wv_item / w_item
        if shape.aggregation == "item_mean":
            answered = w_item > 0
            k = answered.astype(np.float64) @ member
            p_lv = (np.where(answered, p_item, 0.0) @ member) / k
            mu_lv = (np.where(answered, mu_item, 0.0) @ member) / k
            mat = member * answered[:, None] / (k[None, :] * w_item[:, None])
            cs = p_item[:, None] * mat
            cv = mu_item[:, None] * mat
        else:
            w_lv = w_item @ member
            p_lv = (sums.ws_item @ member) / w_lv
            mu_lv = (sums.wv_item @ member) / w_lv
            mat = member / w_lv[None, :]
            cs = mat * p_lv[None, :]
            cv = mat * mu_lv[None, :]
    return _Figures(p_lv, mu_lv, np.nan_to_num(mat), np.nan_to_num(cs), np.nan_to_num(cv))


def _variances(
    design: Design, shape: Shape, sums: Sums, figures: _Figures, row_variance: RowVariance | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Variances of % satisfied and mean score per level, and the sums of squares their design effects
    compare them with."""
    n_lv, n_agg, item_pos = len(shape.levels), shape.n_agg, shape.item_pos
    mat, cs, cv = figures.mat, figures.cs, figures.cv
    # level scores are linear in the basis [w s, w a, w v]: z_s = basis @ c_s, z_v = basis @ c_v
    zero = np.zeros_like(mat)
    coef = np.hstack([np.vstack([mat, -cs, zero]), np.vstack([zero, -cv, mat])])  # 3m × 2L
    if row_variance is not None:
        var_s, var_v = row_variance(mat, cs, cv)
    else:
        if sums.unit_totals is None:
            raise SamplingError("internal error: unit totals were not accumulated")
        var = variance_from_unit_totals(design, [_scores(u, coef) for u in sums.unit_totals.totals()])
        var_s, var_v = var[:n_lv], var[n_lv:]
    w_resp = np.concatenate([sums.w_resp, sums.w_item[item_pos]])
    quad = ((sums.gram.T @ coef) * coef).sum(axis=0)  # sum_i z_i^2 / w_i per column (one product, not einsum)
    ss_s = quad[:n_lv] * w_resp**2
    ss_v = quad[n_lv:] * w_resp**2
    # items exactly, from the sums: sum w a (s - p)^2 and sum w a (v - mu)^2
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = np.nan_to_num(sums.ws_item / sums.w_item)
        mi = np.nan_to_num(sums.wv_item / sums.w_item)
    w_item, ws_item, wv_item = sums.w_item, sums.ws_item, sums.wv_item
    ss_s[n_agg:] = (ws_item * (1 - 2 * pi) + pi * pi * w_item)[item_pos]
    ss_v[n_agg:] = (sums.wv2_item - 2 * mi * wv_item + mi * mi * w_item)[item_pos]
    return var_s, var_v, ss_s, ss_v


def _scores(unit_totals: FloatArray, coef: FloatArray) -> FloatArray:
    """``unit_totals @ coef``, computed only for the units with a total (in a domain, often few of them)."""
    used = np.flatnonzero(unit_totals.any(axis=1))
    if 2 * used.shape[0] > unit_totals.shape[0]:
        return unit_totals @ coef
    out = np.zeros((unit_totals.shape[0], coef.shape[1]))
    out[used] = unit_totals[used] @ coef
    return out


def _deff(var: float, ss: float, sw: float, n: int) -> float | None:
    if n < 2 or sw <= 0 or ss <= 0:
        return None
    svyvar = ss / sw * n / (n - 1)
    fpc = (sw - n) / sw if sw >= n else 1.0
    vsrs = svyvar * fpc / n
    return float(var / vsrs) if vsrs > 0 else None
