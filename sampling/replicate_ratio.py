"""Ratios ``sum w y / sum w x`` with replicate-weight SEs, as R's ``svyratio`` on a replicate design (and
``svyby(..., svyratio)`` in domains): the ratio is recomputed on every replicate (post-stratification,
raking and calibration redone on each, as for means) and the replicates' spread gives the variance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ._errors import EstimationError
from ._util import IntArray, as_float, bincount
from .estimate import Estimate, domain_codes, t_quantile
from .replicate_design import ReplicateDesign, _CalStep
from .replicates import _cell_level, _replicate_variance, _row_level

__all__ = ["replicate_ratio"]


def replicate_ratio(
    rep: ReplicateDesign,
    y: npt.ArrayLike,
    x: npt.ArrayLike,
    *,
    by: Sequence[npt.ArrayLike] | None = None,
    by_names: Sequence[str] | None = None,
    level: float = 0.95,
) -> list[Estimate]:
    """The ratio of ``y`` to ``x`` (overall, or in each domain of ``by``) with replicate SEs and a t interval
    at the replicate design's df. Rows missing ``y`` or ``x`` are left out (``na.rm=TRUE``)."""
    base = rep.base
    yy, xx = as_float(y, "y"), as_float(x, "denominator")
    if yy.shape[0] != base.n or xx.shape[0] != base.n:
        raise EstimationError(f"variable and denominator must have {base.n} rows like the design")
    labels: list[tuple[tuple[str, str], ...] | None]
    if by is None:
        codes: IntArray = np.zeros(base.n, dtype=np.intp)
        labels = [None]
    else:
        codes, found = domain_codes(by, by_names)
        labels = list(found)
    n_groups = len(labels)
    valid = (codes >= 0) & ~np.isnan(yy) & ~np.isnan(xx)
    gc = np.where(valid, codes, 0)
    totals = _row_level if any(isinstance(s, _CalStep) for s in rep.steps) else _cell_level
    with np.errstate(divide="ignore", invalid="ignore"):
        thetas = totals(rep, yy, valid, gc, n_groups, "total") / totals(rep, xx, valid, gc, n_groups, "total")
    full, se = thetas[0], np.sqrt(_replicate_variance(rep, thetas[0], thetas[1:]))
    w = base.weights
    n_obs = bincount(gc[valid & (w != 0)], minlength=n_groups)
    sw = bincount(gc, weights=np.where(valid, w, 0.0), minlength=n_groups)
    sw2 = bincount(gc, weights=np.where(valid, w * w, 0.0), minlength=n_groups)
    out = []
    for g in range(n_groups):
        df = rep.degrees_of_freedom(codes == g)
        e, s = float(full[g]), float(se[g])
        t = t_quantile(level, df)
        n_eff = float(sw[g] ** 2 / sw2[g]) if sw2[g] > 0 else 0.0
        out.append(
            Estimate(
                "ratio",
                e,
                s,
                e - t * s,
                e + t * s,
                level,
                df,
                int(n_obs[g]),
                float(sw[g]),
                None,
                n_eff,
                "t",
                False,
                labels[g],
            )
        )
    return out
