"""Weighting: errors, semantics and invariants of post-stratification, raking, calibration, trimming."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import (
    ConvergenceError,
    WeightingError,
    base_weights,
    calibrate,
    make_design,
    mean,
    nonresponse_adjust,
    poststratify,
    rake,
    trim_weights,
    weight_diagnostics,
)

from .apidata import col, num


def dclus1():
    return make_design(weights=num("apiclus1", "pw"), clusters=col("apiclus1", "dnum"), fpc=num("apiclus1", "fpc"))


def test_rake_margins_with_different_totals_is_an_error():
    with pytest.raises(WeightingError, match=r"different population totals \(stype 6194, sch.wide 6200\)"):
        rake(
            dclus1(),
            [col("apiclus1", "stype"), col("apiclus1", "sch.wide")],
            [{"E": 4421, "H": 755, "M": 1018}, {"No": 1078, "Yes": 5122}],
            names=["stype", "sch.wide"],
        )


def test_rake_empty_and_unknown_cells_are_named():
    with pytest.raises(WeightingError, match=r"population cell X .* is empty in the sample"):
        rake(dclus1(), [col("apiclus1", "stype")], [{"E": 4421, "H": 755, "M": 1000, "X": 18}], names=["stype"])
    with pytest.raises(WeightingError, match=r"sample cell stype=M is absent"):
        rake(dclus1(), [col("apiclus1", "stype")], [{"E": 4421, "H": 1773}], names=["stype"])


def test_rake_unfittable_zero_pattern_does_not_converge():
    # a = 1 only with b = 1 and a = 0 only with b = 0: margins a=(10, 90) and b=(50, 50) cannot both hold
    a = np.array([0, 0, 1, 1] * 5)
    b = np.array([0, 0, 1, 1] * 5)
    d = make_design(weights=np.ones(20))
    with pytest.raises(ConvergenceError, match="did not converge"):
        rake(d, [a, b], [{0: 10, 1: 90}, {0: 50, 1: 50}])
    res = rake(d, [a, b], [{0: 10, 1: 90}, {0: 50, 1: 50}], raise_on_failure=False)
    assert not res.converged and res.max_error > 0.1


def test_raked_weights_meet_every_margin():
    stype, sw = col("apiclus1", "stype"), col("apiclus1", "sch.wide")
    res = rake(dclus1(), [stype, sw], [{"E": 4421, "H": 755, "M": 1018}, {"No": 1072, "Yes": 5122}])
    w = res.design.weights
    assert w[stype == "H"].sum() == pytest.approx(755, rel=1e-10)
    assert w[sw == "No"].sum() == pytest.approx(1072, rel=1e-10)
    assert res.design.summary()["adjustments"] == ["raking"]


def test_poststratify_errors_and_partial():
    with pytest.raises(WeightingError, match=r"population cell X .* is empty in the sample"):
        poststratify(dclus1(), [col("apiclus1", "stype")], {"E": 4421, "H": 755, "M": 1018, "X": 3})
    d = poststratify(dclus1(), [col("apiclus1", "stype")], {"E": 4421, "H": 755, "M": 1018, "X": 3}, partial=True)
    assert d.weights.sum() == pytest.approx(6194)


def test_linear_calibration_meets_totals_and_may_go_negative():
    rng = np.random.default_rng(1)
    x = np.column_stack([np.ones(50), rng.normal(0, 1, 50)])
    d = make_design(weights=np.ones(50))
    c = calibrate(d, x, [50, 40])  # far from the sample total of x
    assert c.design.weights @ x == pytest.approx([50, 40])
    assert (c.g < 0).any()
    lg = calibrate(d, x, [50, 10], calfun="logit", bounds=(0.5, 3.0))
    assert lg.converged and lg.design.weights @ x == pytest.approx([50, 10], rel=1e-6)
    assert lg.g.min() >= 0.5 - 1e-12 and lg.g.max() <= 3.0 + 1e-12
    with pytest.raises(ConvergenceError):
        calibrate(d, x, [50, 200], calfun="logit", bounds=(0.9, 1.1))


def test_trim_semantics_match_trimweights():
    w = np.array([1.0, 2.0, 3.0, 10.0, 20.0])
    d = make_design(weights=w)
    t = trim_weights(d, upper=8.0)
    # 14 trimmed, shared equally by the 3 untrimmed units: one pass leaves 3 + 14/3 = 7.67 <= 8
    assert t.weights == pytest.approx([1 + 14 / 3, 2 + 14 / 3, 3 + 14 / 3, 8, 8])
    assert t.weights.sum() == pytest.approx(w.sum())
    loose = trim_weights(d, lower=2.5, upper=8.0)
    strict = trim_weights(d, lower=2.5, upper=8.0, strict=True)
    assert strict.weights.sum() == pytest.approx(w.sum())
    assert ((strict.weights >= 2.5 - 1e-12) & (strict.weights <= 8 + 1e-12)).all()
    assert not np.allclose(loose.weights, strict.weights)


def test_base_and_nonresponse_weights():
    assert base_weights([0.5, 0.25, 1.0]) == pytest.approx([2, 4, 1])
    with pytest.raises(WeightingError, match="row 1 has 0.0"):
        base_weights([0.5, 0.0])
    w = nonresponse_adjust([2, 2, 4, 4], [True, False, True, True], [["a", "a", "b", "b"]])
    assert w == pytest.approx([4, 0, 4, 4])
    with pytest.raises(WeightingError, match=r"cell by0=b has no respondent"):
        nonresponse_adjust([2, 2, 4, 4], [True, False, False, False], [["a", "a", "b", "b"]])


def test_weight_diagnostics_kish():
    diag = weight_diagnostics([1.0, 1.0, 2.0, 4.0])
    assert diag.kish_deff == pytest.approx(4 * 22 / 64)
    assert diag.n_eff == pytest.approx(64 / 22)
    assert diag.max_min_ratio == 4


def test_raked_domain_mean_keeps_design():
    stype, sw = col("apiclus1", "stype"), col("apiclus1", "sch.wide")
    res = rake(dclus1(), [stype, sw], [{"E": 4421, "H": 755, "M": 1018}, {"No": 1072, "Yes": 5122}])
    e = mean(res.design, num("apiclus1", "api00"), domain=stype == "E")
    assert 0 < e.se < 40 and e.df == 14
