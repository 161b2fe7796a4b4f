"""Calibration (R ``calibrate()``): linear, raking (exp) or logit distance, Newton steps to the population
totals of calibration variables; the GREG adjustment that the variance uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from ._errors import ConvergenceError, WeightingError
from ._util import FloatArray
from .design import Design, GregAdjustment
from .estimate import domain_codes

__all__ = ["CalFun", "CalibrationResult", "calibrate", "dummy_matrix"]

CalFun = Literal["linear", "raking", "logit"]


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """Calibrated design with the g-weights and the achieved max |misfit| / (1 + |T|)."""

    design: Design
    g: FloatArray
    converged: bool
    iterations: int
    max_misfit: float


def dummy_matrix(values: npt.ArrayLike, *, drop_first: bool = True) -> tuple[FloatArray, list[str]]:
    """Indicator columns of a categorical variable (treatment coding as R's ``model.matrix``)."""
    codes, labels = domain_codes([values])
    if (codes < 0).any():
        raise WeightingError("dummy_matrix: missing category")
    k = len(labels)
    m = np.zeros((codes.shape[0], k))
    m[np.arange(codes.shape[0]), codes] = 1.0
    names = [lab[0][1] for lab in labels]
    if drop_first:
        return m[:, 1:], names[1:]
    return m, names


def _calfun(name: CalFun, u: FloatArray, bounds: tuple[float, float]) -> tuple[FloatArray, FloatArray]:
    lo, hi = bounds
    if name == "linear":
        g = 1.0 + u
        inside = (g >= lo) & (g <= hi)
        return np.clip(g, lo, hi), inside.astype(np.float64)
    if name == "raking":
        e = np.exp(u)
        return e, e
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < 1 < hi):
        raise WeightingError(f"logit calibration needs finite bounds L < 1 < U, got ({lo}, {hi})")
    # R's cal.logit g = (L(U-1) + U(1-L)e^{Au}) / ((U-1) + (1-L)e^{Au}), written as L + (U-L) q
    # with q = expit(Au + log((1-L)/(U-1))) so that it cannot overflow
    a = (hi - lo) / ((hi - 1) * (1 - lo))
    q = special.expit(a * u + np.log((1 - lo) / (hi - 1)))
    return lo + (hi - lo) * q, (hi - lo) * a * q * (1 - q)


def calibrate(
    design: Design,
    x: npt.ArrayLike,
    population: npt.ArrayLike,
    *,
    calfun: CalFun = "linear",
    bounds: tuple[float, float] = (-np.inf, np.inf),
    epsilon: float = 1e-7,
    max_iter: int = 50,
    raise_on_failure: bool = True,
) -> CalibrationResult:
    """Calibrate weights to population totals of the columns of ``x`` (R ``calibrate``).

    ``calfun`` is linear (closed form when unbounded; g may be negative), raking (exp) or logit (bounded,
    L < 1 < U). Newton steps stop when max |misfit| / (1 + |T|) < ``epsilon``. The GREG variance uses the
    residuals of a regression weighted by the design weights, recorded in the returned design.
    """
    xm = np.asarray(x, dtype=np.float64)
    if xm.ndim == 1:
        xm = xm[:, None]
    if xm.shape[0] != design.n:
        raise WeightingError(f"calibration matrix has {xm.shape[0]} rows, the design {design.n}")
    if np.isnan(xm).any():
        raise WeightingError("calibration variables have missing values")
    target = np.asarray(population, dtype=np.float64).reshape(-1)
    if target.shape[0] != xm.shape[1]:
        raise WeightingError(f"{xm.shape[1]} calibration variables but {target.shape[0]} population totals")
    w = design.weights
    xw = xm * w[:, None]
    if calfun == "linear" and not np.isfinite(bounds).any():
        lam = np.linalg.lstsq(xw.T @ xm, target - xw.sum(axis=0), rcond=None)[0]
        g = 1.0 + xm @ lam
        misfit = float(np.max(np.abs(target - (xw * g[:, None]).sum(axis=0)) / (1 + np.abs(target))))
        new_w = w * g
        res = design.with_weights(new_w, GregAdjustment(xm, w.copy(), g))
        return CalibrationResult(res, g, True, 1, misfit)
    eta = np.zeros(xm.shape[1])
    g, dg = _calfun(calfun, xm @ eta, bounds)
    converged = False
    misfit_v = target - xw.T @ g
    err = float(np.max(np.abs(misfit_v) / (1 + np.abs(target))))
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - iteration count is reported
        jac = (xm * (w * dg)[:, None]).T @ xm
        step = np.linalg.pinv(jac, rcond=256 * np.finfo(float).eps) @ misfit_v
        for _ in range(60):
            g_new, dg_new = _calfun(calfun, xm @ (eta + step), bounds)
            if np.isfinite(g_new).all() and np.isfinite(dg_new).all():
                break
            step = step / 2
        eta = eta + step
        g, dg = _calfun(calfun, xm @ eta, bounds)
        misfit_v = target - xw.T @ g
        err = float(np.max(np.abs(misfit_v) / (1 + np.abs(target))))
        if err < epsilon:
            converged = True
            break
    if not converged and raise_on_failure:
        raise ConvergenceError(
            f"{calfun} calibration did not converge in {max_iter} iterations "
            f"(max relative misfit {err:.3g}); "
            "the totals may be out of reach within the bounds"
        )
    new_w = w * g
    return CalibrationResult(design.with_weights(new_w, GregAdjustment(xm, w.copy(), g)), g, converged, it, err)
