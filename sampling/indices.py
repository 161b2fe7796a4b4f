"""Official satisfaction indices (SIPAS, health, education) with SEs and CIs from the survey design.

An index definition is a :class:`sampling.IndexDefinition` (elements of items, groups of elements, the overall
index over groups or elements, the satisfied values, the answer scale and the aggregation), or the same as plain
data::

    {"satisfied": [4, 5], "scale": [1, 5], "aggregation": "item_mean",   # or "pooled"
     "elements": [{"code": "II.A", "label": "...", "items": ["II.A.1", "II.A.2"]}, ...],
     "groups": [{"code": "II", "label": "...", "elements": ["II.A", ...]}, ...],
     "overall": {"code": "SIPAS", "label": "...", "groups": ["I", "II"]}}

Levels are the overall index, its groups, their elements and the items. A group and the overall pool all
their items. With ``item_mean`` (SIPAS) a level's % satisfied is the unweighted mean of its items' weighted
% satisfied, ``P_L = (1/k) sum_j p_j`` over its k items that have answers; with ``pooled`` (health,
education) it is satisfied answers over all answers in the level,
``P_L = sum_j sum_i w_i s_ij / sum_j sum_i w_i a_ij``. The mean score is aggregated the same way. Without a
design every row weighs 1 (the unweighted index: the same numbers, no SEs).

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

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ._code_sums import code_sums
from ._index_finish import IndexLevel, IndexResult, RowVariance, Shape, finish
from ._index_sums import Accumulator, Block, check_segments, row_basis, row_blocks, summary_blocks, unit_sums
from ._util import FloatArray, IntArray
from .answer_summary import AnswerSummary, gram_step
from .design import Design, make_design
from .estimate import CIMethod, Estimate, mean, proportion
from .index_definition import IndexDefinition, IndexDefinitionError, as_definition, parse_levels, used_items
from .variance import taylor_variance

__all__ = [
    "HealthIndicators",
    "IndexDefinition",
    "IndexDefinitionError",
    "IndexLevel",
    "IndexResult",
    "compute_index",
    "compute_index_by",
    "health_indicators",
]

_LEVEL_CHUNK = 8
Definition = IndexDefinition | Mapping[str, Any]


@dataclass(frozen=True)
class HealthIndicators:
    """Health-sector indicators: comprehensive satisfaction, expectation met (mean G1), return intention."""

    comprehensive_satisfaction: Estimate
    expectation_met: Estimate | None
    return_intention: Estimate | None


def compute_index(
    answers: npt.ArrayLike | AnswerSummary,
    item_codes: Sequence[str],
    design: Design | None,
    definition: Definition,
    *,
    domain: npt.ArrayLike | None = None,
    level: float = 0.95,
    method: CIMethod = "logit",
    with_se: bool = True,
) -> IndexResult:
    """% satisfied and mean score at every level of ``definition``, with design-based SEs and CIs.

    ``answers`` is rows × items (NaN = missing) in the order of ``item_codes``, or their
    :class:`AnswerSummary`, or (unweighted) one-byte answer codes (255 = missing). ``design`` None weighs
    every row 1 and computes no SEs: the same numbers as a design of unit weights, from one pass over the
    codes. ``domain`` (boolean rows) restricts the estimate to a domain without dropping rows. See the module
    docstring for the formulas.
    """
    definition = as_definition(definition)
    if design is None and domain is None:
        return _unweighted(answers, item_codes, definition, level=level)
    if isinstance(answers, np.ndarray) and answers.dtype == np.uint8:
        answers = np.where(answers == 255, np.nan, answers)
    if design is None:
        design, with_se = make_design(_rows(answers)), False
    request = _Request(design, definition, level, method, with_se)
    return _index(answers, item_codes, request, domain=domain)[0]


def compute_index_by(
    answers: npt.ArrayLike | AnswerSummary,
    item_codes: Sequence[str],
    design: Design,
    definition: Definition,
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
    definition = as_definition(definition)
    codes = np.asarray(groups, dtype=np.intp)
    if codes.shape != (design.n,) or (codes.size and (codes.min() < -1 or codes.max() >= n_groups)):
        raise IndexDefinitionError(f"groups must be {design.n} codes from -1 to {n_groups - 1}")
    if len(design.adjustments) > 1:
        options: dict[str, Any] = {"level": level, "method": method}
        whole = compute_index(answers, item_codes, design, definition, **options)
        parts = [
            compute_index(answers, item_codes, design, definition, domain=codes == g, **options)
            for g in range(n_groups)
        ]
        return whole, parts
    request = _Request(design, definition, level, method, True)
    results = _index(answers, item_codes, request, groups=codes, n_groups=n_groups)
    return results[0], results[1:]


@dataclass(frozen=True)
class _Request:
    """What every domain's estimate is of: the design, the definition and the CIs asked for."""

    design: Design
    definition: IndexDefinition
    level: float
    method: CIMethod
    with_se: bool


def _rows(answers: npt.ArrayLike | AnswerSummary) -> int:
    return answers.n if isinstance(answers, AnswerSummary) else int(np.shape(answers)[0])


def _shape(definition: IndexDefinition, item_codes: Sequence[str]) -> tuple[Shape, list[str]]:
    """The levels of ``definition`` over ``item_codes`` and the items they use, in answer-column order."""
    levels = parse_levels(definition, item_codes)
    used = used_items(levels, item_codes)
    pos = {c: k for k, c in enumerate(used)}
    member = np.zeros((len(used), len(levels)))
    for j, lv in enumerate(levels):
        member[[pos[i] for i in lv.items], j] = 1.0
    n_agg = sum(1 for lv in levels if lv.kind != "item")
    item_pos = np.array([pos[lv.items[0]] for lv in levels[n_agg:]], dtype=np.intp)
    return Shape(levels, member, n_agg, item_pos, definition.aggregation), used


def _unweighted(
    answers: npt.ArrayLike | AnswerSummary, item_codes: Sequence[str], definition: IndexDefinition, *, level: float
) -> IndexResult:
    """Every level with each row weighing 1, without SEs: from the answers summed over all rows."""
    shape, used = _shape(definition, item_codes)
    if isinstance(answers, AnswerSummary):
        if answers.items != tuple(used):
            raise IndexDefinitionError("the answer summary is of other items or another index")
        sums = unit_sums(answers, len(used))
    elif isinstance(answers, np.ndarray) and answers.dtype == np.uint8 and answers.ndim == 2:
        if answers.shape[1] != len(item_codes):
            raise IndexDefinitionError(f"answer codes must be rows × {len(item_codes)}, got {answers.shape}")
        sums = code_sums(answers, item_codes, used, shape.levels, definition, missing=255)
    else:
        return compute_index(answers, item_codes, make_design(_rows(answers)), definition, with_se=False)
    return finish(
        None, shape, sums, code=definition.code, level=level, method="logit", with_se=False, row_variance=None
    )


def _index(
    answers: npt.ArrayLike | AnswerSummary,
    item_codes: Sequence[str],
    request: _Request,
    *,
    domain: npt.ArrayLike | None = None,
    groups: IntArray | None = None,
    n_groups: int = 0,
) -> list[IndexResult]:
    """:func:`compute_index` over one domain, or (``groups``) over all rows and then each group."""
    design, definition, with_se = request.design, request.definition, request.with_se
    shape, used = _shape(definition, item_codes)
    dm: npt.NDArray[np.bool_] | None = None
    if domain is not None:
        dm = np.asarray(domain, dtype=bool)
        if dm.shape != (design.n,):
            raise IndexDefinitionError(f"domain must have {design.n} rows")
    m, n_agg = len(used), shape.n_agg
    fast_se = with_se and len(design.adjustments) <= 1
    n_buckets = 1 if groups is None else n_groups + 1
    bucket_of = None if groups is None else np.where(groups < 0, n_groups, groups)
    acc = Accumulator(design, m, n_agg, n_buckets, with_se=with_se, fast_se=fast_se)

    if isinstance(answers, AnswerSummary):
        summary = answers
        if summary.n != design.n or summary.items != tuple(used):
            raise IndexDefinitionError(f"the answer summary is of {summary.n} rows of other items or another index")
        if dm is not None or not fast_se and with_se:
            raise IndexDefinitionError("an answer summary serves estimates over segments: no domain, one adjustment")
        check_segments(summary, acc.segment_attributes(bucket_of))
        blocks: Callable[[], Iterator[Block]] = functools.partial(summary_blocks, summary)
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
        pos = {c: k for k, c in enumerate(used)}
        blocks = functools.partial(row_blocks, yu, used, definition, dm, shape.levels, n_agg, pos)
        rows_of_gram = np.arange(0, design.n, gram_step(design.n, m), dtype=np.intp)
        gram_basis = None

    for block in blocks():
        acc.add(block, None if bucket_of is None else bucket_of[block.rows])
    if with_se and n_agg:
        if gram_basis is None:
            gram_basis = row_basis(yu[rows_of_gram], definition, None if dm is None else dm[rows_of_gram])
        acc.add_gram(rows_of_gram, None if bucket_of is None else bucket_of[rows_of_gram], gram_basis)

    variance = None if fast_se else _row_variance(design, blocks, len(shape.levels))
    slots = [list(range(n_buckets))] + ([[g] for g in range(n_groups)] if groups is not None else [])
    options: dict[str, Any] = {"level": request.level, "method": request.method, "with_se": with_se}
    return [finish(design, shape, acc.slot(b), code=definition.code, row_variance=variance, **options) for b in slots]


def _row_variance(design: Design, blocks: Callable[[], Iterator[Block]], n_lv: int) -> RowVariance:
    """Level variances from row-level scores, a few levels at a time (designs with several adjustments)."""
    w = design.weights

    def variance(mat: FloatArray, cs: FloatArray, cv: FloatArray) -> tuple[FloatArray, FloatArray]:
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

    return variance


def health_indicators(
    answers: npt.ArrayLike,
    item_codes: Sequence[str],
    design: Design,
    definition: Definition,
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
    sat = np.asarray(as_definition(definition).satisfied, dtype=np.float64)
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
    return replace(e, variable=name)
