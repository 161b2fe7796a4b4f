"""Design-based estimators: mean, proportion, total and ratio, overall or by domains, with CIs.

Every estimator works on the whole design: rows outside a domain, and rows whose answer is missing for
that variable, get a zero score (R's ``svyby`` / ``na.rm=TRUE``) so standard errors stay right. Every CI
uses a t quantile at the design degrees of freedom of the domain (PSUs with non-zero weight in the domain
minus their strata, as R's ``degf`` on the subset design). Proportions of exactly 0 or 1 return the
boundary with ``boundary=True`` and a zero-width interval, never NaN.

Design effects follow R's ``deff=TRUE``: the design variance over the variance of the same estimator
under simple random sampling without replacement of the same size from a population of ``sum(w)``
(with replacement when the weights sum to less than the sample size, where R reports NA). Kish's
effective n is ``(sum w)^2 / sum w^2`` over the rows that count in the estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ._errors import EstimationError
from ._util import BoolArray, FloatArray, IntArray, as_float, bincount
from .design import Design
from .intervals import CI_METHODS, CIMethod, proportion_ci, t_quantile
from .variance import taylor_variance

__all__ = [
    "CIMethod",
    "Estimate",
    "Statistic",
    "by_domain",
    "domain_codes",
    "mean",
    "proportion",
    "proportion_ci",
    "ratio",
    "t_quantile",
    "total",
]

Statistic = Literal["mean", "proportion", "total", "ratio"]

_CHUNK_CELLS = 16_000_000


@dataclass(frozen=True)
class Estimate:
    """One estimate with its standard error, confidence interval and design diagnostics."""

    statistic: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    df: int
    n: int
    sum_weights: float
    deff: float | None
    n_eff: float
    ci_method: str
    boundary: bool = False
    group: tuple[tuple[str, str], ...] | None = None
    variable: str | None = None

    @property
    def variance(self) -> float:
        """Squared standard error."""
        return self.se * self.se

    def as_dict(self) -> dict[str, object]:
        """JSON-ready mapping (no NaN: undefined values become None)."""

        def clean(v: float | None) -> float | None:
            return None if v is None or not np.isfinite(v) else float(v)

        return {
            "variable": self.variable,
            "group": None if self.group is None else dict(self.group),
            "statistic": self.statistic,
            "estimate": clean(self.estimate),
            "se": clean(self.se),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "level": self.level,
            "df": self.df,
            "n": self.n,
            "sum_weights": clean(self.sum_weights),
            "deff": clean(self.deff),
            "n_eff": clean(self.n_eff),
            "ci_method": self.ci_method,
            "boundary": self.boundary,
        }


def domain_codes(
    columns: Sequence[npt.ArrayLike], names: Sequence[str] | None = None
) -> tuple[IntArray, list[tuple[tuple[str, str], ...]]]:
    """Joint domain code of every row (-1 where a by-value is missing) and each domain's labels."""
    if not columns:
        raise EstimationError("by needs at least one column")
    names = list(names) if names is not None else [f"by{j}" for j in range(len(columns))]
    if len(names) != len(columns):
        raise EstimationError(f"{len(columns)} by columns but {len(names)} names")
    lengths = {np.asarray(c).shape[0] for c in columns}
    if len(lengths) != 1:
        raise EstimationError(f"by columns have different lengths {sorted(lengths)}")
    codes_list: list[IntArray] = []
    labels_list: list[npt.NDArray[Any]] = []
    missing: BoolArray = np.zeros(np.asarray(columns[0]).shape[0], dtype=bool)
    for col in columns:
        arr = np.asarray(col)
        if arr.dtype.kind == "f":
            miss = np.isnan(arr)
        elif arr.dtype.kind in "OUS":
            arr = arr.astype(str)
            miss = (arr == "") | (arr == "None") | (arr == "nan") | (arr == "NA")
        else:
            miss = np.zeros(arr.shape[0], dtype=bool)
        if miss.any():
            fill = arr[~miss][0] if (~miss).any() else arr[0]
            arr = np.where(miss, fill, arr)
        labels, inv = np.unique(arr, return_inverse=True)
        used = np.zeros(labels.shape[0], dtype=bool)
        used[inv[~miss]] = True
        remap = np.cumsum(used) - 1
        codes_list.append(np.where(miss, -1, remap[inv]).astype(np.intp))
        labels_list.append(labels[used])
        missing = missing | miss
    joint = np.zeros(codes_list[0].shape[0], dtype=np.int64)
    for c, lab in zip(codes_list, labels_list, strict=True):
        joint = joint * max(lab.shape[0], 1) + np.maximum(c, 0)
    present = np.unique(joint[~missing])
    codes = np.searchsorted(present, joint).astype(np.intp)
    codes[missing] = -1
    domain_labels: list[tuple[tuple[str, str], ...]] = []
    for value in present:
        rest = int(value)
        parts: list[str] = []
        for lab in reversed(labels_list):
            k = max(lab.shape[0], 1)
            parts.append(_fmt_label(lab[rest % k]))
            rest //= k
        parts.reverse()
        domain_labels.append(tuple(zip(names, parts, strict=True)))
    return codes, domain_labels


def _fmt_label(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _indicator(y: FloatArray, satisfied: Sequence[float] | None, name: str) -> FloatArray:
    if satisfied is None:
        ok = y[~np.isnan(y)]
        if ((ok != 0) & (ok != 1)).any():
            raise EstimationError(f"{name}: a proportion needs 0/1 values or a satisfied set")
        return y
    out = np.isin(y, np.asarray(satisfied, dtype=np.float64)).astype(np.float64)
    out[np.isnan(y)] = np.nan
    return out


def _domain_df(design: Design, codes: IntArray, valid: BoolArray, n_groups: int) -> IntArray:
    keep = valid & (design.weights != 0)
    g = codes[keep]
    psu = design.psu[keep]
    stratum = design.stages[0].group_of_unit[psu]
    n_psu = bincount(np.unique(g.astype(np.int64) * design.n_psu + psu) // design.n_psu, minlength=n_groups)
    n_str = bincount(np.unique(g.astype(np.int64) * design.n_strata + stratum) // design.n_strata, minlength=n_groups)
    return (n_psu - n_str).astype(np.intp)


def _estimate_domains(
    design: Design,
    statistic: Statistic,
    y: FloatArray,
    codes: IntArray,
    n_groups: int,
    *,
    x: FloatArray | None = None,
    level: float = 0.95,
    method: CIMethod = "logit",
) -> list[Estimate]:
    if y.shape[0] != design.n:
        raise EstimationError(f"variable has {y.shape[0]} rows but the design has {design.n}")
    if codes.shape[0] != design.n or (x is not None and x.shape[0] != design.n):
        raise EstimationError(f"domain or denominator columns must have {design.n} rows like the design")
    if method not in CI_METHODS:
        raise EstimationError(f"CI method must be one of {', '.join(CI_METHODS)}, got {method!r}")
    w = design.weights
    valid = (codes >= 0) & ~np.isnan(y)
    if x is not None:
        valid &= ~np.isnan(x)
    gc = np.where(valid, codes, 0)
    wv = np.where(valid, w, 0.0)
    yv = np.where(valid, y, 0.0)
    if statistic == "ratio" and x is None:
        raise EstimationError("a ratio needs a denominator")
    xv = np.where(valid, x, 0.0) if x is not None else np.zeros_like(yv)
    sw = bincount(gc, weights=wv, minlength=n_groups)
    sw2 = bincount(gc, weights=wv * wv, minlength=n_groups)
    swy = bincount(gc, weights=wv * yv, minlength=n_groups)
    n_obs = bincount(gc[valid & (w != 0)], minlength=n_groups)
    n_rows = bincount(gc[valid], minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        if statistic == "total":
            est = swy
            centre = np.zeros(n_groups)
            scale = np.ones(n_groups)
        elif statistic == "ratio":
            swx = bincount(gc, weights=wv * xv, minlength=n_groups)
            est = swy / swx
            centre = est
            scale = 1.0 / swx
        else:
            est = swy / sw
            centre = est
            scale = 1.0 / sw
    variances = np.empty(n_groups)
    chunk = max(1, _CHUNK_CELLS // max(design.n, 1))
    for start in range(0, n_groups, chunk):
        stop = min(n_groups, start + chunk)
        z = np.zeros((design.n, stop - start))
        sel = valid & (gc >= start) & (gc < stop)
        gi = gc[sel]
        if statistic == "ratio":
            resid = yv[sel] - centre[gi] * xv[sel]
        else:
            resid = yv[sel] - centre[gi]
        z[np.flatnonzero(sel), gi - start] = wv[sel] * resid * scale[gi]
        variances[start:stop] = taylor_variance(design, z, overwrite=True)
    se = np.sqrt(np.maximum(variances, 0.0))
    df = _domain_df(design, gc, valid, n_groups)
    # design effect against SRS without replacement of the same size (R's deff=TRUE)
    resid_all = yv - (centre[gc] * xv if statistic == "ratio" else centre[gc])
    if statistic == "total":
        resid_all = yv - np.divide(swy, sw, out=np.zeros(n_groups), where=sw != 0)[gc]
    ss = bincount(gc, weights=wv * resid_all * resid_all, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        svyvar = ss / sw * n_obs / (n_obs - 1)
        fpc = np.where(sw >= n_obs, (sw - n_obs) / sw, 1.0)
        vsrs = svyvar * fpc / n_obs
        if statistic == "total":
            vsrs = vsrs * sw * sw
        elif statistic == "ratio":
            xbar = bincount(gc, weights=wv * xv, minlength=n_groups) / sw
            vsrs = vsrs / (xbar * xbar)
        deff = variances / vsrs
        n_eff = sw * sw / sw2
    out: list[Estimate] = []
    for g in range(n_groups):
        e = float(est[g])
        s = float(se[g])
        boundary = False
        if statistic == "proportion":
            lo, hi, boundary = proportion_ci(e, s, int(df[g]), level, method, int(n_rows[g]))
            ci_method: str = method
        else:
            t = t_quantile(level, int(df[g]))
            lo, hi = e - t * s, e + t * s
            ci_method = "t"
        d = float(deff[g])
        out.append(
            Estimate(
                statistic=statistic,
                estimate=e,
                se=s,
                ci_low=float(lo),
                ci_high=float(hi),
                level=level,
                df=int(df[g]),
                n=int(n_obs[g]),
                sum_weights=float(sw[g]),
                deff=d if np.isfinite(d) else None,
                n_eff=float(n_eff[g]) if np.isfinite(n_eff[g]) else 0.0,
                ci_method=ci_method,
                boundary=boundary,
            )
        )
    return out


def _domain_mask(design: Design, domain: npt.ArrayLike | None) -> IntArray:
    if domain is None:
        return np.zeros(design.n, dtype=np.intp)
    d = np.asarray(domain)
    if d.shape != (design.n,):
        raise EstimationError(f"domain must be a boolean array of {design.n} rows")
    return np.where(d.astype(bool), 0, -1).astype(np.intp)


def mean(design: Design, y: npt.ArrayLike, *, domain: npt.ArrayLike | None = None, level: float = 0.95) -> Estimate:
    """Weighted mean of ``y`` (NaN = missing, out of domain for this variable), as ``svymean(na.rm=TRUE)``."""
    return _estimate_domains(design, "mean", as_float(y, "y"), _domain_mask(design, domain), 1, level=level)[0]


def total(design: Design, y: npt.ArrayLike, *, domain: npt.ArrayLike | None = None, level: float = 0.95) -> Estimate:
    """Weighted total of ``y`` (missing values count as out of domain), as ``svytotal``."""
    return _estimate_domains(design, "total", as_float(y, "y"), _domain_mask(design, domain), 1, level=level)[0]


def ratio(
    design: Design,
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    *,
    domain: npt.ArrayLike | None = None,
    level: float = 0.95,
) -> Estimate:
    """Ratio of weighted totals ``sum w y / sum w x``, as ``svyratio``."""
    y = as_float(numerator, "numerator")
    x = as_float(denominator, "denominator")
    return _estimate_domains(design, "ratio", y, _domain_mask(design, domain), 1, x=x, level=level)[0]


def proportion(
    design: Design,
    y: npt.ArrayLike,
    *,
    satisfied: Sequence[float] | None = None,
    domain: npt.ArrayLike | None = None,
    method: CIMethod = "logit",
    level: float = 0.95,
) -> Estimate:
    """Share of answered rows whose value is in ``satisfied`` (or of 0/1 ``y``), with ``svyciprop`` CIs."""
    ind = _indicator(as_float(y, "y"), satisfied, "y")
    return _estimate_domains(design, "proportion", ind, _domain_mask(design, domain), 1, level=level, method=method)[0]


def by_domain(
    design: Design,
    y: npt.ArrayLike,
    by: Sequence[npt.ArrayLike],
    *,
    by_names: Sequence[str] | None = None,
    statistic: Statistic = "mean",
    satisfied: Sequence[float] | None = None,
    denominator: npt.ArrayLike | None = None,
    method: CIMethod = "logit",
    level: float = 0.95,
    variable: str | None = None,
) -> list[Estimate]:
    """Estimates for every domain defined by one or more ``by`` columns (``svyby``), whole design kept."""
    codes, labels = domain_codes(by, by_names)
    yy = as_float(y, "y")
    if statistic == "proportion":
        yy = _indicator(yy, satisfied, variable or "y")
    x = as_float(denominator, "denominator") if denominator is not None else None
    if statistic == "ratio" and x is None:
        raise EstimationError("a ratio needs a denominator")
    ests = _estimate_domains(design, statistic, yy, codes, len(labels), x=x, level=level, method=method)
    return [_relabel(e, lab, variable) for e, lab in zip(ests, labels, strict=True)]


def _relabel(e: Estimate, group: tuple[tuple[str, str], ...] | None, variable: str | None) -> Estimate:
    from dataclasses import replace

    return replace(e, group=group, variable=variable)
