"""Selection with certainty units and reserve lists (sampling.selection), on hand-computed probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import SamplingError, inclusion_probabilities, pps_systematic, reserve, select_with_certainty, srs


def test_marked_units_count_in_n_and_the_rest_is_drawn_from_the_others() -> None:
    certain = np.zeros(10, dtype=bool)
    certain[[0, 3]] = True
    sample = select_with_certainty("srs", np.ones(10), 4, certain, seed=5)
    assert {0, 3} <= set(sample.indices.tolist()) and sample.indices.size == 4
    assert sample.probabilities.tolist() == [1.0 if i in (0, 3) else 2 / 8 for i in sample.indices]
    assert sample.certainty.tolist() == [i in (0, 3) for i in sample.indices]
    pi, sure = inclusion_probabilities("systematic", np.ones(10), 4, certain)
    assert pi.tolist() == [1.0 if i in (0, 3) else 0.25 for i in range(10)] and sure.sum() == 2


def test_pps_takes_its_own_certainty_units_after_the_marked_ones() -> None:
    # Marked unit 0; n - 1 = 2 drawn by PPS from sizes 60, 20, 10, 10: 2 × 60 / 100 ≥ 1, so unit 1 is certain
    # too and the last one comes from 20, 10, 10: 20/40, 10/40, 10/40.
    sizes = [5.0, 60.0, 20.0, 10.0, 10.0]
    pi, sure = inclusion_probabilities("pps", sizes, 3, [True, False, False, False, False])
    assert pi == pytest.approx([1.0, 1.0, 0.5, 0.25, 0.25])
    assert sure.tolist() == [True, True, False, False, False]
    sample = select_with_certainty("pps", sizes, 3, [True, False, False, False, False], seed=1)
    assert sample.indices[:2].tolist() == [0, 1] and sample.indices.size == 3
    assert sample.probabilities == pytest.approx(pi[sample.indices])
    assert sample.certainty.tolist() == [True, True, False]


def test_more_marked_units_than_n_are_all_taken_and_nothing_is_drawn() -> None:
    pi, _ = inclusion_probabilities("pps", [10.0, 20.0, 30.0], 1, [True, True, False])
    assert pi.tolist() == [1.0, 1.0, 0.0]
    sample = select_with_certainty("srs", np.ones(3), 1, [True, True, False], seed=2)
    assert sample.indices.tolist() == [0, 1] and sample.probabilities.tolist() == [1.0, 1.0]


def test_without_marks_it_is_the_plain_method_on_the_same_generator() -> None:
    sizes = np.array([3.0, 9.0, 1.0, 4.0, 7.0, 2.0])
    plain = pps_systematic(sizes, 2, rng=np.random.default_rng(9))
    same = select_with_certainty("pps", sizes, 2, rng=np.random.default_rng(9))
    assert same.indices.tolist() == plain.indices.tolist()
    assert same.probabilities.tolist() == plain.probabilities.tolist()
    assert select_with_certainty("srs", np.ones(6), 3, seed=4).indices.tolist() == srs(6, 3, seed=4).indices.tolist()
    with pytest.raises(SamplingError, match="one certainty flag per unit"):
        select_with_certainty("srs", np.ones(6), 3, [True], seed=4)


def test_a_reserve_list_leaves_out_the_selected_and_is_drawn_by_the_method() -> None:
    g = np.random.default_rng(3)
    spare = reserve("srs", np.ones(8), [1, 4], 3, rng=g)
    assert spare.size == 3 and not {1, 4} & set(spare.tolist())
    assert reserve("srs", np.ones(3), [0, 1], 5, rng=g).tolist() == [2], "fewer when fewer are left"
    pps = reserve("pps", [5.0, 0.0, 8.0, 3.0], [0], 5, rng=g)
    assert sorted(pps.tolist()) == [2, 3], "units of size 0 are never drawn by PPS"
