"""The population variance of a variable, with its design-based SE, as R's ``svyvar``.

R estimates ``S^2`` as the weighted mean of ``(y - ybar)^2 n / (n - 1)`` and takes its SE as the SE of that
mean with ``ybar`` held fixed. ``n`` counts the rows of non-zero weight in the design or domain *before*
rows with a missing value are removed (R computes it before ``na.rm``); we keep that rule so the numbers
agree. The interval is a t interval at the degrees of freedom of the design or domain (R's ``degf``, before
missing values are removed, as ``confint(svyvar(...), df=degf(design))``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from ._errors import EstimationError
from ._inputs import domain_mask, variable
from .design import Design
from .estimate import Estimate, mean
from .intervals import t_quantile

__all__ = ["population_variance"]


def population_variance(
    design: Design, y: npt.ArrayLike, *, domain: npt.ArrayLike | None = None, level: float = 0.95
) -> Estimate:
    """Variance of ``y`` in the population (or a domain) with its SE: ``svyvar(~y, design, na.rm=TRUE)``."""
    yy = variable(y, design.n)
    mask = domain_mask(domain, design.n)
    n = int(np.count_nonzero(mask & (design.weights != 0)))
    if n < 2:
        raise EstimationError(f"a variance needs at least two rows of non-zero weight, got {n}")
    centre = mean(design, yy, domain=mask).estimate
    squared = (yy - centre) ** 2 * (n / (n - 1))
    est = mean(design, squared, domain=mask, level=level)
    df = design.degrees_of_freedom(mask)  # the domain's df before missing values are removed, as degf()
    t = t_quantile(level, df)
    return replace(
        est,
        statistic="variance",
        df=df,
        ci_low=est.estimate - t * est.se,
        ci_high=est.estimate + t * est.se,
        deff=None,
    )
