"""Replicate-weight variance: JK1, JKn, bootstrap (Rao–Wu), BRR and Fay.

A :class:`ReplicateDesign` stores one factor per (replicate, PSU), never an n × R matrix. Estimates are
computed from PSU × cell × domain totals: replicate r weights PSU p by ``factors[r, p]``, and
post-stratification and raking are redone on every replicate in the space of joint cells (a replicate's
raking factor depends only on the joint cell), so 2,000 replicates on 1M rows cost a few matrix products.
Calibration on continuous variables is redone per replicate at row level (slower; moderate n).

Variance ``V = scale * sum_r rscales_r (theta_r - c)^2`` with ``c`` the full-sample estimate when ``mse``
is True, else the mean of the replicates (R's default, ``survey.replicates.mse = FALSE``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import special

from ._errors import ConvergenceError, EstimationError
from ._util import FloatArray, IntArray, as_float, bincount
from .estimate import CIMethod, Estimate, Statistic, _indicator, domain_codes, proportion_ci, t_quantile
from .replicate_design import ReplicateDesign, ReplicateType, _CalStep, _CellStep, make_replicates
from .weighting import calibrate

__all__ = ["ReplicateDesign", "ReplicateType", "make_replicates", "replicate_estimate"]


def _cell_adjust(step: _CellStep, cell_w: FloatArray, joint_to: list[IntArray]) -> FloatArray:
    """Raking factors per (replicate, joint cell) for replicate cell totals ``cell_w`` (R × J)."""
    g = np.ones_like(cell_w)
    onehots = [np.eye(k)[m] for m, k in zip(joint_to, step.n_cells, strict=True)]  # J × C_k
    for it in range(max(step.max_iter, 1)):  # noqa: B007 - reported when not converged
        for oh, target in zip(onehots, step.targets, strict=True):
            cur = (cell_w * g) @ oh
            factor = np.divide(target[None, :], cur, out=np.ones_like(cur), where=cur > 0)
            g = g * (factor @ oh.T)
        if step.max_iter <= 1:
            break
        err = max(
            float(np.max(np.abs((cell_w * g) @ oh - t[None, :]) / t[None, :].clip(min=1e-300)))
            for oh, t in zip(onehots, step.targets, strict=True)
        )
        if err < step.tol:
            break
    else:
        raise ConvergenceError(f"raking did not converge on every replicate after {it + 1} sweeps")
    return g


def replicate_estimate(
    rep: ReplicateDesign,
    y: npt.ArrayLike,
    *,
    by: Sequence[npt.ArrayLike] | None = None,
    by_names: Sequence[str] | None = None,
    statistic: Statistic = "mean",
    satisfied: Sequence[float] | None = None,
    method: CIMethod = "logit",
    level: float = 0.95,
) -> list[Estimate]:
    """Mean, proportion or total (overall or by domains) with replicate-weight SEs."""
    base = rep.base
    yy = as_float(y, "y")
    if yy.shape[0] != base.n:
        raise EstimationError(f"variable has {yy.shape[0]} rows but the design has {base.n}")
    if statistic == "proportion":
        yy = _indicator(yy, satisfied, "y")
    elif statistic == "ratio":
        raise EstimationError("replicate ratios are not supported; use the Taylor design")
    labels: list[tuple[tuple[str, str], ...] | None]
    if by is None:
        codes: IntArray = np.zeros(base.n, dtype=np.intp)
        labels = [None]
    else:
        codes, lab = domain_codes(by, by_names)
        labels = list(lab)
    n_groups = len(labels)
    valid = (codes >= 0) & ~np.isnan(yy)
    gc = np.where(valid, codes, 0)
    w = base.weights
    if any(isinstance(s, _CalStep) for s in rep.steps):
        thetas = _row_level(rep, yy, valid, gc, n_groups, statistic)
    else:
        thetas = _cell_level(rep, yy, valid, gc, n_groups, statistic)
    full = thetas[0]
    reps = thetas[1:]
    se = np.sqrt(_replicate_variance(rep, full, reps))
    if statistic == "proportion" and method == "logit":
        # R fits the logit model on every replicate: the interval's SE is that of the replicates' logits
        with np.errstate(divide="ignore", invalid="ignore"):
            logit_se = np.sqrt(_replicate_variance(rep, special.logit(full), special.logit(reps)))
    out: list[Estimate] = []
    n_obs = bincount(gc[valid & (w != 0)], minlength=n_groups)
    sw = bincount(gc, weights=np.where(valid, w, 0.0), minlength=n_groups)
    sw2 = bincount(gc, weights=np.where(valid, w * w, 0.0), minlength=n_groups)
    for g in range(n_groups):
        df = rep.degrees_of_freedom(codes == g)  # the domain's, before missing answers (R's degf)
        e, s = float(full[g]), float(se[g])
        if statistic == "proportion":
            rows = base.n if rep.steps else int(np.count_nonzero(codes == g))
            lo, hi, boundary = proportion_ci(e, s, df, level, method, rows)
            if method == "logit" and not boundary and np.isfinite(lo):
                half = t_quantile(level, df) * float(logit_se[g])
                lo, hi = float(special.expit(special.logit(e) - half)), float(special.expit(special.logit(e) + half))
            cim: str = method
        else:
            t = t_quantile(level, df)
            lo, hi, boundary, cim = e - t * s, e + t * s, False, "t"
        out.append(
            Estimate(
                statistic,
                e,
                s,
                float(lo),
                float(hi),
                level,
                df,
                int(n_obs[g]),
                float(sw[g]),
                None,
                float(sw[g] ** 2 / sw2[g]) if sw2[g] > 0 else 0.0,
                cim,
                boundary,
                labels[g],
                None,
            )
        )
    return out


def _replicate_variance(rep: ReplicateDesign, full: FloatArray, reps: FloatArray) -> FloatArray:
    """``scale * sum_r rscales_r (theta_r - c)^2``, c the full-sample value (mse) or the replicates' mean."""
    centre = full if rep.mse else reps.mean(axis=0)
    return np.asarray(rep.scale * (rep.rscales[:, None] * (reps - centre[None, :]) ** 2).sum(axis=0))


def _cell_level(
    rep: ReplicateDesign,
    y: FloatArray,
    valid: npt.NDArray[np.bool_],
    gc: IntArray,
    n_groups: int,
    statistic: str,
) -> FloatArray:
    base = rep.base
    w = base.weights
    psu = base.psu
    p_count = base.n_psu
    steps = [s for s in rep.steps if isinstance(s, _CellStep)]
    if steps:
        all_cells = [c for s in steps for c in s.cells]
        sizes = [k for s in steps for k in s.n_cells]
        joint = np.zeros(base.n, dtype=np.int64)
        for c, k in zip(all_cells, sizes, strict=True):
            joint = joint * k + c
        uniq, jcode = np.unique(joint, return_inverse=True)
        jcode = jcode.reshape(-1).astype(np.intp)
        n_joint = int(uniq.shape[0])
        maps: list[IntArray] = []
        rest = uniq.copy()
        for k in reversed(sizes):
            maps.append((rest % k).astype(np.intp))
            rest //= k
        maps.reverse()
    else:
        jcode = np.zeros(base.n, dtype=np.intp)
        n_joint = 1
        maps = []
    f_all = np.vstack([np.ones(p_count), rep.factors])  # (R+1) × P
    wcell = bincount(psu * n_joint + jcode, weights=w, minlength=p_count * n_joint).reshape(p_count, n_joint)
    g = np.ones((f_all.shape[0], n_joint))
    pos = 0
    for step in steps:
        k = len(step.cells)
        step_maps = maps[pos : pos + k]
        pos += k
        g = g * _cell_adjust(step, np.asarray((f_all @ wcell) * g, dtype=np.float64), step_maps)
    idx = (psu * n_joint + jcode) * n_groups + gc
    size = p_count * n_joint * n_groups
    wv = np.where(valid, w, 0.0)
    num = bincount(idx, weights=wv * np.where(valid, y, 0.0), minlength=size).reshape(p_count, n_joint * n_groups)
    rn = (f_all @ num).reshape(-1, n_joint, n_groups)
    tot_num = np.einsum("rj,rjg->rg", g, rn)
    if statistic == "total":
        return np.asarray(tot_num)
    den = bincount(idx, weights=wv, minlength=size).reshape(p_count, n_joint * n_groups)
    rd = (f_all @ den).reshape(-1, n_joint, n_groups)
    tot_den = np.einsum("rj,rjg->rg", g, rd)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(tot_num / tot_den)


def _row_level(
    rep: ReplicateDesign,
    y: FloatArray,
    valid: npt.NDArray[np.bool_],
    gc: IntArray,
    n_groups: int,
    statistic: str,
) -> FloatArray:
    base = rep.base
    out = np.empty((rep.n_replicates + 1, n_groups))
    wv_y = np.where(valid, y, 0.0)
    for r in range(rep.n_replicates + 1):
        w = base.weights.copy() if r == 0 else base.weights * rep.factors[r - 1][base.psu]
        for step in rep.steps:
            if isinstance(step, _CellStep):
                joint_w = [bincount(c, weights=w, minlength=k) for c, k in zip(step.cells, step.n_cells, strict=True)]
                for _ in range(max(step.max_iter, 1)):
                    for c, t, k in zip(step.cells, step.targets, step.n_cells, strict=True):
                        cur = bincount(c, weights=w, minlength=k)
                        w = w * np.divide(t, cur, out=np.ones(k), where=cur > 0)[c]
                    if step.max_iter <= 1:
                        break
                    joint_w = [
                        bincount(c, weights=w, minlength=k) for c, k in zip(step.cells, step.n_cells, strict=True)
                    ]
                    err = max(float(np.max(np.abs(j - t) / t)) for j, t in zip(joint_w, step.targets, strict=True))
                    if err < step.tol:
                        break
            else:
                d = base.with_weights(w)
                w = calibrate(
                    d, step.x, step.totals, calfun=step.calfun, bounds=step.bounds, epsilon=1e-10
                ).design.weights
        wv = np.where(valid, w, 0.0)
        num = bincount(gc, weights=wv * wv_y, minlength=n_groups)
        if statistic == "total":
            out[r] = num
        else:
            out[r] = num / bincount(gc, weights=wv, minlength=n_groups)
    return out
