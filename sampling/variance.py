"""Taylor-linearisation variance core, shared by every estimator.

The variance of an estimator is the design variance of the total of its linearised scores ``z_i``. The
scores are first projected on the weighting adjustments recorded in the design (post-stratification,
raking by backfitting, GREG residuals), then summed to PSU totals and combined within strata:
``V = sum_h (1 - f_h) n_h / (n_h - 1) sum_i (z_hi - zbar_h)^2``, plus later-stage terms when the earlier
stage has an fpc, exactly as R's ``svyrecvar``/``multistage``/``onestrat``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ._errors import DesignError
from ._util import BoolArray, FloatArray, IntArray, bincount, group_sum
from .design import Design, GregAdjustment, PostStratAdjustment, RakingAdjustment, Stage

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "UnitTotals",
    "domain_variances",
    "included_stages",
    "project_scores",
    "taylor_variance",
    "variance_from_unit_totals",
]

RAKING_BACKFIT_ITERATIONS = 10
_CHUNK_CELLS = 16_000_000


def project_scores(design: Design, scores: FloatArray, *, overwrite: bool = False) -> FloatArray:
    """Project linearised scores (n × q) on the design's weighting adjustments, in the order applied.

    With ``overwrite`` the caller's array may be modified in place (no copy).
    """
    x = np.array(scores, dtype=np.float64, copy=not overwrite)
    if x.ndim == 1:
        x = x[:, None]
    for adj in design.adjustments:
        if isinstance(adj, PostStratAdjustment):
            x = _project_poststrat(adj, x)
        elif isinstance(adj, RakingAdjustment):
            x = _project_raking(adj, x)
        else:
            x = _project_greg(adj, x)
    return x


def _project_poststrat(adj: PostStratAdjustment, x: FloatArray) -> FloatArray:
    psw = adj.weights.copy()
    oldw = adj.old_weights
    psw[(psw == 0) & (oldw == 0)] = 1.0
    ratio = np.divide(oldw, psw, out=np.zeros_like(psw), where=psw != 0)
    num = group_sum(adj.cells, x * ratio[:, None], adj.n_cells)
    den = bincount(adj.cells, weights=oldw, minlength=adj.n_cells)
    means = np.divide(num, den[:, None], out=np.zeros_like(num), where=den[:, None] != 0)
    return x - means[adj.cells] * psw[:, None]


def _project_raking(adj: RakingAdjustment, x: FloatArray) -> FloatArray:
    """R's backfitting (10 sweeps of ``x <- x - psw * ave(x / psw, margin)``) on cell-level arrays.

    Writing ``x = x0 - sum_k psw_k * A_k[cell_k]``, every sweep only needs cross-tables of the margins, so
    the rows are touched a fixed number of times whatever the number of sweeps.
    """
    inv = _inverse_weights(adj)
    s = [group_sum(c, x * iv[:, None], m) for c, iv, m in zip(adj.cells, inv, adj.n_cells, strict=True)]
    a = _raking_coefficients(adj, s)
    for k in range(len(adj.cells)):
        x -= adj.weights[k][:, None] * a[k][adj.cells[k]]
    return x


@dataclass(eq=False)
class _RakingTables:
    """What the projection on one raking needs whatever the scores (kept while the design lives)."""

    inverse: list[FloatArray]
    counts: list[FloatArray]
    cross: list[list[FloatArray]]
    unit_cells: dict[int, list[FloatArray]] = field(default_factory=dict)


_RAKING_TABLES: weakref.WeakKeyDictionary[RakingAdjustment, _RakingTables] = weakref.WeakKeyDictionary()


def _raking_tables(adj: RakingAdjustment) -> _RakingTables:
    tables = _RAKING_TABLES.get(adj)
    if tables is None:
        inv = [np.divide(1.0, p, out=np.zeros_like(p), where=p != 0) for p in adj.weights]
        k_count = len(adj.cells)
        cross = [
            [
                bincount(
                    adj.cells[j] * adj.n_cells[k] + adj.cells[k],
                    weights=adj.weights[k] * inv[j],
                    minlength=adj.n_cells[j] * adj.n_cells[k],
                ).reshape(adj.n_cells[j], adj.n_cells[k])
                for k in range(k_count)
            ]
            for j in range(k_count)
        ]
        counts = [bincount(c, minlength=m) for c, m in zip(adj.cells, adj.n_cells, strict=True)]
        tables = _RakingTables(inv, counts, cross)
        _RAKING_TABLES[adj] = tables
    return tables


def _unit_cells(adj: RakingAdjustment, stage_index: int, stage: Stage) -> list[FloatArray]:
    """Per margin, the sums of that margin's weights by (unit of the stage, cell)."""
    tables = _raking_tables(adj)
    if stage_index not in tables.unit_cells:
        tables.unit_cells[stage_index] = [
            bincount(stage.unit * m + c, weights=w, minlength=stage.n_units * m).reshape(stage.n_units, m)
            for c, m, w in zip(adj.cells, adj.n_cells, adj.weights, strict=True)
        ]
    return tables.unit_cells[stage_index]


def _inverse_weights(adj: RakingAdjustment) -> list[FloatArray]:
    return _raking_tables(adj).inverse


def _raking_coefficients(adj: RakingAdjustment, s: list[FloatArray]) -> list[FloatArray]:
    """Backfitting coefficients ``A_k`` (cells × q) from the cell sums ``s_j`` of ``x / psw_j``."""
    k_count = len(adj.cells)
    tables = _raking_tables(adj)
    counts, cross = tables.counts, tables.cross
    q = s[0].shape[1]
    a = [np.zeros((m, q)) for m in adj.n_cells]
    for _ in range(RAKING_BACKFIT_ITERATIONS):
        for j in range(k_count):
            resid = s[j] - sum((cross[j][k] @ a[k] for k in range(k_count)), np.zeros_like(s[j]))
            a[j] += np.divide(resid, counts[j][:, None], out=np.zeros_like(resid), where=counts[j][:, None] > 0)
    return a


def _indicator(codes: IntArray, values: FloatArray, size: int) -> sparse.csr_matrix:
    """Sparse (size × rows) matrix with ``values`` at (code, row): grouped sums as a product."""
    from scipy import sparse  # imported here: the estimate command does not need it

    return sparse.csr_matrix((values, (codes, np.arange(codes.shape[0]))), shape=(size, codes.shape[0]))


class UnitTotals:
    """Unit totals (every included stage) of projected scores, accumulated over row chunks.

    For scores given as row blocks of a basis ``B`` (rows × q), :meth:`add` accumulates in one pass what
    the variance needs: unit totals of ``B`` and the sums that define the projection on the design's
    adjustment (cell sums for post-stratification and raking, ``X'(B/g)`` for calibration). The result
    equals ``group_sum(unit, project_scores(design, B))`` without holding ``B`` in memory. Designs with
    more than one weighting adjustment are not supported (:attr:`supported` is False).
    """

    def __init__(self, design: Design, q: int) -> None:
        self.design = design
        self.q = q
        self.n_stages = included_stages(design)
        self.supported = len(design.adjustments) <= 1
        self.adj = design.adjustments[0] if design.adjustments else None
        self.units = [np.zeros((design.stages[s].n_units, q)) for s in range(self.n_stages)]
        self.cell_sums: list[FloatArray] = []
        self.row_factor: list[FloatArray] = []
        adj = self.adj
        if isinstance(adj, RakingAdjustment):
            self.row_factor = _inverse_weights(adj)
            self.cell_sums = [np.zeros((m, q)) for m in adj.n_cells]
        elif isinstance(adj, PostStratAdjustment):
            psw = adj.weights.copy()
            psw[(psw == 0) & (adj.old_weights == 0)] = 1.0
            self.psw = psw
            self.row_factor = [np.divide(adj.old_weights, psw, out=np.zeros_like(psw), where=psw != 0)]
            self.cell_sums = [np.zeros((adj.n_cells, q))]
        elif isinstance(adj, GregAdjustment):
            self.xtb = np.zeros((adj.x.shape[1], q))

    def add(
        self, rows: slice | IntArray, block: FloatArray, offset: int = 0, row_weights: FloatArray | None = None
    ) -> None:
        """Accumulate the design rows ``rows`` (a slice or indices) of basis columns ``offset:offset + q``.

        ``row_weights`` multiplies every row of ``block`` first (without a copy of the block).
        """
        cols = slice(offset, offset + block.shape[1])
        rw = np.ones(block.shape[0]) if row_weights is None else row_weights
        for s in range(self.n_stages):
            st = self.design.stages[s]
            self.units[s][:, cols] += _indicator(st.unit[rows], rw, st.n_units) @ block
        adj = self.adj
        if isinstance(adj, RakingAdjustment):
            for k, (c, m) in enumerate(zip(adj.cells, adj.n_cells, strict=True)):
                self.cell_sums[k][:, cols] += _indicator(c[rows], rw * self.row_factor[k][rows], m) @ block
        elif isinstance(adj, PostStratAdjustment):
            ind = _indicator(adj.cells[rows], rw * self.row_factor[0][rows], adj.n_cells)
            self.cell_sums[0][:, cols] += ind @ block
        elif isinstance(adj, GregAdjustment):
            self.xtb[:, cols] += (adj.x[rows] * (rw / adj.g[rows])[:, None]).T @ block

    def add_domains(self, scores: FloatArray, columns: IntArray) -> None:
        """Accumulate scores that are zero outside one column per row: row i adds ``scores[i]`` to column
        ``columns[i]`` only (domain estimates), without forming the rows × q matrix."""
        q = self.q
        for s in range(self.n_stages):
            st = self.design.stages[s]
            self.units[s] += bincount(st.unit * q + columns, scores, st.n_units * q).reshape(st.n_units, q)
        adj = self.adj
        if isinstance(adj, RakingAdjustment | PostStratAdjustment):
            cells = adj.cells if isinstance(adj, RakingAdjustment) else (adj.cells,)
            sizes = adj.n_cells if isinstance(adj, RakingAdjustment) else (adj.n_cells,)
            for k, (c, m) in enumerate(zip(cells, sizes, strict=True)):
                self.cell_sums[k] += bincount(c * q + columns, scores * self.row_factor[k], m * q).reshape(m, q)
        elif isinstance(adj, GregAdjustment):
            self.xtb += group_sum(columns, adj.x * (scores / adj.g)[:, None], q).T

    def totals(self) -> list[FloatArray]:
        """Unit totals of the projected basis, one array (units × q) per included stage."""
        adj = self.adj
        out = [u.copy() for u in self.units]
        for s in range(self.n_stages):
            st = self.design.stages[s]
            if isinstance(adj, RakingAdjustment):
                coef = _raking_coefficients(adj, self.cell_sums)
                for k, mk in enumerate(_unit_cells(adj, s, st)):
                    out[s] -= mk @ coef[k]
            elif isinstance(adj, PostStratAdjustment):
                den = bincount(adj.cells, weights=adj.old_weights, minlength=adj.n_cells)
                means = np.divide(
                    self.cell_sums[0], den[:, None], out=np.zeros_like(self.cell_sums[0]), where=den[:, None] != 0
                )
                mk = bincount(st.unit * adj.n_cells + adj.cells, weights=self.psw, minlength=st.n_units * adj.n_cells)
                out[s] -= mk.reshape(st.n_units, adj.n_cells) @ means
            elif isinstance(adj, GregAdjustment):
                xwx = adj.x.T @ (adj.x * adj.old_weights[:, None])
                beta = np.linalg.lstsq(xwx, self.xtb, rcond=None)[0]
                gwx = group_sum(st.unit, adj.x * (adj.g * adj.old_weights)[:, None], st.n_units)
                out[s] -= gwx @ beta
        return out


def domain_variances(design: Design, scores: FloatArray, columns: IntArray, q: int) -> FloatArray:
    """Design variances of ``q`` domain totals: row i scores ``scores[i]`` in domain ``columns[i]`` and zero
    in every other (rows outside every domain score 0). Equals ``taylor_variance`` of the rows × q matrix."""
    acc = UnitTotals(design, q)
    if acc.supported:
        acc.add_domains(scores, columns)
        return variance_from_unit_totals(design, acc.totals())
    out = np.empty(q)
    chunk = max(1, _CHUNK_CELLS // max(design.n, 1))
    for start in range(0, q, chunk):
        stop = min(q, start + chunk)
        sel = np.flatnonzero((columns >= start) & (columns < stop) & (scores != 0))
        z = np.zeros((design.n, stop - start))
        z[sel, columns[sel] - start] = scores[sel]
        out[start:stop] = taylor_variance(design, z, overwrite=True)
    return out


def _project_greg(adj: GregAdjustment, x: FloatArray) -> FloatArray:
    xm = adj.x
    xwx = xm.T @ (xm * adj.old_weights[:, None])
    rhs = xm.T @ (x / adj.g[:, None])
    beta = np.linalg.lstsq(xwx, rhs, rcond=None)[0]
    return x - (adj.g * adj.old_weights)[:, None] * (xm @ beta)


def _stage_variance(design: Design, stage_index: int, stage: Stage, t: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-group variance (groups × q) of one stage from unit totals ``t``, and the fpc factor per group."""
    g = stage.group_of_unit
    nh = stage.sampsize
    means = group_sum(g, t, stage.n_groups) / nh[:, None]
    dev = t - means[g]
    lonely = nh == 1
    if stage.popsize is None:
        fac = np.ones(stage.n_groups)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            fac = np.where(np.isinf(stage.popsize), 1.0, (stage.popsize - nh) / stage.popsize)
    certainty = fac < 1e-7
    active = lonely & ~certainty
    policy = design.lonely_psu
    if active.any():
        if policy == "fail":
            h = int(np.flatnonzero(active)[0])
            if stage_index == 0:
                where, what = f"stratum {design.strata_labels[h]}", "PSU"
            else:
                where = f"stage-{stage_index} unit {design.stages[stage_index - 1].unit_name(h)}"
                what = f"stage-{stage_index + 1} unit"
            raise DesignError(
                f"{where} has only one {what} ({int(active.sum())} such); "
                "choose lonely_psu remove, certainty, adjust or average"
            )
        if policy == "adjust":
            dev[active[g]] = t[active[g]]
    ss = group_sum(g, dev * dev, stage.n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(nh > 1, fac * nh / (nh - 1), fac)
    scale[certainty] = 0.0
    if policy == "average":
        scale[active] = 0.0
    return ss * scale[:, None], fac


def included_stages(design: Design) -> int:
    """Number of stages whose variance is computed: later stages only when the earlier stage has an fpc."""
    count = 1
    while count < len(design.stages) and design.stages[count - 1].popsize is not None:
        count += 1
    return count


def variance_from_unit_totals(design: Design, totals: list[FloatArray]) -> FloatArray:
    """Design variance from the score totals of every sampling unit, one array (units × q) per stage."""
    q = totals[0].shape[1]
    total = np.zeros(q)
    multiplier = np.ones(design.stages[0].n_groups)
    for s, t in enumerate(totals):
        stage = design.stages[s]
        if s > 0:
            prev = design.stages[s - 1]
            if prev.popsize is None:
                raise DesignError(f"stage {s + 1} variance needs the fpc of stage {s}")
            multiplier = (multiplier * prev.sampsize / prev.popsize)[prev.group_of_unit]
        per_group, _ = _stage_variance(design, s, stage, t)
        if s == 0 and design.lonely_psu == "average":
            n_bad = int(((stage.sampsize == 1) & _not_certain(stage)).sum())
            n_ok = stage.n_groups - n_bad
            stage_total = per_group.sum(axis=0) * (stage.n_groups / n_ok) if n_ok > 0 else np.full(q, np.nan)
        elif design.lonely_psu == "average" and ((stage.sampsize == 1) & _not_certain(stage)).any():
            # R averages over the strata within each earlier-stage unit; a unit with one sampled unit below
            # it is its own only stratum, so nothing is left to average over: R's variance is NaN.
            stage_total = np.full(q, np.nan)
        else:
            stage_total = (per_group * multiplier[:, None]).sum(axis=0)
        total += stage_total
    return total


def taylor_variance(design: Design, scores: FloatArray, *, project: bool = True, overwrite: bool = False) -> FloatArray:
    """Design variance of the totals of ``scores`` (n or n × q); returns q variances.

    Scores are projected on the design's weighting adjustments first (unless ``project`` is False);
    ``overwrite`` lets the projection reuse the caller's array.
    """
    one_d = scores.ndim == 1
    if project and design.adjustments:
        x = project_scores(design, scores, overwrite=overwrite)
    else:
        x = scores[:, None] if one_d else scores
    totals = [group_sum(design.stages[s].unit, x, design.stages[s].n_units) for s in range(included_stages(design))]
    return variance_from_unit_totals(design, totals)


def _not_certain(stage: Stage) -> BoolArray:
    if stage.popsize is None:
        return np.ones(stage.n_groups, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        fac = np.where(np.isinf(stage.popsize), 1.0, (stage.popsize - stage.sampsize) / stage.popsize)
    return np.asarray(fac >= 1e-7)
