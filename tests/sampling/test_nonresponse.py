"""Weighting-class non-response factors: ineligible cases drop out, unknown eligibility counts as eligible."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import WeightingError, nonresponse_adjust, nonresponse_factors


def test_factors_per_cell_drop_ineligible_cases_and_keep_the_eligible_total() -> None:
    w = np.array([2.0, 2.0, 2.0, 4.0, 4.0, 4.0, 4.0])
    responded = np.array([True, False, False, True, True, False, False])
    eligible = np.array([True, True, False, True, True, True, False])
    cells = [np.array(["a", "a", "a", "b", "b", "b", "b"])]
    found = nonresponse_factors(w, responded, cells, eligible=eligible)
    # a: eligible 2 + 2 (the never-reached case counts), respondents 2 → 2; b: eligible 12, respondents 8 → 1.5
    assert found.factor == pytest.approx([2.0, 1.5])
    assert (found.sampled.tolist(), found.eligible.tolist(), found.respondents.tolist()) == ([3, 4], [2, 3], [1, 2])
    adjusted = nonresponse_adjust(w, responded, cells, eligible=eligible)
    assert adjusted == pytest.approx([4.0, 0, 0, 6.0, 6.0, 0, 0])
    assert adjusted.sum() == pytest.approx(w[eligible].sum())
    # without eligibility every case is eligible: the respondents carry the whole cell
    assert nonresponse_factors(w, responded, cells).factor == pytest.approx([3.0, 2.0])


def test_a_cell_without_respondents_has_no_factor_and_contradictions_are_errors() -> None:
    found = nonresponse_factors([1.0, 1.0, 2.0], [True, False, False], [["a", "a", "b"]])
    assert found.factor[0] == 2.0 and np.isnan(found.factor[1])
    with pytest.raises(WeightingError, match="cell by0=b has no respondent"):
        nonresponse_adjust([1.0, 1.0, 2.0], [True, False, False], [["a", "a", "b"]])
    with pytest.raises(WeightingError, match="case 0 responded but is marked not eligible"):
        nonresponse_factors([1.0, 1.0], [True, False], eligible=[False, True])
    with pytest.raises(WeightingError, match="one value per case"):
        nonresponse_factors([1.0, 1.0], [True])
