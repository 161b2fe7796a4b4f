"""Replicate weights supplied with the data (public-use files), as R's ``svrepdesign(repweights=...)``.

The scale and per-replicate ``rscales`` follow R's defaults for every ``type``: BRR ``1/R``; Fay
``1/(R (1 - rho)^2)``; bootstrap ``1/(R - 1)``; JK1 ``(R - 1)/R`` unless given (R guesses it from the
number of replicates); JKn needs ``rscales``; successive-difference and ACS ``4/R``; JK2 ``1``; other ``1``.
The variance is ``scale * sum_r rscales_r (theta_r - c)^2`` with ``c`` the mean of the replicates with
``rscales > 0`` (or the full-sample estimate when ``mse``). Degrees of freedom are R's ``degf``: the rank of
the replicate weights of the rows used, minus 1. Missing values and rows outside a domain are left out,
as R's ``na.rm`` and ``svyby`` do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
from scipy import special

from ._errors import DesignError, EstimationError
from ._inputs import domain_mask, variable
from ._util import BoolArray, FloatArray, as_float
from .estimate import Estimate, _indicator, domain_codes
from .intervals import t_quantile
from .quantiles import Quantile, _Cumulative, _probabilities, empty_quantiles

__all__ = [
    "USER_REPLICATE_TYPES",
    "UserReplicateDesign",
    "make_user_replicates",
    "user_replicate_estimate",
    "user_replicate_quantile",
]

UserReplicateType = Literal["BRR", "Fay", "JK1", "JKn", "bootstrap", "ACS", "successive-difference", "JK2", "other"]
USER_REPLICATE_TYPES: tuple[str, ...] = get_args(UserReplicateType)
_RANK_TOL = 1e-5  # R's qr(tol = 1e-5) in degf()


@dataclass(frozen=True, eq=False)
class UserReplicateDesign:
    """Full-sample weights and analysis replicate weights (n × R, combined with the sampling weights)."""

    weights: FloatArray
    replicate_weights: FloatArray
    scale: float
    rscales: FloatArray
    type: str
    mse: bool = False

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.weights.shape[0])

    @property
    def n_replicates(self) -> int:
        """Number of replicates."""
        return int(self.replicate_weights.shape[1])

    def degrees_of_freedom(self, rows: BoolArray | None = None) -> int:
        """R's ``degf``: rank of the replicate weights of ``rows`` (all rows by default) minus 1."""
        rw = self.replicate_weights if rows is None else self.replicate_weights[rows]
        if rw.shape[0] == 0:
            return 0
        gram = rw.T @ rw
        eig = np.linalg.eigvalsh(gram)
        top = float(eig[-1])
        if top <= 0:
            return -1
        return int(np.count_nonzero(eig > top * _RANK_TOL**2)) - 1


def make_user_replicates(
    weights: npt.ArrayLike,
    replicate_weights: npt.ArrayLike,
    *,
    type: UserReplicateType,
    scale: float | None = None,
    rscales: float | Sequence[float] | None = None,
    rho: float | None = None,
    combined_weights: bool = True,
    mse: bool = False,
) -> UserReplicateDesign:
    """A replicate design from weights shipped with the data, as ``svrepdesign(weights, repweights, type, ...)``.

    ``replicate_weights`` is n × R; with ``combined_weights=False`` they are factors multiplied by ``weights``.
    """
    if type not in USER_REPLICATE_TYPES:
        raise DesignError(f"replicate type must be one of {', '.join(USER_REPLICATE_TYPES)}, got {type!r}")
    w = as_float(weights, "weights", allow_nan=False)
    rw = np.asarray(replicate_weights, dtype=np.float64)
    if rw.ndim != 2 or rw.shape[0] != w.shape[0]:
        raise DesignError(f"replicate weights must be a table of {w.shape[0]} rows, got shape {rw.shape}")
    n_rep = int(rw.shape[1])
    if n_rep < 2:
        raise DesignError(f"need at least two replicate weight columns, got {n_rep}")
    if np.isnan(rw).any():
        r, c = np.argwhere(np.isnan(rw))[0]
        raise DesignError(f"replicate weight column {int(c) + 1} is missing at row {int(r)}")
    if (w < 0).any() or (rw < 0).any():
        raise DesignError("weights and replicate weights must not be negative")
    if type == "Fay" and rho is None:
        raise DesignError("Fay replicate weights need their rho (e.g. 0.5)")
    if rho is not None and not 0 <= rho < 1:
        raise DesignError(f"rho must lie in [0, 1), got {rho}")
    if type in ("BRR", "Fay", "ACS", "successive-difference", "JK2") and (scale is not None or rscales is not None):
        raise DesignError(f"{type} replicate weights have a fixed scale: leave scale and rscales out")
    rsc = _rscales(rscales, n_rep)
    if type == "BRR":
        scale = 1.0 / n_rep
    elif type == "Fay":
        scale = 1.0 / (n_rep * (1.0 - float(rho or 0.0)) ** 2)
    elif type == "bootstrap":
        scale = 1.0 / (n_rep - 1) if scale is None else scale
    elif type == "JK1" and scale is None:
        scale = 1.0 / float(rw[:, 0].max()) if not combined_weights else (n_rep - 1) / n_rep
    elif type == "JKn" and rsc is None:
        if combined_weights:
            raise DesignError("JKn replicate weights that include the sampling weights need their rscales")
        rsc = 1.0 / rw.max(axis=0)
    elif type in ("ACS", "successive-difference"):
        scale = 4.0 / n_rep
    elif type == "JK2":
        scale = 1.0
    analysis = rw if combined_weights else rw * w[:, None]
    return UserReplicateDesign(
        np.ascontiguousarray(w),
        np.ascontiguousarray(analysis),
        1.0 if scale is None else float(scale),
        np.ones(n_rep) if rsc is None else rsc,
        type,
        mse,
    )


def _rscales(rscales: float | Sequence[float] | None, n_rep: int) -> FloatArray | None:
    if rscales is None:
        return None
    arr = np.atleast_1d(np.asarray(rscales, dtype=np.float64))
    if arr.shape[0] == 1:
        return np.full(n_rep, float(arr[0]))
    if arr.shape[0] != n_rep:
        raise DesignError(f"rscales has {arr.shape[0]} values; expected 1 or one per replicate ({n_rep})")
    return arr


def _replicate_variance(rep: UserReplicateDesign, full: FloatArray, thetas: FloatArray) -> FloatArray:
    """``scale * sum_r rscales_r (theta_r - centre)^2`` per column (R's ``svrVar``)."""
    centre = full if rep.mse else thetas[rep.rscales > 0].mean(axis=0)
    return np.asarray(rep.scale * (rep.rscales[:, None] * (thetas - centre[None, :]) ** 2).sum(axis=0))


def user_replicate_estimate(
    rep: UserReplicateDesign,
    y: npt.ArrayLike,
    *,
    statistic: Literal["mean", "proportion", "total"] = "mean",
    by: Sequence[npt.ArrayLike] | None = None,
    by_names: Sequence[str] | None = None,
    satisfied: Sequence[float] | None = None,
    method: Literal["logit", "wald"] = "logit",
    level: float = 0.95,
) -> list[Estimate]:
    """Mean, proportion or total (overall or by domains) with replicate SEs (``svymean``/``svytotal``/
    ``svyciprop`` on an ``svrepdesign``). A proportion's ``logit`` interval is R's for replicate designs:
    the logit of every replicate's proportion gives the SE on the logit scale."""
    if statistic not in ("mean", "proportion", "total"):
        raise EstimationError(f"statistic must be mean, proportion or total, got {statistic!r}")
    if method not in ("logit", "wald"):
        raise EstimationError(f"CI method must be logit or wald, got {method!r}")
    yy = variable(y, rep.n)
    if statistic == "proportion":
        yy = _indicator(yy, satisfied, "y")
    labels: list[tuple[tuple[str, str], ...] | None]
    if by is None:
        codes = np.zeros(rep.n, dtype=np.intp)
        labels = [None]
    else:
        codes, found = domain_codes(by, by_names)
        labels = list(found)
    valid = (codes >= 0) & ~np.isnan(yy)
    out: list[Estimate] = []
    for g, label in enumerate(labels):
        rows = valid & (codes == g)
        out.append(_estimate(rep, np.where(rows, yy, 0.0), rows, statistic, method, level, label))
    return out


def _estimate(
    rep: UserReplicateDesign,
    y: FloatArray,
    rows: BoolArray,
    statistic: str,
    method: str,
    level: float,
    label: tuple[tuple[str, str], ...] | None,
) -> Estimate:
    w = np.where(rows, rep.weights, 0.0)
    rw = rep.replicate_weights[rows]
    yr = y[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        if statistic == "total":
            full = np.array([w @ y])
            thetas = (rw.T @ yr)[:, None]
        else:
            full = np.array([(w @ y) / w.sum()])
            thetas = ((rw.T @ yr) / rw.sum(axis=0))[:, None]
    se = float(np.sqrt(_replicate_variance(rep, full, thetas)[0]))
    est = float(full[0])
    df = rep.degrees_of_freedom(rows)
    t = t_quantile(level, df)
    lo, hi = est - t * se, est + t * se
    boundary = False
    ci_method = "t"
    if statistic == "proportion":
        ci_method = method
        boundary = est <= 0.0 or est >= 1.0
        if boundary:
            lo = hi = est
        elif method == "logit":
            logits = special.logit(thetas)
            lse = float(np.sqrt(_replicate_variance(rep, special.logit(full), logits)[0]))
            lo, hi = (
                float(special.expit(special.logit(est) - t * lse)),
                float(special.expit(special.logit(est) + t * lse)),
            )
    sw = float(w.sum())
    sw2 = float((w * w).sum())
    return Estimate(
        statistic=statistic,
        estimate=est,
        se=se,
        ci_low=float(lo),
        ci_high=float(hi),
        level=level,
        df=df,
        n=int(np.count_nonzero(w)),
        sum_weights=sw,
        deff=None,
        n_eff=sw * sw / sw2 if sw2 > 0 else 0.0,
        ci_method=ci_method,
        boundary=boundary,
        group=label,
    )


def user_replicate_quantile(
    rep: UserReplicateDesign,
    y: npt.ArrayLike,
    probs: float | Sequence[float] = 0.5,
    *,
    domain: npt.ArrayLike | None = None,
    level: float = 0.95,
) -> list[Quantile]:
    """Quantiles with Woodruff intervals whose share SE comes from the replicates (``svyquantile`` on an
    ``svrepdesign``; the rule and interval are those of :mod:`sampling.quantiles`)."""
    yy = variable(y, rep.n)
    valid = ~np.isnan(yy) & domain_mask(domain, rep.n)
    if not (valid & (rep.weights != 0)).any():
        return empty_quantiles(_probabilities(probs), level)
    rule = _Cumulative(yy[valid], rep.weights[valid])
    df = rep.degrees_of_freedom(valid)
    t = t_quantile(level, df)
    yv = yy[valid]
    rw = rep.replicate_weights[valid]
    n = int(np.count_nonzero(rep.weights[valid]))
    out = []
    for p in _probabilities(probs):
        q = rule.at(p)
        share = rule.share_at_or_below(np.array([q]))
        thetas = ((rw.T @ (yv <= q).astype(np.float64)) / rw.sum(axis=0))[:, None]
        se = float(np.sqrt(_replicate_variance(rep, share, thetas)[0]))
        out.append(Quantile(p, q, *rule.woodruff(float(share[0]), se, t), df, level, n))
    return out
