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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.linalg import hadamard

from ._errors import ConvergenceError, DesignError, EstimationError, WeightingError
from ._util import FloatArray, IntArray, as_float, bincount
from .design import Design
from .estimate import CIMethod, Estimate, Statistic, _indicator, domain_codes, proportion_ci, t_quantile
from .weighting import _population_vector, calibrate

__all__ = ["ReplicateDesign", "ReplicateType", "make_replicates", "replicate_estimate"]

ReplicateType = Literal["JK1", "JKn", "bootstrap", "BRR", "Fay"]


@dataclass(frozen=True, eq=False)
class _CellStep:
    """Post-stratification (one margin, one sweep) or raking (several margins, to convergence)."""

    cells: tuple[IntArray, ...]
    targets: tuple[FloatArray, ...]
    n_cells: tuple[int, ...]
    tol: float
    max_iter: int


@dataclass(frozen=True, eq=False)
class _CalStep:
    x: FloatArray
    totals: FloatArray
    calfun: Literal["linear", "raking", "logit"]
    bounds: tuple[float, float]


@dataclass(frozen=True, eq=False)
class ReplicateDesign:
    """A design with replicate factors per PSU and the weighting steps to redo on every replicate."""

    base: Design
    factors: FloatArray
    scale: float
    rscales: FloatArray
    type: str
    mse: bool = False
    seed: int | None = None
    steps: tuple[_CellStep | _CalStep, ...] = ()

    @property
    def n_replicates(self) -> int:
        """Number of replicates."""
        return int(self.factors.shape[0])

    def rake(
        self,
        margins: Sequence[npt.ArrayLike],
        population: Sequence[Mapping[object, float]],
        *,
        names: Sequence[str] | None = None,
        tol: float = 1e-10,
        max_iter: int = 1000,
    ) -> ReplicateDesign:
        """Rake the full sample and every replicate to the same population margins."""
        return replace(self, steps=(*self.steps, _cell_step(self.base, margins, population, names, tol, max_iter)))

    def poststratify(
        self, cells: npt.ArrayLike, population: Mapping[object, float], *, name: str = "poststratum"
    ) -> ReplicateDesign:
        """Post-stratify the full sample and every replicate."""
        return replace(self, steps=(*self.steps, _cell_step(self.base, [cells], [population], [name], 0.0, 1)))

    def calibrate(
        self,
        x: npt.ArrayLike,
        totals: npt.ArrayLike,
        *,
        calfun: Literal["linear", "raking", "logit"] = "linear",
        bounds: tuple[float, float] = (-np.inf, np.inf),
    ) -> ReplicateDesign:
        """Calibrate the full sample and every replicate (row-level; for moderate sizes)."""
        xm = np.asarray(x, dtype=np.float64)
        if xm.ndim == 1:
            xm = xm[:, None]
        step = _CalStep(xm, np.asarray(totals, dtype=np.float64).reshape(-1), calfun, bounds)
        return replace(self, steps=(*self.steps, step))


def _cell_step(
    design: Design,
    margins: Sequence[npt.ArrayLike],
    population: Sequence[Mapping[object, float]],
    names: Sequence[str] | None,
    tol: float,
    max_iter: int,
) -> _CellStep:
    if len(margins) != len(population):
        raise WeightingError(f"{len(margins)} margin columns but {len(population)} population margins")
    names = list(names) if names is not None else [f"margin{j}" for j in range(len(margins))]
    cells: list[IntArray] = []
    targets: list[FloatArray] = []
    sizes: list[int] = []
    for col, pop, name in zip(margins, population, names, strict=True):
        codes, labels = domain_codes([col], [name])
        if (codes < 0).any():
            raise WeightingError(f"margin {name}: missing value at row {int(np.flatnonzero(codes < 0)[0])}")
        sample = bincount(codes, weights=design.weights, minlength=len(labels))
        targets.append(_population_vector(labels, pop, f"margin {name}", sample, partial=False))
        cells.append(codes)
        sizes.append(len(labels))
    totals = [float(t.sum()) for t in targets]
    if len(totals) > 1 and max(totals) - min(totals) > 1e-9 * max(totals):
        raise WeightingError(f"raking margins have different population totals {totals}: raking cannot converge")
    return _CellStep(tuple(cells), tuple(targets), tuple(sizes), tol, max_iter)


def make_replicates(
    design: Design,
    type: ReplicateType = "JK1",
    *,
    replicates: int = 100,
    rng: np.random.Generator | None = None,
    seed: int | None = None,
    fay_rho: float = 0.3,
    mse: bool = False,
) -> ReplicateDesign:
    """Replicate factors for ``design``, as R's ``as.svrepdesign``.

    JK1 (unstratified; scale ``(1-f)(n-1)/n``), JKn (one replicate per PSU, ``rscales (n_h-1)/n_h (1-f_h)``),
    bootstrap (Rao–Wu rescaling: ``n_h - 1`` PSUs drawn with replacement, factor ``count * n_h/(n_h-1)``,
    scale ``1/(R-1)``; needs ``rng`` or ``seed``), BRR and Fay (two PSUs per stratum, Sylvester Hadamard
    matrix, scale ``1/(R (1-rho)^2)``).
    """
    stage = design.stages[0]
    nh = stage.sampsize
    sh = stage.group_of_unit
    p_count = stage.n_units
    if stage.popsize is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            fpc_factor = np.where(np.isinf(stage.popsize), 1.0, (stage.popsize - nh) / stage.popsize)
    else:
        fpc_factor = np.ones(stage.n_groups)
    if type == "JK1":
        if design.n_strata > 1:
            raise DesignError("JK1 needs an unstratified design; use JKn for strata")
        n = p_count
        if n < 2:
            raise DesignError("JK1 needs at least two PSUs")
        f = np.full((n, n), n / (n - 1))
        np.fill_diagonal(f, 0.0)
        return ReplicateDesign(design, f, float(fpc_factor[0] * (n - 1) / n), np.ones(n), "JK1", mse)
    if type == "JKn":
        rows: list[FloatArray] = []
        rsc: list[float] = []
        skipped = 0
        for h in range(stage.n_groups):
            members = np.flatnonzero(sh == h)
            m = members.size
            if m == 1:
                if fpc_factor[h] == 0:
                    continue
                if design.lonely_psu == "fail":
                    raise DesignError(f"stratum {design.strata_labels[h]} has only one PSU; choose a lonely_psu policy")
                if design.lonely_psu == "adjust":
                    r = np.where(sh == h, 0.0, stage.n_groups / (stage.n_groups - 1))
                    rows.append(r)
                    rsc.append((stage.n_groups - 1) / stage.n_groups)
                else:
                    skipped += 1
                continue
            for p in members:
                r = np.ones(p_count)
                r[members] = m / (m - 1)
                r[p] = 0.0
                rows.append(r)
                rsc.append(fpc_factor[h] * (m - 1) / m)
        if not rows:
            raise DesignError("every stratum was exhaustively sampled: no variance to estimate")
        scale = 1.0
        if design.lonely_psu == "average" and skipped:
            scale = p_count / len(rows)
        return ReplicateDesign(design, np.vstack(rows), scale, np.asarray(rsc), "JKn", mse)
    if type == "bootstrap":
        if rng is None:
            if seed is None:
                raise DesignError("bootstrap replicates need an explicit numpy Generator (rng) or a seed")
            rng = np.random.default_rng(seed)
        if replicates < 2:
            raise DesignError("bootstrap needs at least 2 replicates")
        f = np.ones((replicates, p_count))
        for h in range(stage.n_groups):
            members = np.flatnonzero(sh == h)
            m = members.size
            if m == 1:
                if design.lonely_psu == "fail":
                    raise DesignError(f"stratum {design.strata_labels[h]} has only one PSU; choose a lonely_psu policy")
                continue
            counts = rng.multinomial(m - 1, np.full(m, 1.0 / m), size=replicates)
            f[:, members] = counts * (m / (m - 1))
        return ReplicateDesign(design, f, 1.0 / (replicates - 1), np.ones(replicates), "bootstrap", mse, seed)
    if type in ("BRR", "Fay"):
        rho = 0.0 if type == "BRR" else fay_rho
        if not 0 <= rho < 1:
            raise DesignError(f"Fay's rho must lie in [0, 1), got {rho}")
        if not (nh == 2).all():
            h = int(np.flatnonzero(nh != 2)[0])
            raise DesignError(
                f"BRR needs exactly two PSUs per stratum; stratum {design.strata_labels[h]} has {int(nh[h])}"
            )
        order: int = 1
        while order < stage.n_groups + 1:
            order *= 2
        had = hadamard(order)[:, 1 : stage.n_groups + 1]
        first = np.zeros(p_count, dtype=bool)
        first[np.unique(sh, return_index=True)[1]] = True  # the first PSU of each stratum
        sign = had[:, sh]  # R × P
        in_half = np.where(first[None, :], sign > 0, sign < 0)
        f = np.where(in_half, 2.0 - rho, rho)
        return ReplicateDesign(design, f, 1.0 / (order * (1 - rho) ** 2), np.ones(order), type, mse)
    raise DesignError(f"unknown replicate type {type!r}")


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
    centre = full if rep.mse else reps.mean(axis=0)
    var = rep.scale * (rep.rscales[:, None] * (reps - centre[None, :]) ** 2).sum(axis=0)
    se = np.sqrt(var)
    out: list[Estimate] = []
    n_obs = bincount(gc[valid & (w != 0)], minlength=n_groups)
    sw = bincount(gc, weights=np.where(valid, w, 0.0), minlength=n_groups)
    sw2 = bincount(gc, weights=np.where(valid, w * w, 0.0), minlength=n_groups)
    for g in range(n_groups):
        df = base.degrees_of_freedom(valid & (gc == g))
        e, s = float(full[g]), float(se[g])
        if statistic == "proportion":
            lo, hi, boundary = proportion_ci(e, s, df, level, method, int(n_obs[g]))
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
