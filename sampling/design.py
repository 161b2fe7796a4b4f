"""Validated survey designs: weights, strata, multistage clusters, fpc and the lonely-PSU policy.

:func:`make_design` plays the part of R's ``svydesign()``: it validates the design once (clusters nested in
strata, fpc constant within a stratum, no sampling fraction over 1, no negative or missing weights) and
returns an immutable :class:`Design` that every estimator uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, cast, get_args

import numpy as np
import numpy.typing as npt

from ._errors import DesignError, SamplingError
from ._util import BoolArray, FloatArray, IntArray, as_float, combine_codes, factorize, length

LonelyPSU = Literal["fail", "remove", "certainty", "adjust", "average"]
LONELY_PSU_POLICIES: tuple[str, ...] = get_args(LonelyPSU)


@dataclass(frozen=True, eq=False)
class Stage:
    """One sampling stage: the unit of each row and the group (stratum or parent unit) it was drawn in."""

    unit: IntArray
    n_units: int
    group_of_unit: IntArray
    n_groups: int
    sampsize: FloatArray
    popsize: FloatArray | None
    labels: npt.NDArray[Any] | None = None
    """The data's label of every unit (its cluster id), for messages."""

    def unit_name(self, code: int) -> str:
        """The data's label of unit ``code`` (its code when the labels are unknown)."""
        return str(self.labels[code]) if self.labels is not None else str(code)


@dataclass(frozen=True, eq=False)
class PostStratAdjustment:
    """Post-stratification record used to project linearised scores (R ``postStratify``)."""

    cells: IntArray
    n_cells: int
    weights: FloatArray
    old_weights: FloatArray


@dataclass(frozen=True, eq=False)
class RakingAdjustment:
    """Raking record: per margin the cell codes and the weights after that margin's last sweep."""

    cells: tuple[IntArray, ...]
    n_cells: tuple[int, ...]
    weights: tuple[FloatArray, ...]


@dataclass(frozen=True, eq=False)
class GregAdjustment:
    """Calibration record: model matrix, weights before calibration and g-weights (R ``calibrate``)."""

    x: FloatArray
    old_weights: FloatArray
    g: FloatArray


Adjustment = PostStratAdjustment | RakingAdjustment | GregAdjustment


@dataclass(frozen=True, eq=False)
class Design:
    """An immutable, validated survey design (Taylor linearisation).

    ``weights`` are the current analysis weights; ``adjustments`` record post-stratification, raking and
    calibration so that variances project the linearised scores exactly as R's ``svyrecvar`` does.
    """

    weights: FloatArray
    strata: IntArray
    strata_labels: npt.NDArray[Any]
    psu_labels: npt.NDArray[Any]
    stages: tuple[Stage, ...]
    lonely_psu: LonelyPSU = "fail"
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.weights.shape[0])

    @property
    def n_strata(self) -> int:
        """Number of first-stage strata."""
        return int(self.strata_labels.shape[0])

    @property
    def n_psu(self) -> int:
        """Number of first-stage units (PSUs)."""
        return self.stages[0].n_units

    @property
    def psu(self) -> IntArray:
        """PSU code of every row."""
        return self.stages[0].unit

    @property
    def has_fpc(self) -> bool:
        """Whether a first-stage finite population correction is given."""
        return self.stages[0].popsize is not None

    def degrees_of_freedom(self, mask: BoolArray | None = None) -> int:
        """PSUs with non-zero weight (within ``mask``) minus strata holding them, as R's ``degf``."""
        keep = self.weights != 0
        if mask is not None:
            keep = keep & mask
        psu_present = np.zeros(self.n_psu, dtype=bool)
        psu_present[self.psu[keep]] = True
        strata_present = np.zeros(self.n_strata, dtype=bool)
        strata_present[self.stages[0].group_of_unit[psu_present]] = True
        return int(psu_present.sum() - strata_present.sum())

    def with_weights(self, weights: FloatArray, adjustment: Adjustment | None = None) -> Design:
        """A copy of the design with new analysis weights (and one more adjustment record)."""
        w = np.ascontiguousarray(weights, dtype=np.float64)
        if w.shape != self.weights.shape:
            raise DesignError(f"weights: expected {self.n} values, got {w.shape[0]}")
        extra = () if adjustment is None else (adjustment,)
        return replace(self, weights=w, adjustments=self.adjustments + extra)

    def with_lonely_psu(self, policy: LonelyPSU) -> Design:
        """A copy of the design with another lonely-PSU policy."""
        return replace(self, lonely_psu=_check_policy(policy))

    def summary(self) -> dict[str, object]:
        """Plain description of the design (for reports and JSON)."""
        return {
            "rows": self.n,
            "strata": self.n_strata,
            "psus": self.n_psu,
            "stages": len(self.stages),
            "fpc": self.has_fpc,
            "df": self.degrees_of_freedom(),
            "lonely_psu": self.lonely_psu,
            "sum_weights": float(self.weights.sum()),
            "adjustments": [type(a).__name__.removesuffix("Adjustment").lower() for a in self.adjustments],
        }


def _check_policy(policy: str) -> LonelyPSU:
    if policy not in LONELY_PSU_POLICIES:
        raise DesignError(f"lonely_psu must be one of {', '.join(LONELY_PSU_POLICIES)}, got {policy!r}")
    return cast(LonelyPSU, policy)


def _as_list(value: npt.ArrayLike | Sequence[npt.ArrayLike] | None) -> list[npt.ArrayLike]:
    if value is None:
        return []
    if isinstance(value, np.ndarray):
        return [value] if value.ndim == 1 else [value[:, j] for j in range(value.shape[1])]
    if isinstance(value, list | tuple) and value and not np.isscalar(value[0]):
        return list(value)
    return [cast(npt.ArrayLike, value)]


def _label(labels: npt.NDArray[Any], code: int) -> str:
    return str(labels[code])


def make_design(
    n: int | None = None,
    *,
    weights: npt.ArrayLike | None = None,
    probs: npt.ArrayLike | None = None,
    strata: npt.ArrayLike | None = None,
    clusters: npt.ArrayLike | Sequence[npt.ArrayLike] | None = None,
    fpc: npt.ArrayLike | Sequence[npt.ArrayLike] | None = None,
    nest: bool = False,
    lonely_psu: LonelyPSU = "fail",
) -> Design:
    """Build and validate a design, like R's ``svydesign(ids, strata, weights|probs, fpc, nest)``.

    ``clusters`` is one array per stage (PSU first); omit it for element sampling (``id=~1``). ``fpc`` is one
    array per stage, each a population count (>= 1) or, when all values are <= 1, a sampling fraction; it
    must be constant within a stratum (stage 1) or within the parent unit (later stages). Without weights
    or probabilities, weights come from the fpc of every stage (or are 1). Raises :class:`DesignError`
    naming the column and stratum at fault.
    """
    policy = _check_policy(lonely_psu)
    cluster_list = _as_list(clusters)
    fpc_list = _as_list(fpc)
    sizes = [length(a) for a in [weights, probs, strata] if a is not None]
    sizes += [length(a) for a in cluster_list + fpc_list]
    if n is None:
        if not sizes:
            raise DesignError("give n or at least one design column")
        n = sizes[0]
    if any(s != n for s in sizes):
        raise DesignError(f"design columns have different lengths {sorted(set(sizes))}; expected {n}")
    if len(fpc_list) > max(len(cluster_list), 1):
        raise DesignError(f"fpc has {len(fpc_list)} stages but the design has {max(len(cluster_list), 1)}")
    try:
        if strata is None:
            strata_codes: IntArray = np.zeros(n, dtype=np.intp)
            strata_labels: npt.NDArray[Any] = np.array(["1"])
        else:
            strata_codes, strata_labels = factorize(strata, "strata")
        n_strata = int(strata_labels.shape[0])

        stages: list[Stage] = []
        psu_labels: npt.NDArray[Any] = np.arange(n)
        parent = strata_codes
        n_parent = n_strata
        parent_labels = strata_labels
        n_stage = max(len(cluster_list), 1)
        for s in range(n_stage):
            if cluster_list:
                raw, raw_labels = factorize(cluster_list[s], f"clusters[{s}]")
            else:
                raw, raw_labels = np.arange(n, dtype=np.intp), np.arange(n)
            if s == 0:
                psu_labels = raw_labels
                if nest or n_strata == 1:
                    unit, n_units = combine_codes([parent, raw], [n_parent, int(raw_labels.shape[0])])
                else:
                    unit, n_units = raw, int(raw_labels.shape[0])
                    owner = np.full(n_units, -1, dtype=np.intp)
                    owner[unit] = parent
                    bad = owner[unit] != parent
                    if bad.any():
                        i = int(np.flatnonzero(bad)[0])
                        raise DesignError(
                            f"clusters not nested in strata: PSU {_label(raw_labels, int(unit[i]))} is in "
                            f"strata {_label(strata_labels, int(owner[unit[i]]))} and "
                            f"{_label(strata_labels, int(parent[i]))} (nest the PSUs in strata if their ids "
                            "repeat across strata: nest=True)"
                        )
            else:
                unit, n_units = combine_codes([parent, raw], [n_parent, int(raw_labels.shape[0])])
            group_of_unit = np.empty(n_units, dtype=np.intp)
            group_of_unit[unit] = parent
            sampsize = np.bincount(group_of_unit, minlength=n_parent).astype(np.float64)
            popsize: FloatArray | None = None
            if s < len(fpc_list):
                popsize = _stage_popsize(fpc_list[s], s, parent, n_parent, sampsize, parent_labels)
            unit_labels = np.empty(n_units, dtype=raw_labels.dtype)
            unit_labels[unit] = raw_labels[raw]
            stages.append(Stage(unit, n_units, group_of_unit, n_parent, sampsize, popsize, unit_labels))
            parent, n_parent = unit, n_units
            parent_labels = np.arange(n_units)

        w = _make_weights(n, weights, probs, stages)
    except DesignError:
        raise
    except SamplingError as exc:
        raise DesignError(str(exc)) from None
    return Design(w, strata_codes, strata_labels, psu_labels, tuple(stages), policy)


def _stage_popsize(
    values: npt.ArrayLike,
    stage: int,
    group: IntArray,
    n_groups: int,
    sampsize: FloatArray,
    group_labels: npt.NDArray[Any],
) -> FloatArray:
    where = "stratum" if stage == 0 else "unit"
    f = as_float(values, f"fpc[{stage}]", allow_nan=False)
    per_group = np.zeros(n_groups)
    per_group[group] = f
    bad = f != per_group[group]
    if bad.any():
        g = int(group[np.flatnonzero(bad)[0]])
        raise DesignError(
            f"fpc[{stage}] is not constant within {where} {_label(group_labels, g)} "
            f"(values {np.unique(f[group == g])[:4].tolist()})"
        )
    if (per_group <= 0).any():
        g = int(np.flatnonzero(per_group <= 0)[0])
        raise DesignError(f"fpc[{stage}] must be positive, got {per_group[g]} in {where} {_label(group_labels, g)}")
    if (per_group <= 1).all():
        with np.errstate(divide="ignore"):
            popsize = sampsize / per_group
        over = per_group > 1
    else:
        popsize = per_group
        over = per_group < sampsize - 1e-9
    if over.any():
        g = int(np.flatnonzero(over)[0])
        raise DesignError(
            f"fpc[{stage}]: sampling fraction over 1 in {where} {_label(group_labels, g)} "
            f"({int(sampsize[g])} units sampled, population {per_group[g]:g})"
        )
    return np.asarray(popsize, dtype=np.float64)


def _make_weights(
    n: int, weights: npt.ArrayLike | None, probs: npt.ArrayLike | None, stages: list[Stage]
) -> FloatArray:
    if weights is not None and probs is not None:
        raise DesignError("give weights or probs, not both")
    if probs is not None:
        p = as_float(probs, "probs", allow_nan=False)
        if ((p <= 0) | (p > 1)).any():
            i = int(np.flatnonzero((p <= 0) | (p > 1))[0])
            raise DesignError(f"probs must lie in (0, 1]: row {i} has {p[i]}")
        return 1.0 / p
    if weights is not None:
        w = as_float(weights, "weights")
        bad = ~np.isfinite(w)
        if bad.any():
            raise DesignError(f"weights: missing or infinite weight at row {int(np.flatnonzero(bad)[0])}")
        if (w < 0).any():
            i = int(np.flatnonzero(w < 0)[0])
            raise DesignError(f"weights: negative weight {w[i]} at row {i}")
        return np.ascontiguousarray(w)
    w = np.ones(n)
    for st in stages:
        if st.popsize is not None:
            frac = st.sampsize / st.popsize
            w = w / frac[st.group_of_unit][st.unit]
    return w
