"""Domain estimates with their full covariance, and linear contrasts of them (differences between domains or
periods), as R's ``svyby(..., covmat=TRUE)`` followed by ``svycontrast``.

Domains of one design share PSUs, so their estimates are correlated; the covariance comes from the
influence functions of every domain run through the design variance at once (:mod:`sampling.covariance`).
A contrast ``sum c_g theta_g`` has variance ``c' V c``; its interval and test use a t distribution at the
design's degrees of freedom (R: ``confint(..., df=degf(design))``, ``2 * pt(-|t|, df)``).
Changes between periods build on these (:mod:`sampling.change`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from ._errors import EstimationError
from ._util import FloatArray, as_float
from .covariance import domain_mean_scores, sparse_score_block, taylor_covariance
from .design import Design
from .estimate import _indicator, domain_codes
from .intervals import t_quantile

__all__ = ["Contrast", "DomainCovariance", "contrast", "difference", "domain_covariance"]

Label = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DomainCovariance:
    """Estimates of one statistic in every domain with their design covariance matrix."""

    statistic: str
    labels: tuple[Label, ...]
    estimates: FloatArray
    covariance: FloatArray
    df: int

    @property
    def se(self) -> FloatArray:
        """Standard errors (square roots of the diagonal)."""
        return np.sqrt(np.maximum(np.diag(self.covariance), 0.0))

    def index(self, label: Label | Mapping[str, str] | str) -> int:
        """Position of a domain given by its labels (a mapping, pairs, or the value of a single by column)."""
        if isinstance(label, str):
            wanted = [i for i, lab in enumerate(self.labels) if len(lab) == 1 and lab[0][1] == label]
        else:
            pairs = tuple(label.items()) if isinstance(label, Mapping) else tuple(label)
            wanted = [i for i, lab in enumerate(self.labels) if dict(lab) == dict(pairs)]
        if not wanted:
            raise EstimationError(f"no domain {label!r}; domains are {[dict(lab) for lab in self.labels]}")
        return wanted[0]


@dataclass(frozen=True)
class Contrast:
    """A linear combination of estimates with its SE, t interval and two-sided t test against 0."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    level: float
    t: float
    p_value: float

    @property
    def significant(self) -> bool:
        """Whether the interval excludes 0 (the test rejects at ``1 - level``)."""
        return bool(self.p_value < 1 - self.level)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready mapping (undefined values become None)."""

        def clean(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {
            "estimate": clean(self.estimate),
            "se": clean(self.se),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "df": self.df,
            "level": self.level,
            "t": clean(self.t),
            "p_value": clean(self.p_value),
            "significant": self.significant if np.isfinite(self.p_value) else None,
        }


def _make_contrast(estimate: float, variance: float, df: int, level: float) -> Contrast:
    se = float(np.sqrt(max(variance, 0.0))) if np.isfinite(variance) else float("nan")
    t_crit = t_quantile(level, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = float(np.float64(estimate) / np.float64(se))  # ±inf for a change without sampling error
    p = float(2 * special.stdtr(df, -abs(t))) if df >= 1 and not np.isnan(t) else float("nan")
    estimate = float(estimate)
    return Contrast(estimate, se, estimate - t_crit * se, estimate + t_crit * se, df, level, float(t), p)


def domain_covariance(
    design: Design,
    y: npt.ArrayLike,
    by: Sequence[npt.ArrayLike],
    *,
    by_names: Sequence[str] | None = None,
    statistic: Literal["mean", "proportion", "total", "ratio"] = "mean",
    satisfied: Sequence[float] | None = None,
    denominator: npt.ArrayLike | None = None,
) -> DomainCovariance:
    """Estimates in every domain of ``by`` and their covariance, as ``svyby(..., covmat=TRUE)``.

    Missing values of ``y`` (or the denominator) are out of every domain (``na.rm=TRUE``).
    """
    codes, labels = domain_codes(by, by_names)
    yy = as_float(y, "y")
    if yy.shape[0] != design.n or codes.shape[0] != design.n:
        raise EstimationError(f"variable and by columns must have {design.n} rows like the design")
    if statistic == "proportion":
        yy = _indicator(yy, satisfied, "y")
    n_groups = len(labels)
    if statistic == "total":
        valid = (codes >= 0) & ~np.isnan(yy)
        values = np.where(valid, design.weights * np.where(valid, yy, 0.0), 0.0)
        block_codes = np.where(valid, codes, -1)
        est = np.bincount(np.maximum(block_codes, 0), weights=values, minlength=n_groups).astype(np.float64)
        block = sparse_score_block(block_codes, values)
    elif statistic == "ratio":
        if denominator is None:
            raise EstimationError("a ratio needs a denominator")
        est, block = domain_mean_scores(design.weights, yy, codes, n_groups, as_float(denominator, "denominator"))
    elif statistic in ("mean", "proportion"):
        est, block = domain_mean_scores(design.weights, yy, codes, n_groups)
    else:
        raise EstimationError(f"statistic must be mean, proportion, total or ratio, got {statistic!r}")
    cov = taylor_covariance(design, block, n_groups)
    return DomainCovariance(statistic, tuple(labels), est, cov, design.degrees_of_freedom())


def contrast(
    estimates: DomainCovariance,
    weights: Sequence[float] | Mapping[str, float],
    *,
    level: float = 0.95,
) -> Contrast:
    """The linear contrast ``sum c_g theta_g`` (``svycontrast``): ``weights`` per domain in order, or a
    mapping from the value of a single by column to its coefficient (others 0)."""
    g = len(estimates.labels)
    if isinstance(weights, Mapping):
        c = np.zeros(g)
        for key, value in weights.items():
            c[estimates.index(key)] = float(value)
    else:
        c = np.asarray(weights, dtype=np.float64)
        if c.shape != (g,):
            raise EstimationError(f"a contrast needs {g} coefficients (one per domain), got {c.shape[0]}")
    used = c != 0
    est = float(c[used] @ estimates.estimates[used])
    var = float(c[used] @ estimates.covariance[np.ix_(used, used)] @ c[used])
    return _make_contrast(est, var, estimates.df, level)


def difference(
    estimates: DomainCovariance,
    first: Label | Mapping[str, str] | str,
    second: Label | Mapping[str, str] | str,
    *,
    level: float = 0.95,
) -> Contrast:
    """``first - second`` of two domains of one design, with their covariance counted."""
    i, j = estimates.index(first), estimates.index(second)
    if i == j:
        raise EstimationError("a difference needs two different domains")
    c = np.zeros(len(estimates.labels))
    c[i], c[j] = 1.0, -1.0
    return contrast(estimates, c.tolist(), level=level)
