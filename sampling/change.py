"""Is the change since the previous period beyond sampling error? Two situations, two variances.

* **Overlapping periods** (the same PSUs, e.g. facilities or communes, surveyed in both periods): build one
  design over the rows of both periods and let :func:`period_change` estimate both periods as domains of
  it; the covariance of the two estimates (positive when PSUs persist) is subtracted, as R's
  ``svyby(~y, ~period, design, covmat=TRUE)`` + ``svycontrast``.
* **Independent samples** (each period drawn afresh): :func:`change_from_estimates` adds the variances and
  the degrees of freedom (R's answer for the two samples stacked with the period among the strata).

Both return a :class:`~sampling.contrasts.Contrast`: change, SE, t interval, two-sided p-value and
``significant``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._errors import EstimationError
from .contrasts import Contrast, _make_contrast, difference, domain_covariance
from .design import Design
from .estimate import Estimate

__all__ = ["change_from_estimates", "change_from_summaries", "period_change"]


def period_change(
    design: Design,
    y: npt.ArrayLike,
    period: npt.ArrayLike,
    *,
    current: str,
    previous: str,
    statistic: Literal["mean", "proportion", "total", "ratio"] = "proportion",
    satisfied: Sequence[float] | None = None,
    denominator: npt.ArrayLike | None = None,
    level: float = 0.95,
) -> Contrast:
    """``estimate(current) - estimate(previous)`` of two periods of one design, covariance counted.

    ``design`` covers the rows of both periods; ``period`` labels every row (other periods' rows are
    kept in the design but out of both domains).
    """
    est = domain_covariance(
        design, y, [period], by_names=["period"], statistic=statistic, satisfied=satisfied, denominator=denominator
    )
    return difference(est, str(current), str(previous), level=level)


def change_from_estimates(current: Estimate, previous: Estimate, *, level: float = 0.95) -> Contrast:
    """Change between two estimates from independent samples: variances and degrees of freedom add."""
    return _make_contrast(
        current.estimate - previous.estimate, current.variance + previous.variance, current.df + previous.df, level
    )


def change_from_summaries(
    current: float,
    current_se: float,
    previous: float,
    previous_se: float,
    *,
    current_df: int | None = None,
    previous_df: int | None = None,
    covariance: float = 0.0,
    df: int | None = None,
    level: float = 0.95,
) -> Contrast:
    """Change between two stored results (estimate, SE, df), e.g. two periods already computed.

    ``covariance`` is 0 for independent samples, whose df add; ``df`` gives the change's df outright (the
    design's, when both periods are domains of one design). Without any df the test is a normal (z) test.
    """
    values = [current, current_se, previous, previous_se, covariance]
    if not all(np.isfinite(v) for v in values) or current_se < 0 or previous_se < 0:
        raise EstimationError("estimates, standard errors and covariance must be finite, SEs not negative")
    variance = current_se**2 + previous_se**2 - 2 * covariance
    if df is None:
        df = current_df + previous_df if current_df is not None and previous_df is not None else _NORMAL_DF
    return _make_contrast(current - previous, variance, df, level)


_NORMAL_DF = 10**9  # a t distribution this wide is the normal to 1e-9
