"""Replicate designs: construction rules and agreement with Taylor linearisation."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import DesignError, make_design, make_replicates, mean, rake, replicate_estimate

from .apidata import col, num


def dstrat():
    return make_design(weights=num("apistrat", "pw"), strata=col("apistrat", "stype"), fpc=num("apistrat", "fpc"))


def test_jk1_reference_and_rules():
    d = make_design(weights=num("apiclus1", "pw"), clusters=col("apiclus1", "dnum"), fpc=num("apiclus1", "fpc"))
    e = replicate_estimate(make_replicates(d, "JK1"), num("apiclus1", "api00"))[0]
    assert (e.estimate, e.se) == pytest.approx((644.1694, 26.329), abs=5e-4)
    with pytest.raises(DesignError, match="JK1 needs an unstratified design"):
        make_replicates(dstrat(), "JK1")
    with pytest.raises(DesignError, match="BRR needs exactly two PSUs per stratum; stratum E has 100"):
        make_replicates(dstrat(), "BRR")


def test_jkn_equals_taylor_for_stratified_element_sample():
    y = num("apistrat", "api00")
    e = replicate_estimate(make_replicates(dstrat(), "JKn"), y)[0]
    assert e.se == pytest.approx(mean(dstrat(), y).se, rel=1e-9)


def test_bootstrap_needs_explicit_randomness_and_is_reproducible():
    with pytest.raises(DesignError, match="explicit numpy Generator"):
        make_replicates(dstrat(), "bootstrap")
    y = num("apistrat", "api00")
    a = replicate_estimate(make_replicates(dstrat(), "bootstrap", seed=11, replicates=400), y)[0]
    b = replicate_estimate(make_replicates(dstrat(), "bootstrap", rng=np.random.default_rng(11), replicates=400), y)[0]
    assert a.se == b.se
    taylor_wr = mean(make_design(weights=num("apistrat", "pw"), strata=col("apistrat", "stype")), y).se
    assert a.se == pytest.approx(taylor_wr, rel=0.15)


def test_replicate_domains_and_raking_keep_margins():
    d = make_design(weights=num("apiclus1", "pw"), clusters=col("apiclus1", "dnum"))
    stype, sw = col("apiclus1", "stype"), col("apiclus1", "sch.wide")
    pops = [{"E": 4421, "H": 755, "M": 1018}, {"No": 1072, "Yes": 5122}]
    rep = make_replicates(d, "JK1").rake([stype, sw], pops)
    tot = replicate_estimate(rep, np.ones(stype.size), by=[stype], statistic="total")
    assert [e.estimate for e in tot] == pytest.approx([4421, 755, 1018], rel=1e-9)
    assert max(e.se for e in tot) < 1e-6  # raked margins have no variance on any replicate
    full = rake(d, [stype, sw], pops).design
    e = replicate_estimate(rep, num("apiclus1", "api00"))[0]
    assert e.estimate == pytest.approx(mean(full, num("apiclus1", "api00")).estimate, rel=1e-10)
