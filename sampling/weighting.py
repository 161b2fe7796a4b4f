"""Weights: base weights, non-response adjustment, post-stratification, raking, calibration, trimming.

Adjusted designs keep a record of the adjustment so that :func:`sampling.variance.taylor_variance`
projects the linearised scores as R's ``svyrecvar`` does (post-strata means, raking backfit, GREG residuals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._errors import ConvergenceError, WeightingError
from ._util import FloatArray, IntArray, as_float, bincount, compact_codes
from .calibration import CalibrationResult, calibrate, dummy_matrix
from .design import Design, PostStratAdjustment, RakingAdjustment
from .estimate import domain_codes

__all__ = [
    "CalibrationResult",
    "NonresponseFactors",
    "RakeResult",
    "WeightDiagnostics",
    "base_weights",
    "calibrate",
    "dummy_matrix",
    "nonresponse_adjust",
    "nonresponse_factors",
    "poststratify",
    "rake",
    "trim_weights",
    "weight_diagnostics",
]


@dataclass(frozen=True, eq=False)
class RakeResult:
    """Raked design with a convergence report.

    ``max_error`` is the largest |weighted margin - population total| / population total over all margins;
    ``max_change`` is R's criterion (largest change of a joint-table cell in the last sweep).
    """

    design: Design
    converged: bool
    iterations: int
    max_error: float
    max_change: float


@dataclass(frozen=True)
class WeightDiagnostics:
    """Summary of a weight vector: spread, Kish design effect and effective sample size."""

    n: int
    n_positive: int
    total: float
    minimum: float
    maximum: float
    mean: float
    cv: float
    max_min_ratio: float
    kish_deff: float
    n_eff: float


def base_weights(probs: npt.ArrayLike) -> FloatArray:
    """Base weights ``1 / pi`` from inclusion probabilities in (0, 1]."""
    p = as_float(probs, "inclusion probabilities", allow_nan=False)
    bad = (p <= 0) | (p > 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise WeightingError(f"inclusion probabilities must lie in (0, 1]: row {i} has {p[i]}")
    return 1.0 / p


@dataclass(frozen=True, eq=False)
class NonresponseFactors:
    """Weighting-class non-response adjustment: one factor per cell.

    ``codes`` gives each case's cell (index into ``labels``). Per cell: ``eligible_weight`` = sum of the
    design weights of the eligible cases (respondents, eligible non-respondents and cases of unknown
    eligibility), ``respondent_weight`` = that of the respondents, ``factor`` = their ratio (NaN for a cell
    without respondents), and the numbers of cases ``sampled``, ``eligible`` and ``respondents``.
    """

    codes: IntArray
    labels: list[tuple[tuple[str, str], ...]]
    eligible_weight: FloatArray
    respondent_weight: FloatArray
    factor: FloatArray
    sampled: IntArray
    eligible: IntArray
    respondents: IntArray


def nonresponse_factors(
    weights: npt.ArrayLike,
    responded: npt.ArrayLike,
    cells: Sequence[npt.ArrayLike] | None = None,
    *,
    eligible: npt.ArrayLike | None = None,
) -> NonresponseFactors:
    """Weighting-class non-response factors per cell: ``sum_cell(w eligible) / sum_cell(w respondents)``.

    ``weights`` are the design weights of every sampled case, ``responded`` marks the respondents and
    ``eligible`` (default: every case) is False for cases known to be ineligible, which drop out of both
    sums. Cases of unknown eligibility (never reached) are for the caller to mark: counting them as
    eligible (as AAPOR RR1 does) gives the respondents their weight too. A respondent marked ineligible is
    an error. Cells without respondents get a NaN factor (their weight cannot be carried by anyone).
    """
    w = as_float(weights, "weights", allow_nan=False)
    r = np.asarray(responded).astype(bool)
    e = np.ones(w.shape[0], dtype=bool) if eligible is None else np.asarray(eligible).astype(bool)
    if r.shape != w.shape or e.shape != w.shape:
        raise WeightingError("responded and eligible must have one value per case")
    if (r & ~e).any():
        raise WeightingError(f"case {int(np.flatnonzero(r & ~e)[0])} responded but is marked not eligible")
    if cells is None:
        codes: IntArray = np.zeros(w.shape[0], dtype=np.intp)
        labels: list[tuple[tuple[str, str], ...]] = [(("all", "all"),)]
    else:
        codes, labels = domain_codes(cells)
        if (codes < 0).any():
            raise WeightingError(f"non-response cell missing at row {int(np.flatnonzero(codes < 0)[0])}")
    k = len(labels)
    eligible_w = bincount(codes, weights=np.where(e, w, 0.0), minlength=k)
    resp_w = bincount(codes, weights=np.where(r, w, 0.0), minlength=k)
    factor = np.divide(eligible_w, resp_w, out=np.full(k, np.nan), where=resp_w > 0)
    return NonresponseFactors(
        codes,
        labels,
        eligible_w,
        resp_w,
        factor,
        np.bincount(codes, minlength=k),
        np.bincount(codes, weights=e.astype(np.float64), minlength=k).astype(np.intp),
        np.bincount(codes, weights=r.astype(np.float64), minlength=k).astype(np.intp),
    )


def nonresponse_adjust(
    weights: npt.ArrayLike,
    responded: npt.ArrayLike,
    cells: Sequence[npt.ArrayLike] | None = None,
    *,
    eligible: npt.ArrayLike | None = None,
) -> FloatArray:
    """Weighting-class non-response adjustment: respondents carry the weight of their cell's eligible cases.

    Returns weights that are 0 for non-respondents (and ineligible cases) and ``w * f_cell`` for
    respondents, with ``f_cell`` from :func:`nonresponse_factors`. A cell with eligible cases but no
    respondent is an error that names it.
    """
    result = nonresponse_factors(weights, responded, cells, eligible=eligible)
    empty = np.isnan(result.factor) & (result.eligible_weight > 0)
    if empty.any():
        name = _cell_name(result.labels[int(np.flatnonzero(empty)[0])])
        raise WeightingError(f"non-response cell {name} has no respondent")
    w = as_float(weights, "weights", allow_nan=False)
    r = np.asarray(responded).astype(bool)
    return np.where(r, w * np.nan_to_num(result.factor)[result.codes], 0.0)


def _cell_name(label: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in label)


def _population_vector(
    labels: list[tuple[tuple[str, str], ...]],
    population: Mapping[object, float],
    what: str,
    sample_totals: FloatArray,
    partial: bool,
) -> FloatArray:
    """Population totals aligned to the sample cells; unmatched cells are errors naming the cell."""

    def key(k: object) -> tuple[str, ...]:
        if isinstance(k, tuple):
            return tuple(_norm(v) for v in k)
        return (_norm(k),)

    pop = {key(k): float(v) for k, v in population.items()}
    out = np.empty(len(labels))
    for i, lab in enumerate(labels):
        k = tuple(v for _, v in lab)
        if k not in pop:
            raise WeightingError(f"{what}: sample cell {_cell_name(lab)} is absent from the population totals")
        out[i] = pop[k]
        if out[i] <= 0 and sample_totals[i] > 0:
            raise WeightingError(f"{what}: population total of cell {_cell_name(lab)} is {out[i]:g}")
    sample_keys = {tuple(v for _, v in lab) for lab in labels}
    missing = [k for k, v in pop.items() if k not in sample_keys and v > 0]
    if missing and not partial:
        raise WeightingError(
            f"{what}: population cell {'/'.join(missing[0])} (total {pop[missing[0]]:g}) is empty in the sample"
        )
    return out


def _norm(v: object) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)


def poststratify(
    design: Design,
    cells: Sequence[npt.ArrayLike],
    population: Mapping[object, float],
    *,
    names: Sequence[str] | None = None,
    partial: bool = False,
) -> Design:
    """Post-stratify to population cell totals (R ``postStratify``): ``g_c = N_c / sum_{i in c} w_i``.

    ``population`` maps a cell label (or a tuple of labels for several columns) to its population total.
    """
    codes, labels = domain_codes(cells, names)
    if (codes < 0).any():
        raise WeightingError(f"post-stratum missing at row {int(np.flatnonzero(codes < 0)[0])}")
    k = len(labels)
    w = design.weights
    sample = bincount(codes, weights=w, minlength=k)
    pop = _population_vector(labels, population, "post-stratification", sample, partial)
    zero = sample <= 0
    if (zero & (pop > 0)).any():
        i = int(np.flatnonzero(zero & (pop > 0))[0])
        raise WeightingError(f"post-stratification: cell {_cell_name(labels[i])} has zero sample weight")
    g = np.divide(pop, sample, out=np.zeros(k), where=sample > 0)
    new_w = w * g[codes]
    return design.with_weights(new_w, PostStratAdjustment(codes, k, new_w, w.copy()))


def rake(
    design: Design,
    margins: Sequence[npt.ArrayLike],
    population: Sequence[Mapping[object, float]],
    *,
    names: Sequence[str] | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
    raise_on_failure: bool = True,
) -> RakeResult:
    """Rake (iterative proportional fitting) to population margins, like R's ``rake()`` at tight tolerance.

    Rows are collapsed to the joint cells of the margins, so each sweep costs O(cells). Iteration stops when
    every margin is met to ``tol`` relative (checked on all margins after each sweep). Margins with different
    totals, empty sample cells and zero patterns that cannot be fitted raise :class:`WeightingError` /
    :class:`ConvergenceError` naming the margin (unless ``raise_on_failure`` is False).
    """
    if len(margins) != len(population):
        raise WeightingError(f"{len(margins)} margin columns but {len(population)} population margins")
    if not margins:
        raise WeightingError("rake needs at least one margin")
    names = list(names) if names is not None else [f"margin{j}" for j in range(len(margins))]
    w0 = design.weights
    m_codes: list[IntArray] = []
    m_pop: list[FloatArray] = []
    m_sizes: list[int] = []
    for col, pop, name in zip(margins, population, names, strict=True):
        codes, labels = domain_codes([col], [name])
        if (codes < 0).any():
            raise WeightingError(f"raking margin {name}: missing value at row {int(np.flatnonzero(codes < 0)[0])}")
        sample = bincount(codes, weights=w0, minlength=len(labels))
        target = _population_vector(labels, pop, f"raking margin {name}", sample, partial=False)
        empty = (sample <= 0) & (target > 0)
        if empty.any():
            raise WeightingError(
                f"raking margin {name}: cell {_cell_name(labels[int(np.flatnonzero(empty)[0])])} has zero sample weight"
            )
        m_codes.append(codes)
        m_pop.append(target)
        m_sizes.append(len(labels))
    totals = [float(sum(float(v) for v in p.values())) for p in population]
    if max(totals) - min(totals) > 1e-9 * max(abs(t) for t in totals):
        desc = ", ".join(f"{n} {t:g}" for n, t in zip(names, totals, strict=True))
        raise WeightingError(f"raking margins have different population totals ({desc}): raking cannot converge")

    joint = np.zeros(design.n, dtype=np.int64)
    for c, k in zip(m_codes, m_sizes, strict=True):
        joint = joint * k + c
    uniq, jcode = compact_codes(joint, int(np.prod(m_sizes, dtype=np.float64)))
    n_joint = uniq.shape[0]
    cell_w = bincount(jcode, weights=w0, minlength=n_joint)
    cell_of_joint: list[IntArray] = []
    rest = uniq.copy()
    for k in reversed(m_sizes):
        cell_of_joint.append((rest % k).astype(np.intp))
        rest //= k
    cell_of_joint.reverse()

    g = np.ones(n_joint)
    g_after: list[FloatArray] = [g] * len(m_sizes)
    converged = False
    max_error = np.inf
    max_change = np.inf
    history: list[float] = []
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - iteration count is reported
        old = cell_w * g
        g_after = []
        for cj, target, k in zip(cell_of_joint, m_pop, m_sizes, strict=True):
            cur = bincount(cj, weights=cell_w * g, minlength=k)
            factor = np.divide(target, cur, out=np.ones(k), where=cur > 0)
            g = g * factor[cj]
            g_after.append(g)
        new = cell_w * g
        max_change = float(np.max(np.abs(new - old)))
        errs = []
        for cj, target, k in zip(cell_of_joint, m_pop, m_sizes, strict=True):
            cur = bincount(cj, weights=new, minlength=k)
            errs.append(float(np.max(np.abs(cur - target) / np.maximum(np.abs(target), 1e-300))))
        max_error = max(errs)
        if max_error < tol:
            converged = True
            break
        history.append(max_error)
        if len(history) > 50 and history[-1] > 0.999 * history[-51]:
            break
    if not converged and raise_on_failure:
        raise ConvergenceError(
            f"raking did not converge after {it} sweeps: a margin is still off by {max_error:.3g} "
            "(relative); "
            "the margins cannot be met together (zero cells or inconsistent totals)"
        )
    new_w = w0 * g[jcode]
    adj = RakingAdjustment(tuple(m_codes), tuple(m_sizes), tuple(w0 * ga[jcode] for ga in g_after))
    return RakeResult(design.with_weights(new_w, adj), converged, it, max_error, max_change)


def trim_weights(
    design: Design,
    *,
    lower: float = -np.inf,
    upper: float = np.inf,
    strict: bool = False,
    max_iter: int = 100,
) -> Design:
    """Trim weights to [lower, upper] and share the trimmed total equally among untrimmed units.

    R's ``trimWeights``: one pass by default; ``strict`` repeats until no weight is outside the bounds.
    Weighting adjustments recorded earlier (raking, calibration) are kept for the variance, as in R.
    """
    if lower > upper:
        raise WeightingError(f"trim bounds reversed: lower {lower} > upper {upper}")
    pw = design.weights
    for _ in range(max_iter if strict else 1):
        outside = (pw < lower) | (pw > upper)
        if not outside.any():
            break
        if outside.all():
            raise WeightingError(f"every weight lies outside [{lower}, {upper}]: nothing to spread the trimmings on")
        new = np.clip(pw, lower, upper)
        trimmed = float((pw - new).sum())
        new[~outside] += trimmed / int((~outside).sum())
        pw = new
    return design.with_weights(pw)


def weight_diagnostics(weights: npt.ArrayLike) -> WeightDiagnostics:
    """Spread of a weight vector, Kish ``deff_w = n sum w^2 / (sum w)^2`` and effective n."""
    w = as_float(weights, "weights", allow_nan=False)
    n = int(w.shape[0])
    pos = w[w > 0]
    s = float(w.sum())
    s2 = float((w * w).sum())
    mean_w = s / n if n else float("nan")
    sd = float(w.std(ddof=1)) if n > 1 else 0.0
    return WeightDiagnostics(
        n=n,
        n_positive=int(pos.shape[0]),
        total=s,
        minimum=float(w.min()) if n else float("nan"),
        maximum=float(w.max()) if n else float("nan"),
        mean=mean_w,
        cv=sd / mean_w if mean_w else float("nan"),
        max_min_ratio=float(pos.max() / pos.min()) if pos.size else float("nan"),
        kish_deff=n * s2 / (s * s) if s else float("nan"),
        n_eff=s * s / s2 if s2 else 0.0,
    )
