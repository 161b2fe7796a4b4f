"""Official satisfaction indices (SIPAS, health, education) with SEs and CIs from the survey design.

An index definition is plain data::

    {"satisfied": [4, 5], "scale": [1, 5], "aggregation": "item_mean",   # or "pooled"
     "elements": [{"code": "II.A", "label": "...", "items": ["II.A.1", "II.A.2"]}, ...],
     "groups": [{"code": "II", "label": "...", "elements": ["II.A", ...]}, ...],
     "overall": {"code": "SIPAS", "label": "...", "groups": ["I", "II"]}}

Levels are the overall index, its groups, their elements and the items. A group and the overall pool all
their items. With ``item_mean`` (SIPAS) a level's % satisfied is the unweighted mean of its items' weighted
% satisfied, ``P_L = (1/k) sum_j p_j``; with ``pooled`` (health, education) it is satisfied answers over all
answers in the level, ``P_L = sum_j sum_i w_i s_ij / sum_j sum_i w_i a_ij``. The mean score is aggregated
the same way.

Standard errors: each item proportion ``p_j`` has linearised scores ``z_ij = w_i a_ij (s_ij - p_j) / W_j``
(``a_ij`` = answered, ``W_j`` its weighted count). For ``item_mean`` the level scores are
``z_iL = (1/k) sum_j z_ij``, which is what R gives with ``svycontrast`` on the item means (or by estimating
on the constructed variable); for ``pooled`` they are the ratio scores
``w_i sum_j a_ij (s_ij - P_L) / sum_j W_j`` (R: ``svyratio`` of satisfied answers over answers per row).
The level scores then go through the same variance core (strata, PSUs, fpc, weighting adjustments), so
the SE of every level is the design-based SE of that linear combination.

Computation: rows are read in chunks; every level score is linear in the per-row basis
``[w s_j, w a_j, w v_j]`` (3 × items columns), so one pass accumulates the unit totals of the basis and
the sums that define the projection on a weighting adjustment (:class:`sampling.variance.UnitTotals`);
level variances follow from small matrix products. Designs with two or more weighting adjustments use
row-level scores instead (slower, same numbers). Design effects of items are exact; for aggregated
levels they come from a Gram matrix of the basis, computed on a systematic subsample of rows when
``n × (3 × items)²`` exceeds 2·10⁸.

Rows that share every design attribute add to the same totals, so the pass can also run over segments
of such rows summarised beforehand (:class:`sampling.AnswerSummary`): the same numbers from one pass
over the answer bytes, without a float matrix of the answers.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ._errors import SamplingError
from ._util import FloatArray, IntArray, group_sum
from .answer_summary import AnswerSummary, SegmentMismatch, gram_step
from .design import Design, GregAdjustment, PostStratAdjustment, RakingAdjustment
from .estimate import CIMethod, Estimate, mean, proportion, proportion_ci, t_quantile
from .index_definition import IndexDefinitionError, Level, parse_levels, used_items
from .variance import UnitTotals, taylor_variance, variance_from_unit_totals

__all__ = [
    "HealthIndicators",
    "IndexDefinitionError",
    "IndexLevel",
    "IndexResult",
    "compute_index",
    "compute_index_by",
    "health_indicators",
]

_ROW_CHUNK = 131_072
_LEVEL_CHUNK = 8


@dataclass(frozen=True)
class IndexLevel:
    """% satisfied and mean score of one level (overall, group, element or item)."""

    code: str
    label: str
    kind: str
    items: tuple[str, ...]
    satisfied: Estimate
    mean_score: Estimate
    n_answers: int
    n_respondents: int
    deff: float | None
    n_eff: float


@dataclass(frozen=True)
class IndexResult:
    """Every level of an index, overall first, then groups, elements and items."""

    code: str
    aggregation: str
    levels: tuple[IndexLevel, ...]

    def level(self, code: str) -> IndexLevel:
        """The level with this code."""
        for lv in self.levels:
            if lv.code == code:
                return lv
        raise KeyError(code)


@dataclass(frozen=True)
class HealthIndicators:
    """Health-sector indicators: comprehensive satisfaction, expectation met (mean G1), return intention."""

    comprehensive_satisfaction: Estimate
    expectation_met: Estimate | None
    return_intention: Estimate | None


def compute_index(
    answers: npt.ArrayLike | AnswerSummary,
    item_codes: Sequence[str],
    design: Design,
    definition: Mapping[str, Any],
    *,
    domain: npt.ArrayLike | None = None,
    level: float = 0.95,
    method: CIMethod = "logit",
    with_se: bool = True,
) -> IndexResult:
    """% satisfied and mean score at every level of ``definition``, with design-based SEs and CIs.

    ``answers`` is rows × items (NaN = missing) in the order of ``item_codes``, or their
    :class:`AnswerSummary`; ``domain`` (boolean rows) restricts the estimate to a domain without dropping
    rows. See the module docstring for the formulas.
    """
    return _index(answers, item_codes, design, definition, domain, level, method, with_se, None, 0)[0]


def compute_index_by(
    answers: npt.ArrayLike | AnswerSummary,
    item_codes: Sequence[str],
    design: Design,
    definition: Mapping[str, Any],
    groups: npt.ArrayLike,
    n_groups: int,
    *,
    level: float = 0.95,
    method: CIMethod = "logit",
) -> tuple[IndexResult, list[IndexResult]]:
    """The index over all rows and in each domain ``groups == g`` (``g`` in ``0..n_groups-1``; -1: in none).

    The same numbers as :func:`compute_index` over all rows and with ``domain=groups == g``, from one pass
    over the rows (designs with two or more weighting adjustments take one pass per domain). With an
    :class:`AnswerSummary` the pass is over its segments, which must not mix domains.
    """
    codes = np.asarray(groups, dtype=np.intp)
    if codes.shape != (design.n,) or (codes.size and (codes.min() < -1 or codes.max() >= n_groups)):
        raise IndexDefinitionError(f"groups must be {design.n} codes from -1 to {n_groups - 1}")
    if len(design.adjustments) > 1:
        whole = compute_index(answers, item_codes, design, definition, level=level, method=method)
        parts = [
            compute_index(answers, item_codes, design, definition, domain=codes == g, level=level, method=method)
            for g in range(n_groups)
        ]
        return whole, parts
    results = _index(answers, item_codes, design, definition, None, level, method, True, codes, n_groups)
    return results[0], results[1:]


@dataclass(frozen=True)
class _Block:
    """Rows (or segments of rows) with their answered, satisfied, value and value² totals per item and the
    number of rows that answered each aggregated level; ``rows`` picks the design row of each."""

    rows: slice | IntArray
    answered: FloatArray
    satisfied: FloatArray
    value: FloatArray
    value_squares: FloatArray
    responded: FloatArray | None


def _index(
    answers: npt.ArrayLike | AnswerSummary,
    item_codes: Sequence[str],
    design: Design,
    definition: Mapping[str, Any],
    domain: npt.ArrayLike | None,
    level: float,
    method: CIMethod,
    with_se: bool,
    groups: IntArray | None,
    n_groups: int,
) -> list[IndexResult]:
    """:func:`compute_index` over one domain, or (``groups``) over all rows and then each group."""
    aggregation = str(definition.get("aggregation", "item_mean"))
    if aggregation not in ("item_mean", "pooled"):
        raise IndexDefinitionError(f"aggregation must be item_mean or pooled, got {aggregation!r}")
    levels = parse_levels(definition, item_codes)
    used = used_items(levels, item_codes)
    pos = {c: k for k, c in enumerate(used)}
    dm: npt.NDArray[np.bool_] | None = None
    if domain is not None:
        dm = np.asarray(domain, dtype=bool)
        if dm.shape != (design.n,):
            raise IndexDefinitionError(f"domain must have {design.n} rows")
    w = design.weights
    m = len(used)
    n_lv = len(levels)
    member = np.zeros((m, n_lv))
    for j, lv in enumerate(levels):
        for it in lv.items:
            member[pos[it], j] = 1.0
    n_agg = sum(1 for lv in levels if lv.kind != "item")
    k = member.sum(axis=0)
    item_pos = np.array([pos[lv.items[0]] for lv in levels[n_agg:]], dtype=np.intp)
    fast_se = with_se and len(design.adjustments) <= 1
    n_buckets = 1 if groups is None else n_groups + 1
    bucket_of = None if groups is None else np.where(groups < 0, n_groups, groups)
    acc = _Accumulator(design, m, n_agg, n_buckets, with_se=with_se, fast_se=fast_se)

    if isinstance(answers, AnswerSummary):
        summary = answers
        if summary.n != design.n or summary.items != tuple(used):
            raise IndexDefinitionError(f"the answer summary is of {summary.n} rows of other items or another index")
        if dm is not None or not fast_se and with_se:
            raise IndexDefinitionError("an answer summary serves estimates over segments: no domain, one adjustment")
        _check_segments(summary, acc.segment_attributes(bucket_of))
        blocks: Callable[[], Iterator[_Block]] = functools.partial(_summary_blocks, summary)
        rows_of_gram, gram_basis = summary.gram_rows, summary.gram_basis
    else:
        y = np.asarray(answers, dtype=np.float64)
        if y.ndim != 2 or y.shape[1] != len(item_codes):
            raise IndexDefinitionError(f"answers must be rows × {len(item_codes)} items, got shape {y.shape}")
        if y.shape[0] != design.n:
            raise IndexDefinitionError(f"answers have {y.shape[0]} rows, the design {design.n}")
        col = {c: j for j, c in enumerate(item_codes)}
        cols = [col[c] for c in used]
        yu = y if cols == list(range(y.shape[1])) else y[:, cols]
        blocks = functools.partial(_row_blocks, yu, used, definition, dm, levels, n_agg, pos)
        rows_of_gram = np.arange(0, design.n, gram_step(design.n, m), dtype=np.intp)
        gram_basis = None

    for block in blocks():
        acc.add(block, None if bucket_of is None else bucket_of[block.rows])
    if with_se and n_agg:
        if gram_basis is None:
            gram_basis = _row_basis(yu[rows_of_gram], definition, None if dm is None else dm[rows_of_gram])
        acc.add_gram(rows_of_gram, None if bucket_of is None else bucket_of[rows_of_gram], gram_basis)

    def row_variance(mat: FloatArray, cs: FloatArray, cv: FloatArray) -> tuple[FloatArray, FloatArray]:
        var_s = np.zeros(n_lv)
        var_v = np.zeros(n_lv)
        for start in range(0, n_lv, _LEVEL_CHUNK):
            stop = min(n_lv, start + _LEVEL_CHUNK)
            zs = np.empty((design.n, stop - start))
            zv = np.empty((design.n, stop - start))
            mat_c = np.ascontiguousarray(mat[:, start:stop])
            cs_c = np.ascontiguousarray(cs[:, start:stop])
            cv_c = np.ascontiguousarray(cv[:, start:stop])
            for block in blocks():
                wr = w[block.rows, None]
                zs[block.rows] = wr * (block.satisfied @ mat_c - block.answered @ cs_c)
                zv[block.rows] = wr * (block.value @ mat_c - block.answered @ cv_c)
            var_s[start:stop] = taylor_variance(design, zs, overwrite=True)
            var_v[start:stop] = taylor_variance(design, zv, overwrite=True)
        return var_s, var_v

    shape = _Shape(levels, member, k, n_agg, item_pos, aggregation)
    variance = None if fast_se else row_variance
    slots = [list(range(n_buckets))] + ([[g] for g in range(n_groups)] if groups is not None else [])
    return [_finish(design, definition, shape, acc.slot(b), level, method, with_se, variance) for b in slots]


def _row_blocks(
    yu: FloatArray,
    used: list[str],
    definition: Mapping[str, Any],
    dm: npt.NDArray[np.bool_] | None,
    levels: list[Level],
    n_agg: int,
    pos: dict[str, int],
) -> Iterator[_Block]:
    """Chunks of rows: indicators of answered and satisfied answers, values (0 where missing)."""
    scale = definition.get("scale")
    lo_scale, hi_scale = (float(scale[0]), float(scale[1])) if scale is not None else (-np.inf, np.inf)
    member_agg = np.zeros((len(used), n_agg), dtype=np.float32)
    for j, lv in enumerate(levels[:n_agg]):
        member_agg[[pos[i] for i in lv.items], j] = 1.0
    n = yu.shape[0]
    for r0 in range(0, n, _ROW_CHUNK):
        r1 = min(n, r0 + _ROW_CHUNK)
        yc = yu[r0:r1]
        if scale is not None:
            bad = (yc < lo_scale) | (yc > hi_scale)  # NaN compares False
            if bad.any():
                r, c = np.argwhere(bad)[0]
                raise IndexDefinitionError(
                    f"item {used[c]}: value {yc[r, c]:g} at row {r0 + r} is outside the scale {lo_scale:g}–{hi_scale:g}"
                )
        basis = _row_basis(yc, definition, None if dm is None else dm[r0:r1])
        m = len(used)
        sc, ac, vc = basis[:, :m], basis[:, m : 2 * m], basis[:, 2 * m :]
        rc = None
        if n_agg:
            partial: npt.NDArray[np.bool_] = np.asarray(ac.min(axis=1) == 0.0) if m else np.zeros(r1 - r0, bool)
            rc = np.ones((r1 - r0, n_agg))
            if partial.mean() > 0.5:
                rc[:] = (ac.astype(np.float32) @ member_agg) > 0
            elif partial.any():
                rc[partial] = (ac[partial].astype(np.float32) @ member_agg) > 0
        yield _Block(slice(r0, r1), ac, sc, vc, vc * vc, rc)


def _row_basis(yc: FloatArray, definition: Mapping[str, Any], in_domain: npt.NDArray[np.bool_] | None) -> FloatArray:
    """Rows × [satisfied, answered, value] indicators of ``yc`` (missing, or outside the domain: all 0)."""
    sat_values = np.unique(np.asarray(definition.get("satisfied", [4, 5]), dtype=np.float64))
    missing = np.isnan(yc)
    if in_domain is not None:
        missing |= ~in_domain[:, None]
    vc = yc.copy()
    vc[missing] = 0.0
    sat_b = np.zeros(vc.shape, dtype=bool)
    for value in sat_values:
        sat_b |= vc == value
    if 0.0 in sat_values:
        sat_b &= ~missing
    return np.hstack([sat_b.astype(np.float64), (~missing).astype(np.float64), vc])


def _summary_blocks(summary: AnswerSummary) -> Iterator[_Block]:
    """Chunks of an answer summary's segments, each at the design row of its first row."""
    rows = summary.representatives
    for s0 in range(0, summary.n_segments, _ROW_CHUNK):
        s1 = min(summary.n_segments, s0 + _ROW_CHUNK)
        yield _Block(
            rows[s0:s1],
            summary.answered[s0:s1],
            summary.satisfied[s0:s1],
            summary.value_sum[s0:s1],
            summary.value_squares[s0:s1],
            summary.responded[s0:s1] if summary.levels else None,
        )


def _check_segments(summary: AnswerSummary, attributes: list[tuple[str, npt.NDArray[Any]]]) -> None:
    """Raise unless every row of a segment has its first row's weight, units, cells and domain."""
    sizes = np.diff(np.r_[summary.starts, summary.n])
    for name, values in attributes:
        ordered = values[summary.order]
        if not np.array_equal(ordered, np.repeat(ordered[summary.starts], sizes)):
            raise SegmentMismatch(f"the rows of a segment of the answer summary differ in {name}")


@dataclass(frozen=True)
class _Shape:
    """The levels of an index and how items make them up."""

    levels: list[Level]
    member: FloatArray
    k: FloatArray
    n_agg: int
    item_pos: IntArray
    aggregation: str


@dataclass
class _Sums:
    """Weighted sums over the rows of one domain (or all rows) that the level estimates need."""

    w_item: FloatArray
    ws_item: FloatArray
    wv_item: FloatArray
    wv2_item: FloatArray
    n_item: FloatArray
    w2_item: FloatArray
    n_resp: FloatArray
    w_resp: FloatArray
    w2_resp: FloatArray
    psu_answers: FloatArray
    gram: FloatArray
    unit_totals: UnitTotals | None


class _Accumulator:
    """One pass over blocks of rows (or of segments of rows) that accumulates :class:`_Sums` for
    ``n_buckets`` disjoint row groups at once.

    ``add`` takes each row's bucket (None: every row in bucket 0). Bucket sums come from sparse indicator
    products, so the cost of a pass hardly grows with the number of buckets; with one bucket the dense
    products of a plain estimate are used.
    """

    def __init__(self, design: Design, m: int, n_agg: int, n_buckets: int, *, with_se: bool, fast_se: bool) -> None:
        self.design, self.m, self.n_agg, self.b = design, m, n_agg, n_buckets
        self.with_se = with_se
        b = n_buckets
        self.item = np.zeros((6, b, m))  # w, ws, wv, wv2, n, w2
        self.resp = np.zeros((3, b, n_agg))  # n, w, w2
        self.psu_answers = np.zeros((design.n_psu * b, m))
        self.gram = np.zeros((b, 3 * m, 3 * m))
        # deff of aggregated levels needs sum_i z_i^2 / w_i (a Gram matrix of the basis): on a systematic
        # subsample of rows when the exact product would cost more than the budget of gram_step
        self.gram_step = gram_step(design.n, m)
        self.nonzero = (design.weights != 0).astype(np.float64)
        self.template = UnitTotals(design, 3 * m) if fast_se else None
        if self.template is not None and b > 1:
            t = self.template
            t.units = [np.zeros((u.shape[0] * b, u.shape[1])) for u in t.units]
            t.cell_sums = [np.zeros((c.shape[0] * b, c.shape[1])) for c in t.cell_sums]
            if isinstance(t.adj, GregAdjustment):
                t.xtb = np.zeros((b, *t.xtb.shape))

    def segment_attributes(self, bucket_of: IntArray | None) -> list[tuple[str, npt.NDArray[Any]]]:
        """The per-row arrays :meth:`add` reads at a block's rows: constant within a summary's segments."""
        design = self.design
        out: list[tuple[str, npt.NDArray[Any]]] = [("weight", design.weights)]
        out += [(f"stage {s + 1} unit", design.stages[s].unit) for s in range(len(design.stages))]
        adj = design.adjustments[0] if design.adjustments else None
        if isinstance(adj, RakingAdjustment):
            out += [(f"raking cell {k + 1}", c) for k, c in enumerate(adj.cells)]
        elif isinstance(adj, PostStratAdjustment):
            out.append(("post-stratum", adj.cells))
        elif isinstance(adj, GregAdjustment):
            out += [("calibration variables", adj.x), ("g-weight", adj.g)]
        if self.template is not None:
            out += [(f"adjustment factor {k + 1}", f) for k, f in enumerate(self.template.row_factor)]
        if bucket_of is not None:
            out.append(("domain", bucket_of))
        return out

    def add(self, block: _Block, bucket: IntArray | None) -> None:
        """Accumulate a block of rows (or segments), each in its ``bucket`` (None: all in bucket 0)."""
        design, m = self.design, self.m
        rows = block.rows
        ac, sc, vc, rc = block.answered, block.satisfied, block.value, block.responded
        wc = design.weights[rows]
        if bucket is None:
            totals = [wc @ ac, wc @ sc, wc @ vc]
            totals.append(wc @ block.value_squares if self.with_se else np.zeros(m))
            totals += [ac.sum(axis=0), (wc * wc) @ ac]
            self.item[:, 0] += np.array(totals)
            if rc is not None:
                self.resp[:, 0] += np.array([rc.sum(axis=0), wc @ rc, (wc * wc) @ rc])
        else:
            count = ac.shape[0]
            ind_w, ind_1, ind_w2 = (_indicator(bucket, v, self.b) for v in (wc, np.ones(count), wc * wc))
            vv = ind_w @ block.value_squares if self.with_se else np.zeros((self.b, m))
            self.item += np.array([ind_w @ ac, ind_w @ sc, ind_w @ vc, vv, ind_1 @ ac, ind_w2 @ ac])
            if rc is not None:
                self.resp += np.array([ind_1 @ rc, ind_w @ rc, ind_w2 @ rc])
        b = 0 if bucket is None else bucket
        if self.with_se:
            codes = design.psu[rows] * self.b + b
            self.psu_answers += _indicator(codes, self.nonzero[rows], design.n_psu * self.b) @ ac
        template = self.template
        if template is not None:
            for k, part in enumerate((sc, ac, vc)):
                if bucket is None:
                    template.add(rows, part, offset=k * m, row_weights=wc)
                else:
                    self._add_buckets(template, rows, bucket, part, k * m, wc)

    def add_gram(self, rows: IntArray, bucket: IntArray | None, basis: FloatArray) -> None:
        """Accumulate the Gram matrix of the basis ``[s, a, v]`` of a systematic subsample of rows."""
        weighted = basis * (self.design.weights[rows] * self.gram_step)[:, None]
        if bucket is None:
            self.gram[0] += weighted.T @ basis
            return
        for j in np.unique(bucket).tolist():
            rows_j = bucket == j
            self.gram[j] += weighted[rows_j].T @ basis[rows_j]

    def _add_buckets(
        self, t: UnitTotals, rows: slice | IntArray, bucket: IntArray, block: FloatArray, offset: int, rw: FloatArray
    ) -> None:
        """:meth:`UnitTotals.add` with every unit and cell split by bucket (code × buckets + bucket)."""
        cols = slice(offset, offset + block.shape[1])
        b = self.b
        for s in range(t.n_stages):
            st = self.design.stages[s]
            t.units[s][:, cols] += _indicator(st.unit[rows] * b + bucket, rw, st.n_units * b) @ block
        adj = t.adj
        if isinstance(adj, RakingAdjustment):
            for k, (c, n_cells) in enumerate(zip(adj.cells, adj.n_cells, strict=True)):
                ind = _indicator(c[rows] * b + bucket, rw * t.row_factor[k][rows], n_cells * b)
                t.cell_sums[k][:, cols] += ind @ block
        elif isinstance(adj, PostStratAdjustment):
            ind = _indicator(adj.cells[rows] * b + bucket, rw * t.row_factor[0][rows], adj.n_cells * b)
            t.cell_sums[0][:, cols] += ind @ block
        elif isinstance(adj, GregAdjustment):
            x = adj.x[rows] * (rw / adj.g[rows])[:, None]
            for j in np.unique(bucket).tolist():
                rows_j = bucket == j
                t.xtb[j][:, cols] += x[rows_j].T @ block[rows_j]

    def slot(self, buckets: list[int]) -> _Sums:
        """The sums over the rows of ``buckets``."""
        w, ws, wv, wv2, n, w2 = self.item[:, buckets].sum(axis=1)
        n_resp, w_resp, w2_resp = self.resp[:, buckets].sum(axis=1)
        b = self.b
        psu_answers = self.psu_answers.reshape(-1, b, self.m)[:, buckets].sum(axis=1)
        totals = None
        if self.template is not None:
            totals = self.template
            if b > 1:
                totals = copy.copy(self.template)
                totals.units = [u.reshape(-1, b, u.shape[1])[:, buckets].sum(axis=1) for u in self.template.units]
                totals.cell_sums = [
                    c.reshape(-1, b, c.shape[1])[:, buckets].sum(axis=1) for c in self.template.cell_sums
                ]
                if isinstance(totals.adj, GregAdjustment):
                    totals.xtb = self.template.xtb[buckets].sum(axis=0)
        gram = self.gram[buckets].sum(axis=0)
        return _Sums(w, ws, wv, wv2, n, w2, n_resp, w_resp, w2_resp, psu_answers, gram, totals)


def _indicator(codes: IntArray, values: FloatArray, size: int) -> sparse.csc_matrix:
    """``size`` × rows, ``values[i]`` at (codes[i], i): one entry per column, so built without sorting."""
    rows = codes.shape[0]
    return sparse.csc_matrix((values, codes, np.arange(rows + 1)), shape=(size, rows))


RowVariance = Callable[[FloatArray, FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


def _finish(
    design: Design,
    definition: Mapping[str, Any],
    shape: _Shape,
    sums: _Sums,
    level: float,
    method: CIMethod,
    with_se: bool,
    row_variance: RowVariance | None,
) -> IndexResult:
    """Estimates, SEs, CIs and design effects of every level from the sums of one domain."""
    levels, member, k, n_agg, item_pos = shape.levels, shape.member, shape.k, shape.n_agg, shape.item_pos
    n_lv = len(levels)
    w_item, ws_item, wv_item, wv2_item = sums.w_item, sums.ws_item, sums.wv_item, sums.wv2_item
    n_item, w2_item = sums.n_item, sums.w2_item
    n_resp = np.concatenate([sums.n_resp, n_item[item_pos]])
    w_resp = np.concatenate([sums.w_resp, w_item[item_pos]])
    w2_resp = np.concatenate([sums.w2_resp, w2_item[item_pos]])
    n_answers = n_item @ member
    with np.errstate(divide="ignore", invalid="ignore"):
        p_item = ws_item / w_item
        mu_item = wv_item / w_item
        if shape.aggregation == "item_mean":
            p_lv = (p_item @ member) / k
            mu_lv = (mu_item @ member) / k
            mat = member / (k[None, :] * w_item[:, None])
            cs = p_item[:, None] * mat
            cv = mu_item[:, None] * mat
        else:
            w_lv = w_item @ member
            p_lv = (ws_item @ member) / w_lv
            mu_lv = (wv_item @ member) / w_lv
            mat = member / w_lv[None, :]
            cs = mat * p_lv[None, :]
            cv = mat * mu_lv[None, :]
    mat = np.nan_to_num(mat)
    cs = np.nan_to_num(cs)
    cv = np.nan_to_num(cv)
    var_s = np.zeros(n_lv)
    var_v = np.zeros(n_lv)
    ss_s = np.zeros(n_lv)
    ss_v = np.zeros(n_lv)
    if with_se:
        present = (sums.psu_answers @ member) > 0
        strata_present = group_sum(design.stages[0].group_of_unit, present.astype(np.float64), design.n_strata) > 0
        df_lv = present.sum(axis=0) - strata_present.sum(axis=0)
    else:
        df_lv = np.full(n_lv, design.degrees_of_freedom())
    if with_se:
        # level scores are linear in the basis [w s, w a, w v]: z_s = basis @ c_s, z_v = basis @ c_v
        zero = np.zeros_like(mat)
        coef = np.hstack([np.vstack([mat, -cs, zero]), np.vstack([zero, -cv, mat])])  # 3m × 2L
        if row_variance is not None:
            var_s, var_v = row_variance(mat, cs, cv)
        else:
            if sums.unit_totals is None:
                raise SamplingError("internal error: unit totals were not accumulated")
            var = variance_from_unit_totals(design, [u @ coef for u in sums.unit_totals.totals()])
            var_s, var_v = var[:n_lv], var[n_lv:]
        quad = np.einsum("kl,kq,ql->l", coef, sums.gram, coef)  # sum_i z_i^2 / w_i per column
        ss_s = quad[:n_lv] * w_resp**2
        ss_v = quad[n_lv:] * w_resp**2
        # items exactly, from the sums: sum w a (s - p)^2 and sum w a (v - mu)^2
        pi, mi = np.nan_to_num(p_item), np.nan_to_num(mu_item)
        ss_s[n_agg:] = (ws_item * (1 - 2 * pi) + pi * pi * w_item)[item_pos]
        ss_v[n_agg:] = (wv2_item - 2 * mi * wv_item + mi * mi * w_item)[item_pos]

    out: list[IndexLevel] = []
    for j, lv in enumerate(levels):
        df = int(df_lv[j])
        nr = int(n_resp[j])
        sw = float(w_resp[j])
        n_eff = sw * sw / float(w2_resp[j]) if w2_resp[j] > 0 else 0.0
        se_s = float(np.sqrt(max(var_s[j], 0.0))) if with_se else float("nan")
        se_v = float(np.sqrt(max(var_v[j], 0.0))) if with_se else float("nan")
        deff_s = _deff(var_s[j], ss_s[j], sw, nr) if with_se else None
        deff_v = _deff(var_v[j], ss_v[j], sw, nr) if with_se else None
        p = float(p_lv[j])
        lo, hi, boundary = proportion_ci(p, se_s, df, level, method, nr) if with_se else (np.nan, np.nan, False)
        t = t_quantile(level, df)
        mu = float(mu_lv[j])
        est_s = Estimate(
            "proportion",
            p,
            se_s,
            float(lo),
            float(hi),
            level,
            df,
            nr,
            sw,
            deff_s,
            n_eff,
            method,
            boundary,
            None,
            lv.code,
        )
        est_v = Estimate(
            "mean",
            mu,
            se_v,
            mu - t * se_v,
            mu + t * se_v,
            level,
            df,
            nr,
            sw,
            deff_v,
            n_eff,
            "t",
            False,
            None,
            lv.code,
        )
        out.append(IndexLevel(lv.code, lv.label, lv.kind, lv.items, est_s, est_v, int(n_answers[j]), nr, deff_s, n_eff))
    code = str(definition.get("overall", {}).get("code", "index")) if definition.get("overall") else "index"
    return IndexResult(code, shape.aggregation, tuple(out))


def _deff(var: float, ss: float, sw: float, n: int) -> float | None:
    if n < 2 or sw <= 0 or ss <= 0:
        return None
    svyvar = ss / sw * n / (n - 1)
    fpc = (sw - n) / sw if sw >= n else 1.0
    vsrs = svyvar * fpc / n
    return float(var / vsrs) if vsrs > 0 else None


def health_indicators(
    answers: npt.ArrayLike,
    item_codes: Sequence[str],
    design: Design,
    definition: Mapping[str, Any],
    *,
    expectation: npt.ArrayLike | None = None,
    return_intention: npt.ArrayLike | None = None,
    return_exclude: Sequence[float] = (6,),
    domain: npt.ArrayLike | None = None,
    level: float = 0.95,
    method: CIMethod = "logit",
) -> HealthIndicators:
    """Health indicators with design-based SEs.

    * comprehensive satisfaction: share of respondents (at least one answered item of the index) whose
      every answered item is in the satisfied set;
    * expectation met: weighted mean of G1 (0–100);
    * return intention: share of G2 answers at 4–5, with ``return_exclude`` (6 = "other") treated as missing.
    """
    y = np.asarray(answers, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != len(item_codes):
        raise IndexDefinitionError(f"answers must be rows × {len(item_codes)} items, got shape {y.shape}")
    levels = parse_levels(definition, item_codes)
    used = used_items(levels, item_codes)
    col = {c: k for k, c in enumerate(item_codes)}
    yu = y[:, [col[c] for c in used]]
    sat = np.asarray(definition.get("satisfied", [4, 5]), dtype=np.float64)
    answered = ~np.isnan(yu)
    any_answer = answered.any(axis=1)
    all_sat = (np.isin(yu, sat) | ~answered).all(axis=1)
    ind = np.where(any_answer, all_sat.astype(np.float64), np.nan)
    comp = proportion(design, ind, domain=domain, method=method, level=level)
    exp_est = None
    if expectation is not None:
        exp_est = mean(design, np.asarray(expectation, dtype=np.float64), domain=domain, level=level)
    ret_est = None
    if return_intention is not None:
        g2 = np.asarray(return_intention, dtype=np.float64).copy()
        g2[np.isin(g2, np.asarray(return_exclude, dtype=np.float64))] = np.nan
        ret_est = proportion(design, g2, satisfied=[4, 5], domain=domain, method=method, level=level)
    return HealthIndicators(
        _named(comp, "comprehensive_satisfaction"),
        None if exp_est is None else _named(exp_est, "expectation_met"),
        None if ret_est is None else _named(ret_est, "return_intention"),
    )


def _named(e: Estimate, name: str) -> Estimate:
    from dataclasses import replace

    return replace(e, variable=name)
