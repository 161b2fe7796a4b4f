"""``compute_index_by`` (one pass for every domain) equals ``compute_index`` run domain by domain."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sampling import Design, calibrate, compute_index, compute_index_by, make_design, poststratify, rake
from sampling.indices import IndexResult

ITEMS = ["a1", "a2", "b1", "b2", "b3"]
DEFINITION: dict[str, Any] = {
    "satisfied": [4, 5],
    "scale": [1, 5],
    "aggregation": "item_mean",
    "elements": [{"code": "A", "items": ["a1", "a2"]}, {"code": "B", "items": ["b1", "b2", "b3"]}],
    "groups": [{"code": "G1", "elements": ["A"]}, {"code": "G2", "elements": ["B"]}],
    "overall": {"code": "ALL", "groups": ["G1", "G2"]},
}


def data(n: int = 600, seed: int = 3) -> tuple[np.ndarray, Design, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 40, n)
    strata = psu // 10
    design = make_design(
        n, weights=rng.uniform(1, 9, 4)[strata], strata=strata, clusters=psu, fpc=np.full(n, 60.0), nest=True
    )
    answers = rng.integers(1, 6, (n, len(ITEMS))).astype(float)
    answers[rng.random(answers.shape) < 0.15] = np.nan
    groups = rng.integers(-1, 4, n)
    groups[psu == 7] = 2  # a domain that fills a PSU
    sex = rng.integers(0, 2, n).astype(str)
    age = rng.integers(0, 3, n).astype(str)
    return answers, design, groups, sex, age


def same(a: IndexResult, b: IndexResult) -> None:
    for x, y in zip(a.levels, b.levels, strict=True):
        assert (x.code, x.n_answers, x.n_respondents) == (y.code, y.n_answers, y.n_respondents)
        for e, f in ((x.satisfied, y.satisfied), (x.mean_score, y.mean_score)):
            assert e.df == f.df
            for u, v in ((e.estimate, f.estimate), (e.se, f.se), (e.ci_low, f.ci_low), (e.ci_high, f.ci_high)):
                assert u == pytest.approx(v, rel=1e-10, abs=1e-13) or (math.isnan(u) and math.isnan(v))
        assert (x.deff is None) == (y.deff is None)
        if x.deff is not None and y.deff is not None:
            assert x.deff == pytest.approx(y.deff, rel=1e-10)


@pytest.mark.parametrize("adjustment", ["none", "poststratify", "rake", "calibrate", "two"])
@pytest.mark.parametrize("chunked", [False, True])
def test_one_pass_equals_domain_by_domain(adjustment: str, chunked: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if chunked:  # several row chunks, and the design-effect Gram matrix on a subsample
        monkeypatch.setattr("sampling._index_sums.ROW_CHUNK", 128)
        monkeypatch.setattr("sampling.answer_summary._GRAM_BUDGET", 50_000)
    answers, design, groups, sex, age = data()
    if adjustment in ("poststratify", "two"):
        design = poststratify(design, [sex], {"0": 700.0, "1": 800.0})
    if adjustment in ("rake", "two"):
        design = rake(design, [sex, age], [{"0": 700.0, "1": 800.0}, {"0": 500.0, "1": 500.0, "2": 500.0}]).design
    if adjustment == "calibrate":
        x = np.column_stack([np.ones(design.n), (sex == "1").astype(float)])
        design = calibrate(design, x, [1500.0, 800.0]).design
    whole, parts = compute_index_by(answers, ITEMS, design, DEFINITION, groups, 4)
    same(whole, compute_index(answers, ITEMS, design, DEFINITION))
    assert len(parts) == 4
    for g, part in enumerate(parts):
        same(part, compute_index(answers, ITEMS, design, DEFINITION, domain=groups == g))
