"""Rankings with the units' covariance: correlated units are told apart more sharply, in tiers and ranges."""

from __future__ import annotations

import numpy as np
import pytest

from sampling.ranking import rank_ranges, tier_difference


def test_positively_correlated_units_are_told_apart_and_their_ranges_narrow() -> None:
    values = np.array([0.80, 0.75, 0.70])
    errors = np.array([0.03, 0.03, 0.03])
    correlated = np.full((3, 3), 0.95 * 0.03**2)
    independent = rank_ranges(values, errors, seed=7)
    shared = rank_ranges(values, errors, seed=7, covariance=correlated, df=60)
    assert [p.tier for p in independent] == [1, 1, 2]  # 0.10 apart is beyond 1.96·0.042; 0.05 is not
    assert [p.tier for p in shared] == [1, 2, 3]
    assert [(p.low, p.high) for p in shared] == [(1, 1), (2, 2), (3, 3)]
    assert independent[1].high - independent[1].low > 0


def test_the_tier_test_subtracts_the_covariance_at_the_design_df() -> None:
    values = np.array([0.8, 0.7])
    cov = np.array([[0.04**2, 0.0008], [0.0008, 0.03**2]])
    change = tier_difference(values, cov, 0, 1, 0.95, 20)
    assert change.se == pytest.approx(np.sqrt(0.04**2 + 0.03**2 - 2 * 0.0008))
    assert change.df == 20


def test_a_covariance_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="units × units"):
        rank_ranges(np.array([0.5, 0.6]), np.array([0.1, 0.1]), seed=1, covariance=np.zeros((3, 3)))
