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
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._errors import EstimationError
from ._util import BoolArray, FloatArray, IntArray, as_float, bincount
from .design import Design
from .domains import domain_codes
from .intervals import CI_METHODS, CIMethod, proportion_ci, t_quantile
from .variance import domain_variances

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


def _indicator(y: FloatArray, satisfied: Sequence[float] | None, name: str) -> FloatArray:
    if satisfied is None:
        ok = y[~np.isnan(y)]
        if ((ok != 0) & (ok != 1)).any():
            raise EstimationError(f"{name}: a proportion needs 0/1 values or a satisfied set")
        return y
    out = np.isin(y, np.asarray(satisfied, dtype=np.float64)).astype(np.float64)
    out[np.isnan(y)] = np.nan
    return out


def _domain_df(design: Design, codes: IntArray, member: BoolArray, n_groups: int) -> IntArray:
    """Degrees of freedom of every domain: its PSUs with non-zero weight minus their strata (R's ``degf``)."""
    keep = member & (design.weights != 0)
    n_psu, stratum_of_psu = design.n_psu, design.stages[0].group_of_unit
    if n_groups * n_psu <= 4 * design.n + 1024:  # a domain × PSU table, by counting
        table = bincount(codes * n_psu + design.psu, weights=keep, minlength=n_groups * n_psu)
        present = table.reshape(n_groups, n_psu) > 0
        groups, psus = np.nonzero(present)
        strata = np.zeros((n_groups, design.n_strata), dtype=bool)
        strata[groups, stratum_of_psu[psus]] = True
        return np.asarray(present.sum(axis=1) - strata.sum(axis=1), dtype=np.intp)
    g = codes[keep].astype(np.int64)
    psu = design.psu[keep]
    pairs = np.unique(g * n_psu + psu)
    stratum_pairs = np.unique((pairs // n_psu) * design.n_strata + stratum_of_psu[pairs % n_psu])
    n_psus = bincount(pairs // n_psu, minlength=n_groups)
    return np.asarray(n_psus - bincount(stratum_pairs // design.n_strata, minlength=n_groups), dtype=np.intp)


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
    n_obs = bincount(gc, weights=valid & (w != 0), minlength=n_groups)
    # R's svyciprop on a domain: df of the domain before removing missing answers (``degf(design)``), and for
    # Korn-Graubard ``nrow(design)``: the domain's rows, or every row once calibrated (R keeps them all).
    member = codes >= 0
    member_codes = np.where(member, codes, 0)
    n_rows = (
        np.full(n_groups, design.n)
        if design.adjustments
        else bincount(member_codes, weights=member, minlength=n_groups)
    )
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
    resid = yv - centre[gc] * xv if statistic == "ratio" else yv - centre[gc]
    with np.errstate(invalid="ignore"):
        scores = np.where(valid, wv * resid * scale[gc], 0.0)
    variances = domain_variances(design, scores, gc, n_groups)
    se = np.sqrt(np.maximum(variances, 0.0))
    df = _domain_df(design, member_codes, member, n_groups)
    # design effect against SRS without replacement of the same size (R's deff=TRUE)
    resid_all = resid
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
