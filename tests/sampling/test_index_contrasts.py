"""The overall % satisfied per domain with its covariance: figures and SEs as ``compute_index_by``, and the
one-stage sparse product equal to the general pairwise rule."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import compute_index_by, make_design
from sampling.covariance import sparse_score_block, taylor_covariance
from sampling.index_contrasts import _one_stage_covariance, index_domain_covariance
from sampling.index_definition import Element, Group, IndexDefinition, Overall

ITEMS = ["Q1", "Q2", "Q3"]


def definition(aggregation: str) -> IndexDefinition:
    return IndexDefinition(
        elements=(Element("E1", ("Q1", "Q2"), "E1"), Element("E2", ("Q3",), "E2")),
        groups=(Group("G1", ("E1",), "G1"), Group("G2", ("E2",), "G2")),
        overall=Overall("IDX", ("G1", "G2"), (), "IDX"),
        satisfied=(4.0, 5.0),
        scale=(1.0, 5.0),
        aggregation=aggregation,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("aggregation", ["item_mean", "pooled"])
@pytest.mark.parametrize("fpc", [False, True])
def test_domains_match_the_index_and_the_fast_covariance_the_general_one(aggregation: str, fpc: bool) -> None:
    rng = np.random.default_rng(3)
    n = 400
    answers = rng.integers(1, 6, (n, 3)).astype(float)
    answers[rng.random((n, 3)) < 0.1] = np.nan
    strata = rng.integers(0, 3, n)
    design = make_design(
        n,
        weights=rng.uniform(1, 3, n),
        strata=strata,
        clusters=rng.integers(0, 15, n),
        fpc=np.array([40.0, 50.0, 60.0])[strata] if fpc else None,
        nest=True,
    )
    codes = rng.integers(-1, 4, n).astype(np.int32)
    found = index_domain_covariance(answers, ITEMS, design, definition(aggregation), codes, ["a", "b", "c", "d"])
    _, parts = compute_index_by(answers, ITEMS, design, definition(aggregation), codes, 4)
    assert found.estimates == pytest.approx([p.level("IDX").satisfied.estimate for p in parts], rel=1e-12)
    assert found.se == pytest.approx([p.level("IDX").satisfied.se for p in parts], rel=1e-9)

    values = rng.normal(size=n)
    fast = _one_stage_covariance(design, codes.astype(np.int64), values, 4)
    assert fast is not None
    general = taylor_covariance(design, sparse_score_block(codes.astype(np.intp), values), 4)
    assert fast == pytest.approx(general, rel=1e-9, abs=1e-12)


def test_designs_beyond_one_stage_take_the_general_rule() -> None:
    design = make_design(4, weights=np.ones(4), strata=[0, 0, 1, 1], clusters=[0, 1, 2, 2], nest=True)
    assert _one_stage_covariance(design, np.zeros(4, dtype=np.int64), np.ones(4), 1) is None  # a lonely PSU
