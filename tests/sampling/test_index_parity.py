"""The unweighted index (no design) equals the weighted one with unit weights, whatever form the answers take."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import IndexDefinition, IndexResult, compute_index, make_design, summarise_answers

ITEMS = ["a1", "a2", "b1", "b2", "b3", "c1"]


def definition(aggregation: str, groups: bool) -> IndexDefinition:
    plain = {
        "satisfied": [4, 5],
        "scale": [1, 5],
        "aggregation": aggregation,
        "elements": [
            {"code": "A", "items": ["a1", "a2"]},
            {"code": "B", "items": ["b1", "b2", "b3"]},
            {"code": "C", "items": ["c1"]},
        ],
        "groups": [{"code": "G1", "elements": ["A", "B"]}, {"code": "G2", "elements": ["C"]}] if groups else [],
        "overall": {"code": "IDX", **({"groups": ["G1", "G2"]} if groups else {"elements": ["A", "B", "C"]})},
    }
    return IndexDefinition.from_mapping(plain)


def codes(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = rng.integers(1, 6, size=(rows, len(ITEMS)), dtype=np.uint8)
    out[rng.random(out.shape) < 0.2] = 255
    out[:, ITEMS.index("b3")] = 255  # an item nobody answered
    return out


def numbers(result: IndexResult) -> tuple[list[str], list[float]]:
    """Each level's name, and its % satisfied, mean score, answers and respondents in one list."""
    names = [f"{lv.kind} {lv.code}" for lv in result.levels]
    values = [
        float(v)
        for lv in result.levels
        for v in (lv.satisfied.estimate, lv.mean_score.estimate, lv.n_answers, lv.n_respondents)
    ]
    return names, values


@pytest.mark.parametrize("aggregation", ["item_mean", "pooled"])
@pytest.mark.parametrize("groups", [True, False])
def test_unweighted_equals_weighted_with_unit_weights(aggregation: str, groups: bool) -> None:
    index = definition(aggregation, groups)
    answer_codes = codes(500, seed=3)
    floats = np.where(answer_codes == 255, np.nan, answer_codes.astype(np.float64))
    unweighted = compute_index(answer_codes, ITEMS, None, index)
    weighted = compute_index(floats, ITEMS, make_design(500), index)
    from_floats = compute_index(floats, ITEMS, None, index)
    summary = summarise_answers(answer_codes, ITEMS, index, np.arange(500) % 7)
    from_summary = compute_index(summary, ITEMS, None, index)
    names, expected = numbers(weighted)
    for result in (unweighted, from_floats, from_summary):
        assert numbers(result)[0] == names
        assert numbers(result)[1] == pytest.approx(expected, rel=1e-12, nan_ok=True)
    assert [lv.kind for lv in unweighted.levels].count("group") == (2 if groups else 0)
    overall = unweighted.level("IDX")
    assert np.isfinite(overall.satisfied.estimate)  # the unanswered item b3 leaves the index defined
    assert np.isnan(overall.satisfied.se) and not np.isnan(weighted.level("IDX").satisfied.se)


def test_item_mean_averages_the_items_that_have_answers() -> None:
    answer_codes = np.array([[5, 1, 255, 255, 255, 4], [4, 255, 2, 255, 255, 255]], dtype=np.uint8)
    result = compute_index(answer_codes, ITEMS, None, definition("item_mean", True))
    # a1: 2/2 satisfied, a2: 0/1, b1: 0/1, c1: 1/1; b2 and b3 have no answers.
    assert result.level("A").satisfied.estimate == pytest.approx(0.5)
    assert result.level("G1").satisfied.estimate == pytest.approx(1 / 3)
    assert result.level("IDX").satisfied.estimate == pytest.approx(0.5)
    assert result.level("IDX").n_answers == 5 and result.level("IDX").n_respondents == 2
    assert np.isnan(result.level("b2").satisfied.estimate)


def test_codes_off_the_scale_are_refused() -> None:
    answer_codes = codes(20, seed=1)
    answer_codes[4, 2] = 7
    with pytest.raises(ValueError, match="item b1: value 7 is outside the scale 1–5"):
        compute_index(answer_codes, ITEMS, None, definition("pooled", True))
