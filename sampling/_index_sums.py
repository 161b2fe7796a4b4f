"""Accumulation for an index: one pass over blocks of rows (or of segments of alike rows) that sums, per
domain, what every level's estimate and standard error need (see :mod:`sampling.indices`)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from ._pair_sums import PairSums, indicator
from ._util import FloatArray, IntArray
from .answer_summary import AnswerSummary, SegmentMismatch, gram_step
from .design import Design, GregAdjustment, PostStratAdjustment, RakingAdjustment
from .index_definition import IndexDefinition, IndexDefinitionError, Level
from .variance import UnitTotals

ROW_CHUNK = 131_072


@dataclass(frozen=True)
class Block:
    """Rows (or segments of rows) with their answered, satisfied, value and value² totals per item and the
    number of rows that answered each aggregated level; ``rows`` picks the design row of each."""

    rows: slice | IntArray
    answered: FloatArray
    satisfied: FloatArray
    value: FloatArray
    value_squares: FloatArray
    responded: FloatArray | None


def row_blocks(
    yu: FloatArray,
    used: list[str],
    definition: IndexDefinition,
    dm: npt.NDArray[np.bool_] | None,
    levels: list[Level],
    n_agg: int,
    pos: dict[str, int],
) -> Iterator[Block]:
    """Chunks of rows: indicators of answered and satisfied answers, values (0 where missing)."""
    scale = definition.scale
    lo_scale, hi_scale = scale if scale is not None else (-np.inf, np.inf)
    member_agg = np.zeros((len(used), n_agg), dtype=np.float32)
    for j, lv in enumerate(levels[:n_agg]):
        member_agg[[pos[i] for i in lv.items], j] = 1.0
    n = yu.shape[0]
    for r0 in range(0, n, ROW_CHUNK):
        r1 = min(n, r0 + ROW_CHUNK)
        yc = yu[r0:r1]
        if scale is not None:
            bad = (yc < lo_scale) | (yc > hi_scale)  # NaN compares False
            if bad.any():
                r, c = np.argwhere(bad)[0]
                raise IndexDefinitionError(
                    f"item {used[c]}: value {yc[r, c]:g} at row {r0 + r} is outside the scale {lo_scale:g}–{hi_scale:g}"
                )
        basis = row_basis(yc, definition, None if dm is None else dm[r0:r1])
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
        yield Block(slice(r0, r1), ac, sc, vc, vc * vc, rc)


def row_basis(yc: FloatArray, definition: IndexDefinition, in_domain: npt.NDArray[np.bool_] | None) -> FloatArray:
    """Rows × [satisfied, answered, value] indicators of ``yc`` (missing, or outside the domain: all 0)."""
    sat_values = np.unique(np.asarray(definition.satisfied, dtype=np.float64))
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


def summary_blocks(summary: AnswerSummary) -> Iterator[Block]:
    """Chunks of an answer summary's segments, each at the design row of its first row."""
    rows = summary.representatives
    for s0 in range(0, summary.n_segments, ROW_CHUNK):
        s1 = min(summary.n_segments, s0 + ROW_CHUNK)
        yield Block(
            rows[s0:s1],
            summary.answered[s0:s1],
            summary.satisfied[s0:s1],
            summary.value_sum[s0:s1],
            summary.value_squares[s0:s1],
            summary.responded[s0:s1] if summary.levels else None,
        )


def check_segments(summary: AnswerSummary, attributes: list[tuple[str, npt.NDArray[Any]]]) -> None:
    """Raise unless every row of a segment has its first row's weight, units, cells and domain."""
    for name, values in attributes:
        if values.ndim == 1:
            mixed = _first_mixed_segment(values, summary.order, summary.starts) >= 0
        else:
            ordered = values[summary.order]
            sizes = np.diff(np.r_[summary.starts, summary.n])
            mixed = not np.array_equal(ordered, np.repeat(ordered[summary.starts], sizes, axis=0))
        if mixed:
            raise SegmentMismatch(f"the rows of a segment of the answer summary differ in {name}")


@numba.njit(cache=True, nogil=True)
def _first_mixed_segment(values: npt.NDArray[Any], order: IntArray, starts: IntArray) -> int:
    """The first segment with a row whose value differs from its first row's (-1: none); one pass, no copies."""
    n_segments, n = starts.shape[0], order.shape[0]
    for s in range(n_segments):
        end = starts[s + 1] if s + 1 < n_segments else n
        first = values[order[starts[s]]]
        for p in range(starts[s] + 1, end):
            if values[order[p]] != first:
                return s
    return -1


@dataclass
class Sums:
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
    rows: int = 0  # rows summed, when every row weighs 1


def unit_sums(summary: AnswerSummary, m: int) -> Sums:
    """The sums of every row weighing 1 (no SEs), from the segments' totals."""
    answered = summary.answered.sum(axis=0)
    responded = summary.responded.sum(axis=0) if summary.levels else np.zeros(0)
    return Sums(
        w_item=answered,
        ws_item=summary.satisfied.sum(axis=0),
        wv_item=summary.value_sum.sum(axis=0),
        wv2_item=summary.value_squares.sum(axis=0),
        n_item=answered,
        w2_item=answered,
        n_resp=responded,
        w_resp=responded,
        w2_resp=responded,
        psu_answers=np.zeros((0, m)),
        gram=np.zeros((3 * m, 3 * m)),
        unit_totals=None,
        rows=summary.n,
    )


class Accumulator:
    """One pass over blocks of rows (or of segments of rows) that accumulates :class:`Sums` for
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
        # With buckets, sums per unit are kept for the (unit, bucket) pairs that occur.
        self.psu_answers = np.zeros((design.n_psu if with_se and b == 1 else 0, m))
        self.psu_pairs = PairSums(design.n_psu, b, m) if with_se and b > 1 else None
        self.gram = np.zeros((b, 3 * m, 3 * m))
        # deff of aggregated levels needs sum_i z_i^2 / w_i (a Gram matrix of the basis): on a systematic
        # subsample of rows when the exact product would cost more than the budget of gram_step
        self.gram_step = gram_step(design.n, m)
        self.nonzero = (design.weights != 0).astype(np.float64)
        self.template = UnitTotals(design, 3 * m) if fast_se else None
        self.unit_pairs: list[PairSums] = []
        if self.template is not None and b > 1:
            t = self.template
            self.unit_pairs = [PairSums(u.shape[0], b, u.shape[1]) for u in t.units]
            t.cell_sums = [np.zeros((c.shape[0] * b, c.shape[1])) for c in t.cell_sums]
            if isinstance(t.adj, GregAdjustment):
                t.xtb = np.zeros((b, *t.xtb.shape))

    def segment_attributes(self, bucket_of: IntArray | None) -> list[tuple[str, npt.NDArray[Any]]]:
        """The per-row arrays :meth:`add` reads at a block's rows: constant within a summary's segments."""
        design = self.design
        out: list[tuple[str, npt.NDArray[Any]]] = [("weight", design.weights)]
        if bucket_of is not None:
            out.append(("domain", bucket_of))
        if not self.with_se:  # the estimates alone read only the weights
            return out
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
        return out

    def add(self, block: Block, bucket: IntArray | None) -> None:
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
            ind_w, ind_1, ind_w2 = (indicator(bucket, v, self.b) for v in (wc, np.ones(count), wc * wc))
            vv = ind_w @ block.value_squares if self.with_se else np.zeros((self.b, m))
            self.item += np.array([ind_w @ ac, ind_w @ sc, ind_w @ vc, vv, ind_1 @ ac, ind_w2 @ ac])
            if rc is not None:
                self.resp += np.array([ind_1 @ rc, ind_w @ rc, ind_w2 @ rc])
        if self.with_se:
            if self.psu_pairs is None or bucket is None:
                self.psu_answers += indicator(design.psu[rows], self.nonzero[rows], design.n_psu) @ ac
            else:
                self.psu_pairs.add(design.psu[rows], bucket, self.nonzero[rows], ac, slice(None))
        template = self.template
        if template is not None:
            basis = np.hstack([sc, ac, vc])  # the columns 0:3m at once: one indicator product, not three
            if bucket is None:
                template.add(rows, basis, offset=0, row_weights=wc)
            else:
                self._add_buckets(template, rows, bucket, basis, 0, wc)

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
            self.unit_pairs[s].add(st.unit[rows], bucket, rw, block, cols)
        adj = t.adj
        if isinstance(adj, RakingAdjustment):
            for k, (c, n_cells) in enumerate(zip(adj.cells, adj.n_cells, strict=True)):
                ind = indicator(c[rows] * b + bucket, rw * t.row_factor[k][rows], n_cells * b)
                t.cell_sums[k][:, cols] += ind @ block
        elif isinstance(adj, PostStratAdjustment):
            ind = indicator(adj.cells[rows] * b + bucket, rw * t.row_factor[0][rows], adj.n_cells * b)
            t.cell_sums[0][:, cols] += ind @ block
        elif isinstance(adj, GregAdjustment):
            x = adj.x[rows] * (rw / adj.g[rows])[:, None]
            for j in np.unique(bucket).tolist():
                rows_j = bucket == j
                t.xtb[j][:, cols] += x[rows_j].T @ block[rows_j]

    def slot(self, buckets: list[int]) -> Sums:
        """The sums over the rows of ``buckets``."""
        w, ws, wv, wv2, n, w2 = self.item[:, buckets].sum(axis=1)
        n_resp, w_resp, w2_resp = self.resp[:, buckets].sum(axis=1)
        b = self.b

        def picked(codes_by_bucket: FloatArray) -> FloatArray:
            """Rows ``code × b + bucket`` summed over ``buckets`` per code (one bucket, or all: no copy first)."""
            per_code = codes_by_bucket.reshape(-1, b, codes_by_bucket.shape[1])
            if len(buckets) == 1:
                return np.ascontiguousarray(per_code[:, buckets[0]])
            if buckets == list(range(b)):
                return np.asarray(per_code.sum(axis=1))
            return np.asarray(per_code[:, buckets].sum(axis=1))

        psu_answers = self.psu_answers if self.psu_pairs is None else self.psu_pairs.over(buckets)
        totals = None
        if self.template is not None:
            totals = self.template
            if b > 1:
                totals = copy.copy(self.template)
                totals.units = [pairs.over(buckets) for pairs in self.unit_pairs]
                totals.cell_sums = [picked(c) for c in self.template.cell_sums]
                if isinstance(totals.adj, GregAdjustment):
                    totals.xtb = self.template.xtb[buckets].sum(axis=0)
        gram = self.gram[buckets].sum(axis=0)
        return Sums(w, ws, wv, wv2, n, w2, n_resp, w_resp, w2_resp, psu_answers, gram, totals)
