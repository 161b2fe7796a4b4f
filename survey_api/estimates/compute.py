"""Every level of an index from packed answers, through the one entry point ``sampling.compute_index``:
unweighted (each response weighs 1, no SEs) or with a weighted design (SEs, CIs, design effects, flags)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from sampling import (
    AnswerSummary,
    Design,
    IndexDefinition,
    IndexResult,
    SegmentMismatch,
    compute_index,
    compute_index_by,
    extend_summary,
    summarise_answers,
)
from survey_api.db.models.responses import MISSING_SCORE
from survey_api.estimates.definition import Levels, index_definition, levels_out
from survey_api.estimates.repository import DesignRows
from survey_api.estimates.segments import code_levels, segment_codes
from survey_api.instruments.document import InstrumentDocument

T = TypeVar("T")


def unweighted_levels(scores: NDArray[np.uint8], score_items: Sequence[str], document: InstrumentDocument) -> Levels:
    """Share satisfied, mean score and number of answers at every level, each response weighing 1."""
    result = compute_index(scores, score_items, None, index_definition(document))
    return levels_out(result, document, min_answers=0, weighted=False)


def weighted_result(
    rows: DesignRows,
    score_items: Sequence[str],
    design: Design,
    document: InstrumentDocument,
    *,
    summary: AnswerSummary | None = None,
) -> IndexResult:
    """Overall, groups, elements and items with SEs, CIs and design effects, as ``sampling`` gives them.

    With ``summary`` (:func:`index_summary` of the rows) the estimate takes one pass over its segments.
    """
    definition = index_definition(document)
    return _from_segments_or_rows(
        lambda answers: compute_index(answers, definition.items, design, definition),
        rows,
        score_items,
        definition.items,
        summary,
    )


def weighted_results_by(
    rows: DesignRows,
    score_items: Sequence[str],
    design: Design,
    document: InstrumentDocument,
    groups: NDArray[np.int32],
    n_groups: int,
    *,
    summary: AnswerSummary | None = None,
) -> tuple[IndexResult, list[IndexResult]]:
    """:func:`weighted_result` over all responses and in each domain ``groups == g``, in one pass."""
    definition = index_definition(document)
    return _from_segments_or_rows(
        lambda answers: compute_index_by(answers, definition.items, design, definition, groups, n_groups),
        rows,
        score_items,
        definition.items,
        summary,
    )


def by_levels(
    whole: IndexResult, parts: Sequence[IndexResult], document: InstrumentDocument, *, min_answers: int
) -> tuple[Levels, list[Levels]]:
    """The levels of :func:`weighted_results_by`'s results, flagged for ``min_answers``."""
    return (
        levels_out(whole, document, min_answers=min_answers, weighted=True),
        [levels_out(part, document, min_answers=min_answers, weighted=True) for part in parts],
    )


def _from_segments_or_rows(
    compute: Callable[[AnswerSummary | NDArray[np.float64]], T],
    rows: DesignRows,
    score_items: Sequence[str],
    items: Sequence[str],
    summary: AnswerSummary | None,
) -> T:
    """``compute`` on the answers summed per segment of alike responses, or on every row when there is no
    summary or its segments turn out to mix weights (a rare hash collision, or weights set per response)."""
    if summary is not None:
        try:
            return compute(summary)
        except SegmentMismatch:
            pass
    return compute(index_answers(rows.scores, score_items, items))


def index_answers(scores: NDArray[np.uint8], score_items: Sequence[str], items: Sequence[str]) -> NDArray[np.float64]:
    """Rows × ``items`` as floats, NaN where unanswered."""
    position = {code: i for i, code in enumerate(score_items)}
    columns = [position[code] for code in items]
    # Per block of rows: one column gather on the bytes, one cast to float, MISSING_SCORE set to NaN (cheaper
    # than a gather of every byte through a 256-entry float table).
    answers = np.empty((scores.shape[0], len(columns)))
    for start in range(0, scores.shape[0], 65_536):
        block = np.take(scores[start : start + 65_536], columns, axis=1)
        out = answers[start : start + 65_536]
        out[...] = block
        np.copyto(out, np.nan, where=block == MISSING_SCORE)
    return answers


@dataclass(frozen=True)
class Summary:
    """The index's answers summed per segment of alike responses (None: segments would be single rows), and
    what the rows' segment codes were made with (:func:`segments.code_levels`)."""

    answers: AnswerSummary | None
    levels: tuple[tuple[str, ...], ...]


def index_summary(
    rows: DesignRows,
    score_items: Sequence[str],
    definition: IndexDefinition,
    groups: NDArray[np.int32] | None,
    group_names: Sequence[str] | None = None,
) -> Summary:
    """The index's answers summed per segment of alike responses (with the same ``groups``, named
    ``group_names``, if any)."""
    levels = code_levels(rows, group_names)
    segments = segment_codes(rows, groups)
    if segments is None:
        return Summary(None, levels)
    position = {code: i for i, code in enumerate(score_items)}
    answers = np.take(rows.scores, [position[code] for code in definition.items], axis=1)
    return Summary(summarise_answers(answers, definition.items, definition, segments, missing=MISSING_SCORE), levels)


def grown_summary(
    earlier: Summary,
    moved: NDArray[np.intp],
    rows: DesignRows,
    score_items: Sequence[str],
    definition: IndexDefinition,
    groups: NDArray[np.int32] | None,
    group_names: Sequence[str] | None = None,
) -> Summary:
    """:func:`index_summary` of ``rows``, given the summary of the rows now at ``moved`` (``earlier``;
    ascending, as ``increments.merge`` gives them): only the other rows' answers are read
    (``sampling.extend_summary``), with the same result. When rows were only appended and the codes of the
    text columns and groups stand for what they stood for, only the new rows' segment codes are computed."""
    summarised = earlier.answers
    if summarised is None:
        return index_summary(rows, score_items, definition, groups, group_names)
    levels = code_levels(rows, group_names)
    appended = len(moved) == 0 or int(moved[-1]) == len(moved) - 1
    if appended and levels == earlier.levels:
        added = segment_codes(rows, groups, start=summarised.n)
        segments = None if added is None else np.concatenate([summarised.segments, added])
    else:
        segments = segment_codes(rows, groups)
    if segments is None:
        return Summary(None, levels)
    # Every stored answer byte: only the new rows' (and a subsample's) are read.
    grown = extend_summary(summarised, rows.scores, score_items, definition, segments, moved, missing=MISSING_SCORE)
    return Summary(grown, levels)
