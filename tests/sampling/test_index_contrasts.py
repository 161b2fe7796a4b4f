"""The overall % satisfied per domain with its covariance: figures and SEs as ``compute_index_by``, and the
one-stage sparse product equal to the general pairwise rule."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import compute_index_by, make_design, poststratify, rake
from sampling.covariance import domain_covariance_of_scores, sparse_score_block, taylor_covariance
from sampling.design import Design
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


def _adjusted(kind: str, rng: np.random.Generator, n: int) -> object:
    strata = rng.integers(0, 3, n)
    design = make_design(n, weights=rng.uniform(1, 3, n), strata=strata, clusters=rng.integers(0, 15, n), nest=True)
    sex, age = rng.integers(0, 2, n).astype(str), rng.integers(0, 3, n).astype(str)
    if kind == "poststratified":
        return poststratify(design, [sex], {"0": 700.0, "1": 800.0})
    return rake(design, [sex, age], [{"0": 700.0, "1": 800.0}, {"0": 500.0, "1": 500.0, "2": 500.0}]).design


@pytest.mark.parametrize("kind", ["poststratified", "raked"])
def test_adjusted_designs_sum_projected_domain_scores_in_one_pass(kind: str) -> None:
    """Weighting adjustments: the one-pass unit totals give the general (rows × domains) covariance, the SEs
    equal the index's, and answer bytes read block by block give what float answers give."""
    rng = np.random.default_rng(8)
    n = 600
    design = _adjusted(kind, rng, n)
    assert isinstance(design, Design) and design.adjustments
    codes = rng.integers(-1, 4, n).astype(np.intp)
    values = rng.normal(size=n)
    general = taylor_covariance(design, sparse_score_block(codes, values), 4)
    assert domain_covariance_of_scores(design, values, codes, 4) == pytest.approx(general, rel=1e-9, abs=1e-12)

    answers = rng.integers(1, 6, (n, 3)).astype(float)
    answers[rng.random((n, 3)) < 0.1] = np.nan
    found = index_domain_covariance(answers, ITEMS, design, definition("item_mean"), codes, ["a", "b", "c", "d"])
    _, parts = compute_index_by(answers, ITEMS, design, definition("item_mean"), codes.astype(np.int32), 4)
    assert found.se == pytest.approx([p.level("IDX").satisfied.se for p in parts], rel=1e-9)
    assert not np.allclose(found.covariance - np.diag(np.diag(found.covariance)), 0.0)  # domains share PSUs
    as_bytes = np.where(np.isnan(answers), 255, answers).astype(np.uint8)
    from_bytes = index_domain_covariance(
        as_bytes, ITEMS, design, definition("item_mean"), codes, ["a", "b", "c", "d"], missing=255
    )
    assert from_bytes.estimates == pytest.approx(found.estimates, rel=1e-14)
    assert from_bytes.covariance == pytest.approx(found.covariance, rel=1e-12, abs=1e-15)
