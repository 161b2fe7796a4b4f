"""Design validation: errors say what is wrong and where."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import DesignError, make_design, mean, proportion, taylor_variance, total


def test_clusters_not_nested_in_strata_names_the_psu():
    with pytest.raises(DesignError, match=r"clusters not nested in strata: PSU 7 is in strata (a and b|b and a)"):
        make_design(strata=["a", "a", "b", "b"], clusters=[7, 8, 7, 9])
    d = make_design(strata=["a", "a", "b", "b"], clusters=[7, 8, 7, 9], nest=True)
    assert d.n_psu == 4


def test_fpc_must_be_constant_within_stratum():
    with pytest.raises(DesignError, match=r"fpc\[0\] is not constant within stratum b"):
        make_design(strata=["a", "a", "b", "b"], fpc=[10, 10, 20, 21])


def test_sampling_fraction_over_one():
    with pytest.raises(DesignError, match=r"sampling fraction over 1 in stratum b \(2 units sampled, population 1\)"):
        make_design(strata=["a", "a", "b", "b"], fpc=[10, 10, 1, 1], weights=[1, 1, 1, 1])


def test_bad_weights():
    with pytest.raises(DesignError, match=r"negative weight -1.0 at row 2"):
        make_design(weights=[1, 2, -1])
    with pytest.raises(DesignError, match=r"missing or infinite weight at row 1"):
        make_design(weights=[1, np.nan, 1])
    with pytest.raises(DesignError, match=r"strata: missing value at row 1"):
        make_design(weights=[1, 1, 1], strata=[1.0, np.nan, 2.0])
    with pytest.raises(DesignError, match="different lengths"):
        make_design(weights=[1, 1, 1], strata=[1, 2])


def test_lonely_psu_fails_by_default_naming_the_stratum():
    d = make_design(weights=[1, 1, 1, 1, 1], strata=["x", "x", "y", "z", "z"], clusters=[1, 2, 3, 4, 5])
    with pytest.raises(DesignError, match=r"stratum y has only one PSU"):
        mean(d, [1.0, 2.0, 3.0, 4.0, 5.0])
    # a certainty stratum (whole population sampled) is not lonely
    d = make_design(strata=["x", "x", "y"], fpc=[10, 10, 1])
    assert mean(d, [1.0, 2.0, 3.0]).se > 0


def test_zero_weight_rows_do_not_count_in_df():
    d = make_design(weights=[1, 1, 0, 2], clusters=[1, 2, 3, 4])
    assert d.degrees_of_freedom() == 2


def test_sampling_fraction_equals_population_count():
    y = np.arange(10.0)
    strata = np.repeat(["a", "b"], 5)
    counts = make_design(strata=strata, fpc=np.repeat([50.0, 20.0], 5))
    fracs = make_design(strata=strata, fpc=np.repeat([0.1, 0.25], 5))
    assert mean(counts, y).se == pytest.approx(mean(fracs, y).se, rel=1e-12)
    assert np.allclose(counts.weights, fracs.weights)


def test_total_of_srs_by_hand():
    # SRS without replacement: V(total) = N^2 (1 - n/N) s^2 / n
    y = np.array([3.0, 7.0, 1.0, 9.0, 4.0, 6.0])
    big_n = 60
    d = make_design(fpc=np.full(6, big_n))
    t = total(d, y)
    assert t.estimate == pytest.approx(big_n * y.mean())
    assert t.se**2 == pytest.approx(big_n**2 * (1 - 6 / big_n) * y.var(ddof=1) / 6)


def test_boundary_proportion_never_nan():
    d = make_design(weights=[1, 2, 3, 4], clusters=[1, 2, 3, 4])
    for method in ("logit", "beta", "wilson", "wald"):
        p = proportion(d, [0.0, 0.0, 0.0, 0.0], method=method)
        assert p.boundary and p.estimate == 0.0 and p.ci_low == 0.0 and p.ci_high == 0.0
        assert None not in (p.as_dict()["estimate"], p.as_dict()["se"])
    one = proportion(d, [5.0, 4.0, 5.0, np.nan], satisfied=[4, 5])
    assert one.boundary and one.estimate == 1.0 and one.n == 3


def test_taylor_variance_accepts_matrix_and_vector():
    d = make_design(weights=[1, 2, 3, 4], strata=[1, 1, 2, 2])
    z = np.array([[1.0, 0.5], [-1.0, 0.1], [2.0, 0.0], [0.0, -0.6]])
    both = taylor_variance(d, z)
    assert both[0] == pytest.approx(taylor_variance(d, z[:, 0])[0])
    # stratum 1: (1 - -1)^2 / 2 * 2/1 = 4; stratum 2: (2 - 0)^2/2 * 2 = 4
    assert both[0] == pytest.approx(8.0)
