"""Rank ranges and tiers: exact where the answer is known, the simulated rank probability against the normal
formula, reproducible from the seed."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from sampling.ranking import _ranks_per_draw, rank_ranges


def test_units_far_apart_have_exact_ranks_and_separate_tiers() -> None:
    ranges = rank_ranges(np.array([0.95, 0.60, 0.80]), np.array([0.01, 0.01, 0.01]), seed=1)
    assert [(r.rank, r.low, r.high, r.tier) for r in ranges] == [(1, 1, 1, 1), (3, 3, 3, 3), (2, 2, 2, 2)]


def test_indistinguishable_units_share_a_tier_and_their_ranges_overlap() -> None:
    ranges = rank_ranges(np.array([0.90, 0.89, 0.50]), np.array([0.03, 0.03, 0.03]), seed=2)
    first, second, third = ranges
    assert (first.rank, second.rank, third.rank) == (1, 2, 3)
    assert (first.low, first.high) == (1, 2) and (second.low, second.high) == (1, 2)
    assert first.tier == second.tier == 1 and third.tier == 2
    assert (third.low, third.high) == (3, 3)


def test_the_simulated_chance_of_first_place_matches_the_normal_formula() -> None:
    values, errors = np.array([0.82, 0.80]), np.array([0.02, 0.015])
    expected = norm.cdf((values[0] - values[1]) / np.hypot(*errors))
    simulated = values + np.random.default_rng(7).standard_normal((200_000, 2)) * errors
    share_first = np.mean(_ranks_per_draw(simulated)[:, 0] == 1)
    assert share_first == pytest.approx(expected, abs=0.005)


def test_lower_is_better_reverses_the_ranking() -> None:
    ranges = rank_ranges(np.array([3.0, 1.0, 2.0]), np.array([0.0, 0.0, 0.0]), seed=3, higher_is_better=False)
    assert [r.rank for r in ranges] == [3, 1, 2]


def test_equal_estimates_share_the_best_rank() -> None:
    ranges = rank_ranges(np.array([0.7, 0.7, 0.6]), np.array([0.0, 0.0, 0.0]), seed=4)
    assert [(r.rank, r.low, r.high) for r in ranges] == [(1, 1, 1), (1, 1, 1), (3, 3, 3)]


def test_the_same_seed_gives_the_same_ranges() -> None:
    values, errors = np.linspace(0.7, 0.9, 12), np.full(12, 0.04)
    assert rank_ranges(values, errors, seed=2026) == rank_ranges(values, errors, seed=2026)


def test_replicate_deviations_carry_a_covariance() -> None:
    # Two units whose estimates move together (the same replicate deviations): their order never changes,
    # although each alone is uncertain.
    deviations = np.tile(np.array([[0.05], [-0.05], [0.03], [-0.03]]), (1, 2))
    ranges = rank_ranges(np.array([0.81, 0.80]), np.zeros(2), seed=5, replicate_deviations=deviations)
    assert [(r.low, r.high) for r in ranges] == [(1, 1), (2, 2)]


@pytest.mark.parametrize(
    ("estimates", "errors"),
    [
        (np.array([0.5, 0.6]), np.array([0.1])),
        (np.array([0.5, np.nan]), np.array([0.1, 0.1])),
        (np.array([0.5]), np.array([-1.0])),
    ],
)
def test_bad_input_is_refused(estimates: np.ndarray, errors: np.ndarray) -> None:
    with pytest.raises(ValueError):
        rank_ranges(estimates, errors, seed=1)
