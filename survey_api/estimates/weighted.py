"""Index levels with design-based standard errors and CIs (``sampling.compute_index``) from packed answers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from sampling import (
    AnswerSummary,
    Design,
    IndexLevel,
    IndexResult,
    SegmentMismatch,
    compute_index,
    compute_index_by,
    summarise_answers,
)
from survey_api.db.models.responses import MISSING_SCORE
from survey_api.estimates.repository import DesignRows
from survey_api.estimates.schemas import LevelOut
from survey_api.estimates.segments import segment_codes
from survey_api.instruments.document import IndexDefinition, InstrumentDocument, Text

# An index without groups gets one synthetic group holding all its elements (sampling's definitions pool
# the overall index over groups); it is not reported.
_ALL = "\x00all"

Levels = tuple[LevelOut, list[LevelOut], list[LevelOut], list[LevelOut]]
T = TypeVar("T")


def sampling_definition(index: IndexDefinition) -> dict[str, Any]:
    """The instrument's index definition in the plain form ``sampling.compute_index`` reads."""
    if index.groups:
        groups = [{"code": g.code, "elements": list(g.elements)} for g in index.groups]
        overall = list(index.overall.groups)
    else:
        groups = [{"code": _ALL, "elements": list(index.overall.elements)}]
        overall = [_ALL]
    return {
        "satisfied": list(index.satisfied),
        "scale": [1, 5],
        "aggregation": index.aggregation,
        "elements": [{"code": e.code, "items": list(e.items)} for e in index.elements],
        "groups": groups,
        "overall": {"code": index.overall.code, "groups": overall},
    }


def index_answers(scores: NDArray[np.uint8], score_items: Sequence[str], index: IndexDefinition) -> NDArray[np.float64]:
    """Rows × index items as floats, NaN where unanswered, in the order of the index's elements."""
    position = {code: i for i, code in enumerate(score_items)}
    columns = [position[code] for e in index.elements for code in e.items]
    # Per block of rows: one column gather on the bytes, one cast to float, MISSING_SCORE set to NaN (cheaper
    # than a gather of every byte through a 256-entry float table).
    answers = np.empty((scores.shape[0], len(columns)))
    for start in range(0, scores.shape[0], 65_536):
        block = np.take(scores[start : start + 65_536], columns, axis=1)
        out = answers[start : start + 65_536]
        out[...] = block
        np.copyto(out, np.nan, where=block == MISSING_SCORE)
    return answers


def weighted_levels(
    rows: DesignRows,
    score_items: Sequence[str],
    design: Design,
    document: InstrumentDocument,
    *,
    min_answers: int,
    summary: AnswerSummary | None = None,
) -> Levels:
    """Overall, groups, elements and items with SEs, CIs, design effects and flags.

    With ``summary`` (:func:`index_summary` of the rows) the estimate takes one pass over its segments.
    """
    index = document.index
    codes = [code for e in index.elements for code in e.items]
    definition = sampling_definition(index)
    result = _from_segments_or_rows(
        lambda answers: compute_index(answers, codes, design, definition), rows, score_items, index, summary
    )
    return _levels_of(result, document, min_answers)


def weighted_levels_by(
    rows: DesignRows,
    score_items: Sequence[str],
    design: Design,
    document: InstrumentDocument,
    groups: NDArray[np.int32],
    n_groups: int,
    *,
    min_answers: int,
    summary: AnswerSummary | None = None,
) -> tuple[Levels, list[Levels]]:
    """:func:`weighted_levels` over all responses and in each domain ``groups == g``, in one pass."""
    index = document.index
    codes = [code for e in index.elements for code in e.items]
    definition = sampling_definition(index)
    whole, parts = _from_segments_or_rows(
        lambda answers: compute_index_by(answers, codes, design, definition, groups, n_groups),
        rows,
        score_items,
        index,
        summary,
    )
    return _levels_of(whole, document, min_answers), [_levels_of(p, document, min_answers) for p in parts]


def _from_segments_or_rows(
    compute: Callable[[AnswerSummary | NDArray[np.float64]], T],
    rows: DesignRows,
    score_items: Sequence[str],
    index: IndexDefinition,
    summary: AnswerSummary | None,
) -> T:
    """``compute`` on the answers summed per segment of alike responses, or on every row when there is no
    summary or its segments turn out to mix weights (a rare hash collision, or weights set per response)."""
    if summary is not None:
        try:
            return compute(summary)
        except SegmentMismatch:
            pass
    return compute(index_answers(rows.scores, score_items, index))


def index_summary(
    rows: DesignRows, score_items: Sequence[str], index: IndexDefinition, groups: NDArray[np.int32] | None
) -> AnswerSummary | None:
    """The index's answers summed per segment of alike responses (with the same ``groups``, if any); None
    when segments would be single rows."""
    segments = segment_codes(rows, groups)
    if segments is None:
        return None
    position = {code: i for i, code in enumerate(score_items)}
    columns = [position[code] for e in index.elements for code in e.items]
    codes = [code for e in index.elements for code in e.items]
    answers = np.take(rows.scores, columns, axis=1)
    return summarise_answers(answers, codes, sampling_definition(index), segments, missing=MISSING_SCORE)


def _levels_of(result: IndexResult, document: InstrumentDocument, min_answers: int) -> Levels:
    index = document.index
    codes = [code for e in index.elements for code in e.items]
    found = {(lv.kind, lv.code): lv for lv in result.levels}
    items = document.items_by_code()

    def out(kind: str, code: str, label: Text) -> LevelOut:
        return level_out(found[(kind, code)], label, min_answers)

    return (
        out("overall", index.overall.code, index.overall.label),
        [out("group", g.code, g.label) for g in index.groups],
        [out("element", e.code, e.label) for e in index.elements],
        [out("item", code, items[code].text) for code in codes],
    )


def empty_levels(document: InstrumentDocument, min_answers: int) -> Levels:
    """Every level of an index with no answers (flagged ``few_answers`` when a minimum applies)."""
    index = document.index
    items = document.items_by_code()
    flags = ["few_answers"] if min_answers > 0 else []

    def out(code: str, label: Text) -> LevelOut:
        return LevelOut(
            code=code,
            label=label.vi,
            label_en=label.en,
            satisfied=None,
            mean=None,
            n=0,
            respondents=0,
            satisfied_se=None,
            satisfied_ci=None,
            mean_se=None,
            mean_ci=None,
            deff=None,
            n_eff=None,
            flags=list(flags),
        )

    return (
        out(index.overall.code, index.overall.label),
        [out(g.code, g.label) for g in index.groups],
        [out(e.code, e.label) for e in index.elements],
        [out(code, items[code].text) for e in index.elements for code in e.items],
    )


def level_out(level: IndexLevel, label: Text, min_answers: int) -> LevelOut:
    """One level as the API shows it; undefined numbers (no answers) are null."""
    share, score = level.satisfied, level.mean_score
    answered = level.n_respondents > 0 and math.isfinite(share.estimate)
    flags = []
    if level.n_respondents < min_answers:
        flags.append("few_answers")
    if answered and share.boundary:
        flags.append("boundary")
    return LevelOut(
        code=level.code,
        label=label.vi,
        label_en=label.en,
        satisfied=_share(share.estimate),
        mean=_clean(score.estimate),
        n=level.n_answers,
        respondents=level.n_respondents,
        satisfied_se=_clean(share.se) if answered else None,
        satisfied_ci=[_share(share.ci_low), _share(share.ci_high)] if answered else None,
        mean_se=_clean(score.se) if answered else None,
        mean_ci=[_clean(score.ci_low), _clean(score.ci_high)] if answered else None,
        deff=_clean(level.deff),
        n_eff=_clean(level.n_eff) if answered else None,
        flags=flags,
    )


def _share(value: float) -> float | None:
    """A share, without the rounding error that puts 100% at 1.0000000000000002."""
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else None


def _clean(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)
