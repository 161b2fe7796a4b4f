"""Sample size, allocation and selection against the values in STATISTICS.md."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import (
    SamplingError,
    StageSpec,
    allocate,
    cluster_design_effect,
    margin_of_error,
    multistage,
    pps_systematic,
    sample_size_proportion,
    slovin,
    srs,
    systematic,
)


def test_cochran_reference_values():
    assert sample_size_proportion(0.5, 0.05).n == 385
    assert sample_size_proportion(0.5, 0.05, population=10_000).n == 370
    assert sample_size_proportion(0.5, 0.05, population=1_000).n == 278
    assert sample_size_proportion(0.5, 0.03).n == 1068
    with_deff = sample_size_proportion(0.5, 0.05, cluster_size=31, icc=0.05, response_rate=0.8)
    assert cluster_design_effect(31, 0.05) == pytest.approx(2.5)
    assert with_deff.n == int(np.ceil(384.1459 * 2.5 / 0.8))
    assert slovin(10_000, 0.05).n == 385
    assert margin_of_error(385) == pytest.approx(0.04994, abs=1e-4)
    with pytest.raises(SamplingError):
        sample_size_proportion(0.5, 0.0)


def test_neyman_reference_and_rounding():
    a = allocate(261, [1540, 770, 385], "neyman", sd=[2.6, 3, 3.3])
    assert a.exact == pytest.approx([137.79, 79.49, 43.72], abs=0.01)
    assert a.n.tolist() == [138, 79, 44] and a.n.sum() == 261
    with pytest.raises(SamplingError, match=r"n = 10 cannot be allocated within the bounds \(from 0 to 3\)"):
        allocate(10, [1, 1, 1], "proportional")


def test_allocation_bounds():
    a = allocate(100, [1000, 50, 20, 5], "proportional", minimum=5)
    assert a.n.tolist() == [85, 5, 5, 5]
    with pytest.raises(SamplingError, match="cannot be allocated"):
        allocate(100, [10, 10], "equal")
    o = allocate(60, [100, 100, 100], "optimal", sd=[1, 1, 1], cost=[1, 4, 16])
    assert o.exact == pytest.approx(np.array([1, 0.5, 0.25]) / 1.75 * 60)


def test_selection_is_seeded_and_recorded():
    a = srs(1000, 20, seed=42)
    b = srs(1000, 20, rng=np.random.default_rng(42))
    assert np.array_equal(a.indices, b.indices) and a.seed == 42
    assert a.probabilities == pytest.approx(np.full(20, 0.02))
    with pytest.raises(SamplingError, match="explicit numpy Generator"):
        srs(10, 2)
    s = systematic(10, 4, seed=1)
    assert s.probabilities == pytest.approx(np.full(4, 0.4))


def test_pps_certainty_units():
    s = pps_systematic([100, 5, 5, 5, 5, 300, 10, 10], 3, seed=3)
    assert s.certainty.sum() == 2 and {0, 5} <= set(s.indices.tolist())
    assert s.probabilities[~s.certainty] == pytest.approx([0.125])


def test_multistage_probabilities_multiply():
    # 4 districts (capital always + 2 by PPS), 2 communes each (1 by SRS)
    m = multistage(
        [
            StageSpec(2, "pps", size=[10, 20, 30, 40], always=[True, False, False, False]),
            StageSpec(1, "srs", parent=[0, 0, 1, 1, 2, 2, 3, 3]),
        ],
        [4, 8],
        seed=5,
    )
    first, second = m.stages
    assert 0 in first.indices and first.probabilities[0] == 1.0
    assert second.probabilities == pytest.approx(np.full(3, 0.5))
    expected = {0: 1.0, 1: 2 * 20 / 90, 2: 2 * 30 / 90, 3: 2 * 40 / 90}
    parents = np.array([0, 0, 1, 1, 2, 2, 3, 3])[second.indices]
    assert m.overall == pytest.approx([expected[int(p)] * 0.5 for p in parents])
