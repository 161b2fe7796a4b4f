"""Taylor-linearisation variance core, shared by every estimator.

The variance of an estimator is the design variance of the total of its linearised scores ``z_i``. The
scores are first projected on the weighting adjustments recorded in the design (post-stratification,
raking by backfitting, GREG residuals), then summed to PSU totals and combined within strata:
``V = sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_hi - zbar_h)^2``, plus later-stage terms when the earlier
stage has an fpc, exactly as R's ``svyrecvar``/``multistage``/``onestrat``.
"""

from __future__ import annotations

import numpy as np

from ._errors import DesignError
from ._util import BoolArray, FloatArray, bincount, group_sum
from .design import Design, GregAdjustment, PostStratAdjustment, RakingAdjustment, Stage

__all__ = ["project_scores", "taylor_variance"]

RAKING_BACKFIT_ITERATIONS = 10


def project_scores(design: Design, scores: FloatArray) -> FloatArray:
    """Project linearised scores (n × q) on the design's weighting adjustments, in the order applied."""
    x = np.array(scores, dtype=np.float64, copy=True)
    if x.ndim == 1:
        x = x[:, None]
    for adj in design.adjustments:
        if isinstance(adj, PostStratAdjustment):
            x = _project_poststrat(adj, x)
        elif isinstance(adj, RakingAdjustment):
            x = _project_raking(adj, x)
        else:
            x = _project_greg(adj, x)
    return x


def _project_poststrat(adj: PostStratAdjustment, x: FloatArray) -> FloatArray:
    psw = adj.weights.copy()
    oldw = adj.old_weights
    psw[(psw == 0) & (oldw == 0)] = 1.0
    ratio = np.divide(oldw, psw, out=np.zeros_like(psw), where=psw != 0)
    num = group_sum(adj.cells, x * ratio[:, None], adj.n_cells)
    den = bincount(adj.cells, weights=oldw, minlength=adj.n_cells)
    means = np.divide(num, den[:, None], out=np.zeros_like(num), where=den[:, None] != 0)
    return x - means[adj.cells] * psw[:, None]


def _project_raking(adj: RakingAdjustment, x: FloatArray) -> FloatArray:
    """R's backfitting (10 sweeps of ``x <- x - psw * ave(x / psw, margin)``) on cell-level arrays.

    Writing ``x = x0 - sum_k psw_k * A_k[cell_k]``, every sweep only needs cross-tables of the margins, so
    the rows are touched a fixed number of times whatever the number of sweeps.
    """
    k_count = len(adj.cells)
    q = x.shape[1]
    inv = [np.divide(1.0, p, out=np.zeros_like(p), where=p != 0) for p in adj.weights]
    counts = [
        bincount(c, minlength=m).astype(np.float64) for c, m in zip(adj.cells, adj.n_cells, strict=True)
    ]
    s = [group_sum(c, x * iv[:, None], m) for c, iv, m in zip(adj.cells, inv, adj.n_cells, strict=True)]
    cross = [
        [
            bincount(
                adj.cells[j] * adj.n_cells[k] + adj.cells[k],
                weights=adj.weights[k] * inv[j],
                minlength=adj.n_cells[j] * adj.n_cells[k],
            ).reshape(adj.n_cells[j], adj.n_cells[k])
            for k in range(k_count)
        ]
        for j in range(k_count)
    ]
    a = [np.zeros((m, q)) for m in adj.n_cells]
    for _ in range(RAKING_BACKFIT_ITERATIONS):
        for j in range(k_count):
            resid = s[j] - sum((cross[j][k] @ a[k] for k in range(k_count)), np.zeros_like(s[j]))
            a[j] += np.divide(
                resid, counts[j][:, None], out=np.zeros_like(resid), where=counts[j][:, None] > 0
            )
    for k in range(k_count):
        x -= adj.weights[k][:, None] * a[k][adj.cells[k]]
    return x


def _project_greg(adj: GregAdjustment, x: FloatArray) -> FloatArray:
    xm = adj.x
    xwx = xm.T @ (xm * adj.old_weights[:, None])
    rhs = xm.T @ (x / adj.g[:, None])
    beta = np.linalg.lstsq(xwx, rhs, rcond=None)[0]
    return x - (adj.g * adj.old_weights)[:, None] * (xm @ beta)


def _stage_variance(
    design: Design, stage_index: int, stage: Stage, x: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per-group variance (groups × q) of one stage, and the fpc factor per group."""
    g = stage.group_of_unit
    nh = stage.sampsize
    t = group_sum(stage.unit, x, stage.n_units)
    means = group_sum(g, t, stage.n_groups) / nh[:, None]
    dev = t - means[g]
    lonely = nh == 1
    if stage.popsize is None:
        fac = np.ones(stage.n_groups)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            fac = np.where(np.isinf(stage.popsize), 1.0, (stage.popsize - nh) / stage.popsize)
    certainty = fac < 1e-7
    active = lonely & ~certainty
    policy = design.lonely_psu
    if active.any():
        if policy == "fail":
            h = int(np.flatnonzero(active)[0])
            where = (
                f"stratum {design.strata_labels[h]}"
                if stage_index == 0
                else f"unit {h} of stage {stage_index}"
            )
            raise DesignError(
                f"{where} has only one PSU at stage {stage_index + 1} "
                f"({int(active.sum())} such); choose lonely_psu remove, certainty, adjust or average"
            )
        if policy == "adjust":
            dev[active[g]] = t[active[g]]
    ss = group_sum(g, dev * dev, stage.n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(nh > 1, fac * nh / (nh - 1), fac)
    scale[certainty] = 0.0
    if policy == "average":
        scale[active] = 0.0
    return ss * scale[:, None], fac


def taylor_variance(design: Design, scores: FloatArray, *, project: bool = True) -> FloatArray:
    """Design variance of the totals of ``scores`` (n or n × q); returns q variances.

    Scores are projected on the design's weighting adjustments first (unless ``project`` is False).
    """
    one_d = scores.ndim == 1
    x = project_scores(design, scores) if project else (scores[:, None] if one_d else scores)
    q = x.shape[1]
    total = np.zeros(q)
    multiplier = np.ones(design.stages[0].n_groups)
    for s, stage in enumerate(design.stages):
        if s > 0:
            prev = design.stages[s - 1]
            if prev.popsize is None:
                break
            frac = prev.sampsize / prev.popsize
            multiplier = (multiplier * frac)[prev.group_of_unit]
        per_group, _ = _stage_variance(design, s, stage, x)
        if s == 0 and design.lonely_psu == "average":
            n_bad = int(((stage.sampsize == 1) & _not_certain(stage)).sum())
            n_ok = stage.n_groups - n_bad
            stage_total = per_group.sum(axis=0) * (stage.n_groups / n_ok) if n_ok > 0 else np.full(q, np.nan)
        else:
            stage_total = (per_group * multiplier[:, None]).sum(axis=0)
        total += stage_total
    return total


def _not_certain(stage: Stage) -> BoolArray:
    if stage.popsize is None:
        return np.ones(stage.n_groups, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        fac = np.where(np.isinf(stage.popsize), 1.0, (stage.popsize - stage.sampsize) / stage.popsize)
    return np.asarray(fac >= 1e-7)
