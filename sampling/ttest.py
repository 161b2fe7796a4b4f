"""Design-based t test of a difference in means between two groups, as R's ``svyttest(y ~ group, design)``.

R fits ``svyglm(y ~ group)``; with one binary regressor the slope is the difference of the two weighted
group means and its sandwich variance is the design variance of the difference's linearised scores
``w (y - ybar_g) / W_g`` (signed by group), which is what we compute. The degrees of freedom are the
model's residual df: the design df of the rows answering both variables, minus 1. The interval is a t
interval at those df; the p-value is two-sided. Groups are ordered as R orders factor levels (sorted
labels; for 0/1 or 1/2 codes, the larger minus the smaller).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from ._errors import EstimationError
from ._inputs import domain_mask, variable
from .design import Design
from .estimate import domain_codes
from .intervals import t_quantile
from .variance import taylor_variance

__all__ = ["TTest", "ttest"]


@dataclass(frozen=True)
class TTest:
    """Difference ``mean(second group) - mean(first group)`` with its SE, t statistic, df, p-value and CI."""

    groups: tuple[str, str]
    means: tuple[float, float]
    difference: float
    se: float
    t: float
    df: int
    p_value: float
    ci_low: float
    ci_high: float
    level: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready mapping (undefined values become None)."""

        def clean(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {
            "groups": list(self.groups),
            "means": [clean(m) for m in self.means],
            "difference": clean(self.difference),
            "se": clean(self.se),
            "t": clean(self.t),
            "df": self.df,
            "p_value": clean(self.p_value),
            "ci_low": clean(self.ci_low),
            "ci_high": clean(self.ci_high),
            "level": self.level,
        }


def ttest(
    design: Design,
    y: npt.ArrayLike,
    group: npt.ArrayLike,
    *,
    domain: npt.ArrayLike | None = None,
    level: float = 0.95,
) -> TTest:
    """Test whether the mean of ``y`` differs between the two values of ``group`` (``svyttest``)."""
    yy = variable(y, design.n)
    codes, labels = domain_codes([group], ["group"])
    if codes.shape[0] != design.n:
        raise EstimationError(f"group has {codes.shape[0]} rows but the design has {design.n}")
    valid = (codes >= 0) & ~np.isnan(yy) & domain_mask(domain, design.n)
    present = np.unique(codes[valid & (design.weights != 0)])
    if present.size != 2:
        found = [labels[int(i)][0][1] for i in present]
        raise EstimationError(f"group must have exactly two values among the answered rows, found {found}")
    w = np.where(valid, design.weights, 0.0)
    yv = np.where(valid, yy, 0.0)
    sums = [(float(w[valid & (codes == g)].sum()), float((w * yv)[valid & (codes == g)].sum())) for g in present]
    means = (sums[0][1] / sums[0][0], sums[1][1] / sums[1][0])
    scores = np.zeros(design.n)
    for k, g in enumerate(present):
        rows = valid & (codes == g)
        sign = 1.0 if k == 1 else -1.0
        scores[rows] = sign * w[rows] * (yv[rows] - means[k]) / sums[k][0]
    se = float(np.sqrt(max(float(taylor_variance(design, scores)[0]), 0.0)))
    diff = means[1] - means[0]
    df = design.degrees_of_freedom(valid) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        t = float(np.float64(diff) / np.float64(se))
    p = float(2 * special.stdtr(df, -abs(t))) if df >= 1 else float("nan")
    crit = t_quantile(level, df)
    return TTest(
        (labels[int(present[0])][0][1], labels[int(present[1])][0][1]),
        means,
        diff,
        se,
        t,
        df,
        p,
        diff - crit * se,
        diff + crit * se,
        level,
    )
