"""The index from an answer summary (segments of alike rows) equals the index from every row."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import AnswerSummary, calibrate, compute_index, compute_index_by, poststratify, rake, summarise_answers
from sampling.indices import IndexDefinitionError

from .test_index_by import DEFINITION, ITEMS, data, same


def codes_of(answers: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(answers), 255, answers).astype(np.uint8)


def segments_of(*columns: np.ndarray) -> np.ndarray:
    """One code per distinct combination of the columns."""
    return np.unique(
        np.column_stack([np.unique(c, return_inverse=True)[1] for c in columns]), axis=0, return_inverse=True
    )[1]


@pytest.mark.parametrize("adjustment", ["none", "poststratify", "rake", "calibrate"])
@pytest.mark.parametrize("chunked", [False, True])
def test_summary_equals_rows(adjustment: str, chunked: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if chunked:  # several blocks of rows and of segments, and the Gram matrix on a subsample
        monkeypatch.setattr("sampling._index_sums.ROW_CHUNK", 16)
        monkeypatch.setattr("sampling.answer_summary._GRAM_BUDGET", 50_000)
    answers, design, groups, sex, age = data()
    if adjustment == "poststratify":
        design = poststratify(design, [sex], {"0": 700.0, "1": 800.0})
    if adjustment == "rake":
        design = rake(design, [sex, age], [{"0": 700.0, "1": 800.0}, {"0": 500.0, "1": 500.0, "2": 500.0}]).design
    if adjustment == "calibrate":  # the segments' rows share calibration variables (a rows × 2 attribute)
        x = np.column_stack([np.ones(design.n), (sex == "1").astype(float)])
        design = calibrate(design, x, [1500.0, 800.0]).design
    segments = segments_of(design.psu, sex, age, groups)
    summary = summarise_answers(codes_of(answers), ITEMS, DEFINITION, segments)
    assert isinstance(summary, AnswerSummary)
    assert summary.n_segments < design.n  # segments hold several rows
    same(compute_index(summary, ITEMS, design, DEFINITION), compute_index(answers, ITEMS, design, DEFINITION))
    whole, parts = compute_index_by(summary, ITEMS, design, DEFINITION, groups, 4)
    row_whole, row_parts = compute_index_by(answers, ITEMS, design, DEFINITION, groups, 4)
    same(whole, row_whole)
    for part, row_part in zip(parts, row_parts, strict=True):
        same(part, row_part)


def test_pooled_index_and_lonely_rows() -> None:
    answers, design, groups, sex, age = data(seed=5)
    pooled = {**DEFINITION, "aggregation": "pooled"}
    answers[:40] = np.nan  # rows that answered nothing
    summary = summarise_answers(codes_of(answers), ITEMS, pooled, segments_of(design.psu, groups))
    whole, parts = compute_index_by(summary, ITEMS, design, pooled, groups, 4)
    row_whole, row_parts = compute_index_by(answers, ITEMS, design, pooled, groups, 4)
    same(whole, row_whole)
    for part, row_part in zip(parts, row_parts, strict=True):
        same(part, row_part)


def test_segments_that_mix_weights_or_domains_are_refused() -> None:
    answers, design, groups, sex, _ = data()
    mixed_domains = summarise_answers(codes_of(answers), ITEMS, DEFINITION, segments_of(design.psu, sex))
    with pytest.raises(IndexDefinitionError, match="differ in domain"):
        compute_index_by(mixed_domains, ITEMS, design, DEFINITION, groups, 4)
    one_segment = summarise_answers(codes_of(answers), ITEMS, DEFINITION, np.zeros(design.n, int))
    with pytest.raises(IndexDefinitionError, match="differ in weight"):
        compute_index(one_segment, ITEMS, design, DEFINITION)


def test_codes_outside_the_scale_are_named() -> None:
    answers, design, *_ = data()
    codes = codes_of(answers)
    codes[17, 3] = 7
    with pytest.raises(IndexDefinitionError, match="item b2: value 7 at row 17 is outside the scale 1–5"):
        summarise_answers(codes, ITEMS, DEFINITION, np.zeros(design.n, int))
