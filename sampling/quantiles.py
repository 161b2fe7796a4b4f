"""Quantiles and medians with Woodruff confidence intervals, as R's ``svyquantile`` (survey >= 4.1) defaults.

The estimate follows ``qrule="math"``: the smallest value whose weighted cumulative share reaches p (the
value itself when the share equals p exactly). The interval is Woodruff's (``interval.type="mean"``): a
t interval at the design degrees of freedom for the share of weight at or below the estimate, mapped back
through the same rule; a share bound below 0 or above 1 gives no bound (NaN, R's NaN). The SE is R's:
the interval's width over ``2 t``. Missing values are out of the domain (``na.rm=TRUE``); a domain without
an answered row gets undefined quantiles (NaN) rather than an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ._errors import EstimationError
from ._inputs import domain_mask, variable
from ._util import FloatArray, as_float
from .design import Design
from .estimate import domain_codes
from .intervals import t_quantile
from .variance import taylor_variance

__all__ = ["Quantile", "quantile", "quantiles_by", "weighted_quantile"]


@dataclass(frozen=True)
class Quantile:
    """One quantile with its Woodruff interval; NaN marks a bound R leaves undefined."""

    probability: float
    estimate: float
    ci_low: float
    ci_high: float
    se: float
    df: int
    level: float
    n: int
    group: tuple[tuple[str, str], ...] | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready mapping (undefined values become None)."""

        def clean(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {
            "group": None if self.group is None else dict(self.group),
            "probability": self.probability,
            "estimate": clean(self.estimate),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "se": clean(self.se),
            "df": self.df,
            "level": self.level,
            "n": self.n,
        }


class _Cumulative:
    """Values sorted once with their cumulative weights, to read several quantiles (R's ``qrule_math``)."""

    def __init__(self, y: FloatArray, weights: FloatArray) -> None:
        keep = weights != 0
        order = np.argsort(y[keep], kind="stable")
        self.x = y[keep][order]
        # R accumulates cumsum() and sum() in long double, then rounds each to double
        cum_ld = np.cumsum(weights[keep][order].astype(np.longdouble))
        self.cum = cum_ld.astype(np.float64)
        self.total = float(cum_ld[-1]) if cum_ld.size else 0.0

    def share_at_or_below(self, values: FloatArray) -> FloatArray:
        """Share of the weight on values at or below each of ``values`` (exactly 1 above the largest)."""
        idx = np.searchsorted(self.x, values, side="right")
        return np.asarray(np.where(idx > 0, self.cum[np.maximum(idx - 1, 0)], 0.0) / self.total)

    def woodruff(self, share: float, se: float, t: float) -> tuple[float, float, float]:
        """(low, high, se): the share's t interval mapped back through the rule; no bound outside [0, 1]."""
        lo_p, hi_p = share - t * se, share + t * se
        low = self.at(lo_p) if np.isfinite(lo_p) and lo_p >= 0 else float("nan")
        high = self.at(hi_p) if np.isfinite(hi_p) and hi_p <= 1 else float("nan")
        return low, high, (high - low) / (2 * t)

    def at(self, p: float) -> float:
        """The first value whose cumulative share reaches ``p`` (the next one unless it equals ``p``)."""
        if self.x.size == 0:
            return float("nan")
        pos = max(int(np.searchsorted(self.cum, p * self.total, side="right")) - 1, 0)
        nxt = pos if pos == self.x.size - 1 else pos + 1
        return float(self.x[pos]) if p - self.cum[pos] / self.total == 0 else float(self.x[nxt])


def weighted_quantile(y: FloatArray, weights: FloatArray, p: float) -> float:
    """R's ``qrule_math``: rows of zero weight ignored; the first value whose cumulative weight share
    reaches ``p`` (the next one unless the share equals ``p`` exactly)."""
    return _Cumulative(np.asarray(y, dtype=np.float64), np.asarray(weights, dtype=np.float64)).at(p)


def _woodruff(
    design: Design, y: FloatArray, valid: npt.NDArray[np.bool_], rule: _Cumulative, probs: list[float], level: float
) -> list[tuple[float, float, float, float]]:
    """(quantile, low, high, se) per probability: the shares of weight at or below every quantile and their
    design SEs come from one pass over the design (scores ``w (1[y <= q] - share) / W``)."""
    qs = np.array([rule.at(p) for p in probs])
    w = np.where(valid, design.weights, 0.0)
    total = rule.total
    shares = rule.share_at_or_below(qs)
    below = np.where(valid, y, np.inf)[:, None] <= qs[None, :]
    scores: FloatArray = (w / total)[:, None] * (below - shares[None, :])
    se_share = np.sqrt(np.maximum(taylor_variance(design, scores, overwrite=True), 0.0))
    t = t_quantile(level, design.degrees_of_freedom(valid))  # R: degf() of the domain after na.rm
    return [
        (float(q), *rule.woodruff(float(share), float(s), t)) for q, share, s in zip(qs, shares, se_share, strict=True)
    ]


def empty_quantiles(probs: list[float], level: float) -> list[Quantile]:
    """Undefined quantiles (NaN, JSON null) of a domain without an answered row of non-zero weight."""
    nan = float("nan")
    return [Quantile(p, nan, nan, nan, nan, 0, level, 0) for p in probs]


def _probabilities(probs: float | Sequence[float]) -> list[float]:
    ps = [float(probs)] if isinstance(probs, int | float) else [float(p) for p in probs]
    if not ps or any(not 0 <= p <= 1 for p in ps):
        raise EstimationError(f"quantile probabilities must lie in [0, 1], got {ps}")
    return ps


def quantile(
    design: Design,
    y: npt.ArrayLike,
    probs: float | Sequence[float] = 0.5,
    *,
    domain: npt.ArrayLike | None = None,
    level: float = 0.95,
) -> list[Quantile]:
    """Quantiles of ``y`` (default the median) over the design or a domain, as ``svyquantile(na.rm=TRUE)``."""
    yy = variable(y, design.n)
    valid = domain_mask(domain, design.n) & ~np.isnan(yy)
    ps = _probabilities(probs)
    if not (valid & (design.weights != 0)).any():
        return empty_quantiles(ps, level)
    rule = _Cumulative(yy[valid], design.weights[valid])
    df = design.degrees_of_freedom(valid)
    n = int(np.count_nonzero(valid & (design.weights != 0)))
    return [
        Quantile(p, q, lo, hi, se, df, level, n)
        for p, (q, lo, hi, se) in zip(ps, _woodruff(design, yy, valid, rule, ps, level), strict=True)
    ]


def quantiles_by(
    design: Design,
    y: npt.ArrayLike,
    by: Sequence[npt.ArrayLike],
    probs: float | Sequence[float] = 0.5,
    *,
    by_names: Sequence[str] | None = None,
    level: float = 0.95,
) -> list[Quantile]:
    """Quantiles in every domain of the ``by`` columns (``svyby(..., svyquantile)``), whole design kept."""
    codes, labels = domain_codes(by, by_names)
    if codes.shape[0] != design.n:
        raise EstimationError(f"by columns have {codes.shape[0]} rows but the design has {design.n}")
    yy = as_float(y, "y")
    out: list[Quantile] = []
    for g, lab in enumerate(labels):
        for item in quantile(design, yy, probs, domain=codes == g, level=level):
            out.append(replace(item, group=lab))
    return out
