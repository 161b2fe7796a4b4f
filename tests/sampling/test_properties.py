"""Property tests (hypothesis): invariants of raking, allocation, selection and CIs."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sampling import allocate, inclusion_probabilities_pps, make_design, pps_systematic, proportion_ci, rake, systematic

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(30, 300),
    k1=st.integers(2, 5),
    k2=st.integers(2, 4),
)
def test_raked_weights_meet_their_margins(seed, n, k1, k2):
    rng = np.random.default_rng(seed)
    a = np.concatenate([np.arange(k1), rng.integers(0, k1, n - k1)])
    b = np.concatenate([np.arange(k2), rng.integers(0, k2, n - k2)])
    # every joint cell present so the margins are always attainable
    a = np.concatenate([a, np.repeat(np.arange(k1), k2)])
    b = np.concatenate([b, np.tile(np.arange(k2), k1)])
    w = rng.uniform(0.5, 5, a.size)
    total = 1000.0
    pa = rng.dirichlet(np.ones(k1)) * total
    pb = rng.dirichlet(np.ones(k2)) * total
    res = rake(make_design(weights=w), [a, b], [dict(enumerate(pa)), dict(enumerate(pb))])
    assert res.converged
    nw = res.design.weights
    np.testing.assert_allclose(np.bincount(a, weights=nw, minlength=k1), pa, rtol=1e-9)
    np.testing.assert_allclose(np.bincount(b, weights=nw, minlength=k2), pb, rtol=1e-9)
    assert (nw > 0).all()


@SETTINGS
@given(
    sizes=st.lists(st.integers(1, 5000), min_size=1, max_size=12),
    frac=st.floats(0.0, 1.0),
    method=st.sampled_from(["equal", "proportional", "neyman", "optimal"]),
    seed=st.integers(0, 10_000),
    minimum=st.integers(0, 3),
)
def test_allocations_sum_to_n_within_bounds(sizes, frac, method, seed, minimum):
    big_n = np.array(sizes, dtype=float)
    lo = np.minimum(minimum, big_n)
    n = int(round(lo.sum() + frac * (big_n.sum() - lo.sum())))
    rng = np.random.default_rng(seed)
    alloc = allocate(
        n, big_n, method, sd=rng.uniform(0.1, 5, big_n.size), cost=rng.uniform(1, 9, big_n.size), minimum=lo
    )
    assert alloc.n.sum() == n
    assert (alloc.n >= lo).all() and (alloc.n <= big_n).all()
    assert np.abs(alloc.n - alloc.exact).max() < 1 + 1e-9


@SETTINGS
@given(
    sizes=st.lists(st.one_of(st.just(0.0), st.floats(0.01, 1000.0)), min_size=2, max_size=40),
    frac=st.floats(0.05, 1.0),
    seed=st.integers(0, 2**31),
)
def test_pps_inclusion_probabilities_in_unit_interval(sizes, frac, seed):
    s = np.array(sizes)
    positive = int((s > 0).sum())
    if positive == 0:
        return
    n = max(1, int(frac * positive))
    pi, certain = inclusion_probabilities_pps(s, n)
    drawn = pi[s > 0]
    assert ((drawn > 0) & (drawn <= 1 + 1e-12)).all()
    assert pi.sum() == np_approx(n)
    sample = pps_systematic(s, n, rng=np.random.default_rng(seed))
    assert sample.indices.size == n and np.unique(sample.indices).size == n
    assert ((sample.probabilities > 0) & (sample.probabilities <= 1)).all()
    assert certain[sample.indices].sum() == certain.sum()


def np_approx(v: float) -> object:
    import pytest

    return pytest.approx(v, rel=1e-9)


@SETTINGS
@given(population=st.integers(1, 10_000), frac=st.floats(0, 1), seed=st.integers(0, 2**31))
def test_systematic_draws_n_distinct_units(population, frac, seed):
    n = int(frac * population)
    s = systematic(population, n, rng=np.random.default_rng(seed))
    assert s.indices.size == n and np.unique(s.indices).size == n
    assert ((s.indices >= 0) & (s.indices < population)).all()


@SETTINGS
@given(
    p=st.floats(0.0, 1.0),
    se=st.floats(0.0, 0.5),
    df=st.integers(1, 500),
    method=st.sampled_from(["logit", "beta", "wilson"]),
)
@example(p=5e-324, se=5e-324, df=1, method="beta")
@example(p=0.5, se=5.6e-209, df=1, method="beta")
def test_proportion_cis_stay_in_unit_interval(p, se, df, method):
    lo, hi, boundary = proportion_ci(p, se, df, 0.95, method, n_rows=df + 1)
    assert 0.0 <= lo <= hi <= 1.0
    assert np.isfinite(lo) and np.isfinite(hi)
    assert boundary == (p in (0.0, 1.0))
