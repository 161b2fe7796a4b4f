"""Rules of the analyses modules that need no R: R's quantile rule on small cases, covariance consistency,
chunking, JSON output, and clear errors for bad input. (Agreement with R: tests/r_oracle/test_r_analyses.py
and test_r_contrasts_replicates.py.)"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sampling import DesignError, EstimationError, make_design, mean, rake
from sampling import covariance as covariance_module
from sampling.change import change_from_summaries
from sampling.contrasts import contrast, difference, domain_covariance
from sampling.covariance import taylor_covariance
from sampling.crosstab import crosstab, rao_scott
from sampling.dispersion import population_variance
from sampling.quantiles import quantile, quantiles_by, weighted_quantile
from sampling.ttest import ttest
from sampling.user_replicates import make_user_replicates, user_replicate_estimate

from .apidata import col, num


def dclus1():
    return make_design(weights=num("apiclus1", "pw"), clusters=col("apiclus1", "dnum"), fpc=num("apiclus1", "fpc"))


@pytest.mark.parametrize(
    ("x", "w", "p", "expected"),
    [
        # values from survey:::qrule_math in R 4.2 / survey 4.1.1
        ([1, 2, 3, 4], [1, 1, 1, 1], 0.0, 2),
        ([1, 2, 3, 4], [1, 1, 1, 1], 0.5, 2),
        ([1, 2, 3, 4], [1, 1, 1, 1], 0.6, 3),
        ([1, 2, 3, 4], [1, 1, 1, 1], 1.0, 4),
        ([4, 1, 3, 2], [1, 0, 2, 1], 0.25, 2),
        ([5, 1, 3], [0.1, 0.2, 0.3], 1 / 3, 3),
    ],
)
def test_weighted_quantile_follows_r_math_rule(x, w, p, expected):
    assert weighted_quantile(np.array(x, float), np.array(w, float), p) == expected


def test_quantile_rejects_bad_probabilities_and_serialises_nan_as_null():
    d = dclus1()
    with pytest.raises(EstimationError, match=r"probabilities must lie in \[0, 1\]"):
        quantile(d, num("apiclus1", "api00"), [0.5, 1.5])
    q = quantile(d, num("apiclus1", "api00"), 0.02, domain=col("apiclus1", "stype") == "H")[0]
    assert np.isnan(q.ci_low)
    assert json.loads(json.dumps(q.as_dict()))["ci_low"] is None


def test_covariance_diagonal_is_the_variance_and_chunking_changes_nothing(monkeypatch):
    d = rake(
        dclus1(),
        [col("apiclus1", "stype"), col("apiclus1", "sch.wide")],
        [{"E": 4421, "H": 755, "M": 1018}, {"No": 1072, "Yes": 5122}],
    ).design
    est = domain_covariance(d, num("apiclus1", "api00"), [col("apiclus1", "stype")])
    ses = [mean(d, num("apiclus1", "api00"), domain=col("apiclus1", "stype") == s).se for s in ("E", "H", "M")]
    np.testing.assert_allclose(est.se, ses, rtol=1e-10)
    monkeypatch.setattr(covariance_module, "_CHUNK_CELLS", 1)
    again = domain_covariance(d, num("apiclus1", "api00"), [col("apiclus1", "stype")])
    np.testing.assert_allclose(again.covariance, est.covariance, rtol=1e-10)


def test_covariance_of_a_sum_is_the_variance_of_the_sum():
    d = dclus1()
    rng = np.random.default_rng(3)
    z = rng.normal(size=(d.n, 4))
    cov = taylor_covariance(d, z)
    combo = np.array([1.0, -2.0, 0.5, 3.0])
    assert combo @ cov @ combo == pytest.approx(taylor_covariance(d, z @ combo)[0, 0], rel=1e-10)


def test_contrast_checks_its_coefficients_and_domains():
    est = domain_covariance(dclus1(), num("apiclus1", "api00"), [col("apiclus1", "stype")], by_names=["stype"])
    with pytest.raises(EstimationError, match="needs 3 coefficients"):
        contrast(est, [1, -1])
    with pytest.raises(EstimationError, match="no domain 'X'"):
        difference(est, "E", "X")
    k = contrast(est, {"E": 1, "H": -1})
    assert k.estimate == pytest.approx(est.estimates[0] - est.estimates[1])
    assert json.loads(json.dumps(k.as_dict()))["significant"] is False


def test_change_from_summaries_is_a_normal_test_without_df():
    k = change_from_summaries(0.80, 0.02, 0.75, 0.02)
    z = 0.05 / math.hypot(0.02, 0.02)
    assert k.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-7)
    assert not k.significant
    assert change_from_summaries(0.80, 0.01, 0.75, 0.01).significant
    # a positive covariance (overlapping samples) narrows the change's SE
    assert change_from_summaries(0.80, 0.02, 0.75, 0.02, covariance=0.0003).se == pytest.approx(math.sqrt(0.0002))
    with pytest.raises(EstimationError, match="must be finite"):
        change_from_summaries(0.8, float("nan"), 0.7, 0.01)


def test_tables_need_two_categories_each_way():
    d = dclus1()
    with pytest.raises(EstimationError, match="at least two categories on each side, got 1 × 2"):
        rao_scott(d, np.full(d.n, "a"), col("apiclus1", "sch.wide"))
    tab = crosstab(d, col("apiclus1", "stype"), col("apiclus1", "sch.wide"))
    assert tab.counts.sum() == pytest.approx(num("apiclus1", "pw").sum())
    assert tab.shares.sum() == pytest.approx(1.0)
    assert json.loads(json.dumps(rao_scott(d, col("apiclus1", "stype"), col("apiclus1", "sch.wide")).as_dict()))


def test_ttest_needs_exactly_two_groups():
    with pytest.raises(EstimationError, match=r"exactly two values among the answered rows, found \['E', 'H', 'M'\]"):
        ttest(dclus1(), num("apiclus1", "api00"), col("apiclus1", "stype"))


def test_population_variance_needs_two_rows():
    d = dclus1()
    only = np.zeros(d.n, dtype=bool)
    only[0] = True
    with pytest.raises(EstimationError, match="at least two rows"):
        population_variance(d, num("apiclus1", "api00"), domain=only)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "Fay"}, "need their rho"),
        ({"type": "BRR", "scale": 0.5}, "fixed scale"),
        ({"type": "JKn"}, "need their rscales"),
        ({"type": "JK1", "rscales": [1, 1, 1]}, "rscales has 3 values"),
        ({"type": "nonsense"}, "replicate type must be one of"),
    ],
)
def test_user_replicates_refuse_incomplete_specifications(kwargs, message):
    with pytest.raises(DesignError, match=message):
        make_user_replicates(np.ones(4), np.ones((4, 2)), **kwargs)


def test_user_replicates_refuse_missing_or_misshapen_weights():
    rw = np.ones((4, 2))
    rw[2, 1] = np.nan
    with pytest.raises(DesignError, match="column 2 is missing at row 2"):
        make_user_replicates(np.ones(4), rw, type="BRR")
    with pytest.raises(DesignError, match="table of 4 rows"):
        make_user_replicates(np.ones(4), np.ones((3, 2)), type="BRR")


def test_user_replicate_proportion_at_the_boundary_is_flagged():
    rep = make_user_replicates(np.ones(4), 2 * np.eye(4)[:, [0, 1, 2, 3]] + 0.5, type="JK1", scale=0.75)
    p = user_replicate_estimate(rep, np.ones(4), statistic="proportion")[0]
    assert p.boundary and p.estimate == p.ci_low == p.ci_high == 1.0


def test_quantiles_of_a_domain_without_answers_are_undefined_not_an_error():
    d = dclus1()
    y = num("apiclus1", "api00").copy()
    stype = col("apiclus1", "stype")
    y[stype == "H"] = np.nan
    by = quantiles_by(d, y, [stype], [0.5])
    high = [q for q in by if q.group == (("by0", "H"),)][0]
    assert np.isnan(high.estimate) and high.n == 0 and high.as_dict()["estimate"] is None
    assert all(np.isfinite(q.estimate) for q in by if q is not high)
