"""Confidence intervals: the t quantile at a design's degrees of freedom, and the CI of a proportion as R's
``svyciprop`` gives it (logit, beta = Korn–Graubard, wald) or Wilson's."""

from __future__ import annotations

import functools
from typing import Literal, get_args

import numpy as np
from scipy import special

from ._errors import EstimationError

CIMethod = Literal["logit", "beta", "wilson", "wald"]
CI_METHODS: tuple[str, ...] = get_args(CIMethod)


def t_quantile(level: float, df: int | float) -> float:
    """Two-sided t quantile for ``level`` at ``df`` degrees of freedom; NaN below 1 df (R's ``qt``: no interval)."""
    if not 0 < level < 1:
        raise EstimationError(f"level must lie in (0, 1), got {level}")
    if not float(df) >= 1.0:
        return float("nan")
    return _t_quantile(float(level), float(df))


@functools.lru_cache(maxsize=4096)
def _t_quantile(level: float, df: float) -> float:
    # An index has hundreds of levels sharing a few degrees of freedom; scipy.special (not scipy.stats, which
    # costs a second to import) gives the same quantile as R's qt.
    return float(special.stdtrit(df, 0.5 + level / 2))


def _beta_quantile(q: float, a: float, b: float) -> float:
    """R's ``qbeta(q, a, b)``; NaN when the shape parameters are out of range."""
    with np.errstate(all="ignore"):
        return float(special.betaincinv(a, b, q))


def proportion_ci(
    p: float, se: float, df: int, level: float = 0.95, method: CIMethod = "logit", n_rows: int | None = None
) -> tuple[float, float, bool]:
    """CI of a proportion as R's ``svyciprop`` (logit, beta = Korn–Graubard, wald = ``mean``) or wilson.

    Returns ``(low, high, boundary)``; at p = 0 or 1, or a zero SE, the interval collapses to p with the flag.
    Below 1 degree of freedom there is no interval (NaN, R's NA). ``n_rows`` (R's ``nrow(design)``: rows of
    the domain, or of the whole design once it is calibrated) gives the Korn–Graubard df correction
    ``qt(α/2, n-1)/qt(α/2, df)``.
    """
    if method not in CI_METHODS:
        raise EstimationError(f"CI method must be one of {', '.join(CI_METHODS)}, got {method!r}")
    if not np.isfinite(p):
        return float("nan"), float("nan"), False
    if p <= 0.0 or p >= 1.0 or not se > 0:
        return p, p, p <= 0.0 or p >= 1.0
    t = t_quantile(level, df)
    if not np.isfinite(t):
        return float("nan"), float("nan"), False
    alpha = 1 - level
    pf = np.float64(p)
    with np.errstate(all="ignore"):
        if method == "wald":
            return p - t * se, p + t * se, False
        if method == "logit":
            centre = special.logit(pf)
            half = t * se / (pf * (1 - pf))
            return float(special.expit(centre - half)), float(special.expit(centre + half)), False
        n_eff = float(np.clip(pf * (1 - pf) / (np.float64(se) * se), 1e-12, 1e15))
        if method == "beta":
            rows = n_rows if n_rows is not None else int(min(np.ceil(n_eff), 2**31))
            corr = t_quantile(level, max(rows - 1, 1)) / t
            n_eff = n_eff * corr * corr
            low = _beta_quantile(alpha / 2, n_eff * pf, n_eff * (1 - pf) + 1)
            high = _beta_quantile(1 - alpha / 2, n_eff * pf + 1, n_eff * (1 - pf))
            low = 0.0 if not np.isfinite(low) else min(max(low, 0.0), p)
            high = 1.0 if not np.isfinite(high) else max(min(high, 1.0), p)
            return low, high, False
        z2 = t * t
        centre = (pf + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
        half = t * np.sqrt(pf * (1 - pf) / n_eff + z2 / (4 * n_eff * n_eff)) / (1 + z2 / n_eff)
        return float(max(centre - half, 0.0)), float(min(centre + half, 1.0)), False
