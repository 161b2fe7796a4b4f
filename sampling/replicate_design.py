"""Replicate designs: one factor per (replicate, PSU) for JK1, JKn, bootstrap (Rao–Wu), BRR and Fay, and the
post-stratification, raking and calibration steps to redo on every replicate (:mod:`sampling.replicates`
estimates with them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._errors import DesignError, WeightingError
from ._util import FloatArray, IntArray, bincount
from .design import Design
from .estimate import domain_codes
from .weighting import _population_vector

__all__ = ["ReplicateDesign", "ReplicateType", "make_replicates"]

ReplicateType = Literal["JK1", "JKn", "bootstrap", "BRR", "Fay"]


@dataclass(frozen=True, eq=False)
class _CellStep:
    """Post-stratification (one margin, one sweep) or raking (several margins, to convergence)."""

    cells: tuple[IntArray, ...]
    targets: tuple[FloatArray, ...]
    n_cells: tuple[int, ...]
    tol: float
    max_iter: int


@dataclass(frozen=True, eq=False)
class _CalStep:
    x: FloatArray
    totals: FloatArray
    calfun: Literal["linear", "raking", "logit"]
    bounds: tuple[float, float]


@dataclass(frozen=True, eq=False)
class ReplicateDesign:
    """A design with replicate factors per PSU and the weighting steps to redo on every replicate."""

    base: Design
    factors: FloatArray
    scale: float
    rscales: FloatArray
    type: str
    mse: bool = False
    seed: int | None = None
    steps: tuple[_CellStep | _CalStep, ...] = ()

    @property
    def n_replicates(self) -> int:
        """Number of replicates."""
        return int(self.factors.shape[0])

    def degrees_of_freedom(self, rows: npt.NDArray[np.bool_] | None = None) -> int:
        """R's ``degf`` of a replicate design: the rank of its replicate weights minus 1, over the PSUs with a
        non-zero weight among ``rows`` (a domain, as R's subset of the design keeps only its rows)."""
        keep = self.base.weights != 0
        if rows is not None:
            keep = keep & rows
        present = np.zeros(self.base.n_psu, dtype=bool)
        present[self.base.psu[keep]] = True
        factors = self.factors[:, present]
        if factors.size == 0:
            return 0
        return int(np.linalg.matrix_rank(factors)) - 1

    def rake(
        self,
        margins: Sequence[npt.ArrayLike],
        population: Sequence[Mapping[object, float]],
        *,
        names: Sequence[str] | None = None,
        tol: float = 1e-10,
        max_iter: int = 1000,
    ) -> ReplicateDesign:
        """Rake the full sample and every replicate to the same population margins."""
        return replace(self, steps=(*self.steps, _cell_step(self.base, margins, population, names, tol, max_iter)))

    def poststratify(
        self, cells: npt.ArrayLike, population: Mapping[object, float], *, name: str = "poststratum"
    ) -> ReplicateDesign:
        """Post-stratify the full sample and every replicate."""
        return replace(self, steps=(*self.steps, _cell_step(self.base, [cells], [population], [name], 0.0, 1)))

    def calibrate(
        self,
        x: npt.ArrayLike,
        totals: npt.ArrayLike,
        *,
        calfun: Literal["linear", "raking", "logit"] = "linear",
        bounds: tuple[float, float] = (-np.inf, np.inf),
    ) -> ReplicateDesign:
        """Calibrate the full sample and every replicate (row-level; for moderate sizes)."""
        xm = np.asarray(x, dtype=np.float64)
        if xm.ndim == 1:
            xm = xm[:, None]
        step = _CalStep(xm, np.asarray(totals, dtype=np.float64).reshape(-1), calfun, bounds)
        return replace(self, steps=(*self.steps, step))


def _cell_step(
    design: Design,
    margins: Sequence[npt.ArrayLike],
    population: Sequence[Mapping[object, float]],
    names: Sequence[str] | None,
    tol: float,
    max_iter: int,
) -> _CellStep:
    if len(margins) != len(population):
        raise WeightingError(f"{len(margins)} margin columns but {len(population)} population margins")
    names = list(names) if names is not None else [f"margin{j}" for j in range(len(margins))]
    cells: list[IntArray] = []
    targets: list[FloatArray] = []
    sizes: list[int] = []
    for col, pop, name in zip(margins, population, names, strict=True):
        codes, labels = domain_codes([col], [name])
        if (codes < 0).any():
            raise WeightingError(f"margin {name}: missing value at row {int(np.flatnonzero(codes < 0)[0])}")
        sample = bincount(codes, weights=design.weights, minlength=len(labels))
        targets.append(_population_vector(labels, pop, f"margin {name}", sample, partial=False))
        cells.append(codes)
        sizes.append(len(labels))
    totals = [float(t.sum()) for t in targets]
    if len(totals) > 1 and max(totals) - min(totals) > 1e-9 * max(totals):
        raise WeightingError(f"raking margins have different population totals {totals}: raking cannot converge")
    return _CellStep(tuple(cells), tuple(targets), tuple(sizes), tol, max_iter)


def _first_psu_in_row_order(design: Design) -> IntArray:
    """The PSU of every stratum that comes first in the rows (R's BRR takes the "first" PSU so)."""
    first_row = np.full(design.n_psu, design.n, dtype=np.intp)
    np.minimum.at(first_row, design.psu, np.arange(design.n, dtype=np.intp))
    stratum = design.stages[0].group_of_unit
    order = np.lexsort((first_row, stratum))
    leads = np.ones(order.shape[0], dtype=bool)
    leads[1:] = stratum[order][1:] != stratum[order][:-1]
    return np.asarray(order[leads], dtype=np.intp)


def make_replicates(
    design: Design,
    type: ReplicateType = "JK1",
    *,
    replicates: int = 100,
    rng: np.random.Generator | None = None,
    seed: int | None = None,
    fay_rho: float = 0.3,
    mse: bool = False,
) -> ReplicateDesign:
    """Replicate factors for ``design``, as R's ``as.svrepdesign``.

    JK1 (unstratified; scale ``(1-f)(n-1)/n``), JKn (one replicate per PSU, ``rscales (n_h-1)/n_h (1-f_h)``),
    bootstrap (Rao–Wu rescaling: ``n_h - 1`` PSUs drawn with replacement, factor ``count * n_h/(n_h-1)``,
    scale ``1/(R-1)``; needs ``rng`` or ``seed``), BRR and Fay (two PSUs per stratum, Sylvester Hadamard
    matrix, scale ``1/(R (1-rho)^2)``).
    """
    stage = design.stages[0]
    nh = stage.sampsize
    sh = stage.group_of_unit
    p_count = stage.n_units
    if stage.popsize is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            fpc_factor = np.where(np.isinf(stage.popsize), 1.0, (stage.popsize - nh) / stage.popsize)
    else:
        fpc_factor = np.ones(stage.n_groups)
    if type == "JK1":
        if design.n_strata > 1:
            raise DesignError("JK1 needs an unstratified design; use JKn for strata")
        n = p_count
        if n < 2:
            raise DesignError("JK1 needs at least two PSUs")
        f = np.full((n, n), n / (n - 1))
        np.fill_diagonal(f, 0.0)
        return ReplicateDesign(design, f, float(fpc_factor[0] * (n - 1) / n), np.ones(n), "JK1", mse)
    if type == "JKn":
        rows: list[FloatArray] = []
        rsc: list[float] = []
        for h in range(stage.n_groups):
            members = np.flatnonzero(sh == h)
            m = members.size
            if m == 1:
                # R (jknweights) treats a one-PSU stratum by the policy even when it is a certainty stratum
                if design.lonely_psu == "fail" and fpc_factor[h] != 0:
                    raise DesignError(f"stratum {design.strata_labels[h]} has only one PSU; choose a lonely_psu policy")
                if design.lonely_psu == "adjust":
                    r = np.where(sh == h, 0.0, stage.n_groups / (stage.n_groups - 1))
                    rows.append(r)
                    rsc.append((stage.n_groups - 1) / stage.n_groups)
                continue
            for p in members:
                r = np.ones(p_count)
                r[members] = m / (m - 1)
                r[p] = 0.0
                rows.append(r)
                rsc.append(fpc_factor[h] * (m - 1) / m)
        if not rows:
            raise DesignError("every stratum was exhaustively sampled: no variance to estimate")
        # R scales by PSUs over replicates whenever a stratum was skipped (a certainty one too)
        scale = p_count / len(rows) if design.lonely_psu == "average" and len(rows) < p_count else 1.0
        return ReplicateDesign(design, np.vstack(rows), scale, np.asarray(rsc), "JKn", mse)
    if type == "bootstrap":
        if rng is None:
            if seed is None:
                raise DesignError("bootstrap replicates need an explicit numpy Generator (rng) or a seed")
            rng = np.random.default_rng(seed)
        if replicates < 2:
            raise DesignError("bootstrap needs at least 2 replicates")
        f = np.ones((replicates, p_count))
        for h in range(stage.n_groups):
            members = np.flatnonzero(sh == h)
            m = members.size
            if m == 1:
                if design.lonely_psu == "fail":
                    raise DesignError(f"stratum {design.strata_labels[h]} has only one PSU; choose a lonely_psu policy")
                continue
            counts = rng.multinomial(m - 1, np.full(m, 1.0 / m), size=replicates)
            f[:, members] = counts * (m / (m - 1))
        return ReplicateDesign(design, f, 1.0 / (replicates - 1), np.ones(replicates), "bootstrap", mse, seed)
    if type in ("BRR", "Fay"):
        rho = 0.0 if type == "BRR" else fay_rho
        if not 0 <= rho < 1:
            raise DesignError(f"Fay's rho must lie in [0, 1), got {rho}")
        if not (nh == 2).all():
            h = int(np.flatnonzero(nh != 2)[0])
            raise DesignError(
                f"BRR needs exactly two PSUs per stratum; stratum {design.strata_labels[h]} has {int(nh[h])}"
            )
        from scipy.linalg import hadamard  # only BRR and Fay need it

        order: int = 1
        while order < stage.n_groups + 1:
            order *= 2
        had = hadamard(order)[:, 1 : stage.n_groups + 1]
        first = np.zeros(p_count, dtype=bool)
        first[_first_psu_in_row_order(design)] = True
        sign = had[:, sh]  # R × P
        in_half = np.where(first[None, :], sign > 0, sign < 0)
        f = np.where(in_half, 2.0 - rho, rho)
        return ReplicateDesign(design, f, 1.0 / (order * (1 - rho) ** 2), np.ones(order), type, mse)
    raise DesignError(f"unknown replicate type {type!r}")
