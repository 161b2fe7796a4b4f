"""Official indices: aggregation rules, SEs of linear combinations, health indicators."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import calibrate, compute_index, health_indicators, make_design, mean, poststratify, proportion, rake
from sampling.indices import IndexDefinitionError

ITEMS = ["a1", "a2", "a3", "b1"]
DEFN = {
    "satisfied": [4, 5],
    "scale": [1, 5],
    "aggregation": "item_mean",
    "elements": [{"code": "A", "label": "A", "items": ["a1", "a2", "a3"]}, {"code": "B", "items": ["b1"]}],
    "groups": [{"code": "G1", "elements": ["A"]}, {"code": "G2", "elements": ["B"]}],
    "overall": {"code": "IDX", "label": "index", "groups": ["G1", "G2"]},
}


def data(n: int = 600, seed: int = 3):
    rng = np.random.default_rng(seed)
    y = rng.integers(1, 6, size=(n, 4)).astype(float)
    y[rng.random((n, 4)) < 0.1] = np.nan
    psu = rng.integers(0, 30, n)
    d = make_design(weights=rng.uniform(1, 4, n), strata=psu % 3, clusters=psu)
    return y, d


def test_item_mean_pools_items_so_bigger_groups_weigh_more():
    y, d = data()
    res = compute_index(y, ITEMS, d, DEFN)
    items = [res.level(c).satisfied.estimate for c in ITEMS]
    assert res.level("A").satisfied.estimate == pytest.approx(np.mean(items[:3]))
    assert res.level("G2").satisfied.estimate == pytest.approx(items[3])
    # overall = mean over all 4 items, not the mean of the two groups
    assert res.level("IDX").satisfied.estimate == pytest.approx(np.mean(items))
    assert res.level("IDX").satisfied.estimate != pytest.approx((res.level("G1").satisfied.estimate + items[3]) / 2)
    assert [lv.kind for lv in res.levels] == ["overall", "group", "group", "element", "element"] + ["item"] * 4


def test_item_level_equals_the_proportion_estimator():
    y, d = data()
    res = compute_index(y, ITEMS, d, DEFN)
    for j, code in enumerate(ITEMS):
        e = proportion(d, y[:, j], satisfied=[4, 5])
        lv = res.level(code)
        assert (lv.satisfied.estimate, lv.satisfied.se, lv.satisfied.ci_low) == pytest.approx(
            (e.estimate, e.se, e.ci_low), rel=1e-12
        )
        m = mean(d, y[:, j])
        assert (lv.mean_score.estimate, lv.mean_score.se) == pytest.approx((m.estimate, m.se), rel=1e-12)
        assert lv.satisfied.deff == pytest.approx(e.deff, rel=1e-9)


def test_item_mean_se_is_se_of_the_constructed_variable_without_missing():
    # without missing answers, mean of item proportions = mean of the per-row share satisfied
    y, d = data()
    y = np.nan_to_num(y, nan=3.0)
    res = compute_index(y, ITEMS, d, DEFN)
    share = np.isin(y[:, :3], [4, 5]).mean(axis=1)
    e = mean(d, share)
    lv = res.level("A").satisfied
    assert (lv.estimate, lv.se) == pytest.approx((e.estimate, e.se), rel=1e-10)


def test_pooled_is_answers_over_answers():
    y, d = data()
    res = compute_index(y, ITEMS, d, {**DEFN, "aggregation": "pooled"})
    w = d.weights
    ans = ~np.isnan(y[:, :3])
    sat = np.isin(y[:, :3], [4, 5])
    assert res.level("A").satisfied.estimate == pytest.approx((w @ sat).sum() / (w @ ans).sum())
    assert res.level("A").n_answers == int(ans.sum())


def test_sipas_published_aggregation():
    # 2024: 23 policy items at 83.84 % and 16 service items at 84.09 % give SIPAS 83.94 (items pooled)
    items = [f"I.{k}" for k in range(23)] + [f"II.{k}" for k in range(16)]
    n = 10_000
    y = np.full((n, 39), 2.0)
    y[:8384, :23] = 5.0
    y[:8409, 23:] = 4.0
    defn = {
        "satisfied": [4, 5],
        "aggregation": "item_mean",
        "elements": [{"code": "EI", "items": items[:23]}, {"code": "EII", "items": items[23:]}],
        "groups": [{"code": "I", "elements": ["EI"]}, {"code": "II", "elements": ["EII"]}],
        "overall": {"code": "SIPAS", "groups": ["I", "II"]},
    }
    res = compute_index(y, items, make_design(weights=np.ones(n)), defn, with_se=False)
    assert res.level("I").satisfied.estimate == pytest.approx(0.8384)
    assert res.level("II").satisfied.estimate == pytest.approx(0.8409)
    assert round(100 * res.level("SIPAS").satisfied.estimate, 2) == 83.94
    assert res.level("SIPAS").n_answers == n * 39


def test_definition_errors():
    y, d = data()
    with pytest.raises(IndexDefinitionError, match="element A: item zz is not among the answer columns"):
        compute_index(y, ITEMS, d, {**DEFN, "elements": [{"code": "A", "items": ["zz"]}]})
    bad = y.copy()
    bad[5, 1] = 7
    with pytest.raises(IndexDefinitionError, match=r"item a2: value 7 at row 5 is outside the scale 1–5"):
        compute_index(bad, ITEMS, d, DEFN)


def test_health_indicators():
    y = np.array([[5, 4, np.nan], [5, 3, 4], [np.nan, np.nan, np.nan], [4, 4, 4]], dtype=float)
    d = make_design(weights=[1, 1, 1, 2])
    defn = {"satisfied": [4, 5], "elements": [{"code": "E", "items": ["x", "y", "z"]}]}
    h = health_indicators(y, ["x", "y", "z"], d, defn, expectation=[80, 90, np.nan, 60], return_intention=[5, 6, 2, 4])
    assert h.comprehensive_satisfaction.estimate == pytest.approx(3 / 4)  # rows 1 and 4 (weight 2) of 3 answering
    assert h.expectation_met is not None and h.expectation_met.estimate == pytest.approx((80 + 90 + 120) / 4)
    assert h.return_intention is not None and h.return_intention.estimate == pytest.approx(3 / 4)


def test_point_estimates_on_a_large_matrix():
    rng = np.random.default_rng(0)
    n, m = 100_000, 40
    y = rng.integers(1, 6, size=(n, m)).astype(float)
    codes = [f"i{j}" for j in range(m)]
    defn = {
        "satisfied": [4, 5],
        "elements": [{"code": f"E{k}", "items": codes[4 * k : 4 * k + 4]} for k in range(10)],
        "groups": [{"code": "G", "elements": [f"E{k}" for k in range(10)]}],
        "overall": {"code": "O", "groups": ["G"]},
    }
    d = make_design(weights=rng.uniform(1, 2, n))
    res = compute_index(y, codes, d, defn, with_se=False)
    assert res.level("O").satisfied.estimate == pytest.approx(0.4, abs=0.01)


def _adjusted_designs():
    y, d = data()
    rng = np.random.default_rng(9)
    region = rng.integers(0, 3, d.n)
    sex = rng.integers(0, 2, d.n)
    x = np.column_stack([np.ones(d.n), sex, rng.normal(size=d.n)])
    total = float(d.weights.sum())
    raked = rake(d, [region, sex], [{0: 0.3 * total, 1: 0.3 * total, 2: 0.4 * total}, {0: total / 2, 1: total / 2}])
    post = poststratify(d, [region], {0: 100.0, 1: 200.0, 2: 300.0})
    cal = calibrate(d, x, [total, 0.45 * total, 0.0])
    twice = calibrate(raked.design, x, [total, 0.5 * total, 0.0])  # two adjustments: row-level path
    two_stage = make_design(
        clusters=[d.psu, np.arange(d.n) % 7], fpc=[np.full(d.n, 60.0), np.full(d.n, 400.0)], strata=d.strata
    )
    return y, {"raked": raked.design, "post": post, "cal": cal.design, "twice": twice.design, "2stage": two_stage}


@pytest.mark.parametrize("name", ["raked", "post", "cal", "twice", "2stage"])
def test_index_ses_under_weighting_adjustments(name):
    y, designs = _adjusted_designs()
    d = designs[name]
    res = compute_index(y, ITEMS, d, DEFN)
    for j, code in enumerate(ITEMS):
        e = proportion(d, y[:, j], satisfied=[4, 5])
        lv = res.level(code).satisfied
        assert (lv.estimate, lv.se) == pytest.approx((e.estimate, e.se), rel=1e-9)
    full = np.nan_to_num(y, nan=3.0)
    res = compute_index(full, ITEMS, d, DEFN)
    share = mean(d, np.isin(full[:, :3], [4, 5]).mean(axis=1))
    lv = res.level("A").satisfied
    assert (lv.estimate, lv.se) == pytest.approx((share.estimate, share.se), rel=1e-9)
