"""Reference values of R's survey package (STATISTICS.md), pinned."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import (
    DesignError,
    by_domain,
    calibrate,
    make_design,
    mean,
    poststratify,
    proportion,
    rake,
    ratio,
    total,
)

from .apidata import col, num

REL = 1e-6


def dstrat():
    return make_design(weights=num("apistrat", "pw"), strata=col("apistrat", "stype"), fpc=num("apistrat", "fpc"))


def dclus1(**kw):
    return make_design(
        weights=num("apiclus1", "pw"), clusters=col("apiclus1", "dnum"), fpc=num("apiclus1", "fpc"), **kw
    )


def test_stratified_mean_and_total():
    e = mean(dstrat(), num("apistrat", "api00"))
    assert e.estimate == pytest.approx(662.28736, rel=REL)
    assert e.se == pytest.approx(9.40894, rel=1e-5)
    assert e.df == 197
    t = total(dstrat(), num("apistrat", "enroll"))
    assert t.estimate == pytest.approx(3687178, rel=1e-6)
    assert t.se == pytest.approx(114642, rel=1e-5)


def test_cluster_mean_and_ratio():
    e = mean(dclus1(), num("apiclus1", "api00"))
    assert e.estimate == pytest.approx(644.16940, rel=REL)
    assert e.se == pytest.approx(23.54224, rel=1e-6)
    assert e.df == 14
    r = ratio(dclus1(), num("apiclus1", "api.stu"), num("apiclus1", "enroll"))
    assert r.estimate == pytest.approx(0.84970874, rel=REL)
    assert r.se == pytest.approx(0.00838630, rel=1e-5)


def test_two_stage_with_and_without_fpc():
    d = make_design(
        clusters=[col("apiclus2", "dnum"), col("apiclus2", "snum")],
        fpc=[num("apiclus2", "fpc1"), num("apiclus2", "fpc2")],
    )
    e = mean(d, num("apiclus2", "api00"))
    assert e.estimate == pytest.approx(670.81181, rel=REL)
    assert e.se == pytest.approx(30.09903, rel=1e-6)
    d_wr = make_design(weights=num("apiclus2", "pw"), clusters=[col("apiclus2", "dnum"), col("apiclus2", "snum")])
    assert mean(d_wr, num("apiclus2", "api00")).se == pytest.approx(30.71158, rel=1e-6)


def test_domains_keep_the_whole_design():
    ests = by_domain(dstrat(), num("apistrat", "api00"), [col("apistrat", "stype")], by_names=["stype"])
    got = {e.group[0][1]: (e.estimate, e.se) for e in ests if e.group}
    assert got["E"] == pytest.approx((674.43, 12.3825), rel=1e-5)
    assert got["H"] == pytest.approx((625.82, 14.9371), rel=1e-5)
    assert got["M"] == pytest.approx((636.60, 16.2147), rel=1e-5)


def test_poststratify_rake_calibrate():
    api00 = num("apiclus1", "api00")
    ps = poststratify(dclus1(), [col("apiclus1", "stype")], {"E": 4421, "H": 755, "M": 1018})
    e = mean(ps, api00)
    assert (e.estimate, e.se) == pytest.approx((642.310788, 23.920486), rel=1e-6)
    r = rake(
        dclus1(),
        [col("apiclus1", "stype"), col("apiclus1", "sch.wide")],
        [{"E": 4421, "H": 755, "M": 1018}, {"No": 1072, "Yes": 5122}],
    )
    assert r.converged and r.max_error < 1e-10
    e = mean(r.design, api00)
    assert (e.estimate, e.se) == pytest.approx((641.230321, 23.703617), rel=1e-6)
    stype = col("apiclus1", "stype")
    x = np.column_stack([np.ones(stype.size), stype == "H", stype == "M", num("apiclus1", "api99")])
    c = calibrate(dclus1(), x, [6194, 755, 1018, 3914069])
    e = mean(c.design, api00)
    assert (e.estimate, e.se) == pytest.approx((665.309071, 3.441753), rel=1e-6)


def test_svyciprop_logit_and_beta():
    p = proportion(dstrat(), (col("apistrat", "sch.wide") == "Yes").astype(float))
    assert p.estimate == pytest.approx(0.82794801, rel=REL)
    assert p.se == pytest.approx(0.02434478, rel=1e-6)
    assert (p.ci_low, p.ci_high) == pytest.approx((0.77453965, 0.87081485), rel=1e-6)
    d = make_design(clusters=col("apiclus1", "dnum"), fpc=num("apiclus1", "fpc"))
    ell0 = (num("apiclus1", "ell") == 0).astype(float)
    lg = proportion(d, ell0)
    assert lg.estimate == pytest.approx(0.02185792, rel=REL)
    assert (lg.ci_low, lg.ci_high) == pytest.approx((0.00230469, 0.17774777), rel=1e-5)
    bt = proportion(d, ell0, method="beta")
    assert (bt.ci_low, bt.ci_high) == pytest.approx((0.00021615, 0.13750776), rel=1e-4)


def test_lonely_psu_policies():
    y = num("apiclus1", "api00")
    expected = {"remove": 5.8058, "certainty": 5.8058, "adjust": 5.8281, "average": 6.0096}
    for policy, se in expected.items():
        d = make_design(weights=num("apiclus1", "pw"), strata=col("apiclus1", "dnum"), lonely_psu=policy)
        e = mean(d, y)
        assert e.estimate == pytest.approx(644.17, abs=0.005)
        assert e.se == pytest.approx(se, abs=5e-5), policy
    d = make_design(weights=num("apiclus1", "pw"), strata=col("apiclus1", "dnum"))
    with pytest.raises(DesignError, match=r"stratum \d+ has only one PSU"):
        mean(d, y)


def test_stata_fpc_fixture():
    x = np.array([2.8, 4.1, 6.8, 6.8, 9.2, 3.7, 6.6, 4.2])
    st = [1] * 5 + [2] * 3
    w = [3] * 5 + [4] * 3
    fpc = [15] * 5 + [12] * 3
    d = make_design(weights=w, strata=st, fpc=fpc)
    e = mean(d, x)
    assert (e.estimate, e.se) == pytest.approx((5.448148, 0.616041), abs=1e-6)
    d0 = make_design(weights=w, strata=st)
    assert mean(d0, x).se == pytest.approx(0.741268, abs=1e-6)
    dom = mean(d0, x, domain=x > 4)
    assert (dom.estimate, dom.se) == pytest.approx((6.195, 0.755513), abs=1e-6)
    # with fpc the domain SE is R's 0.6301110 (svymean on subset(d, x > 4))
    assert mean(d, x, domain=x > 4).se == pytest.approx(0.6301110, abs=1e-6)
    # fpc given as sampling fractions gives the same answer
    frac = [5 / 15] * 5 + [3 / 12] * 3
    assert mean(make_design(weights=w, strata=st, fpc=frac), x).se == pytest.approx(0.616041, abs=1e-6)


def test_missing_answer_is_out_of_domain_for_that_variable_only():
    y = num("apistrat", "api00").copy()
    y[:10] = np.nan
    d = dstrat()
    e = mean(d, y)
    keep = np.ones(y.size, dtype=bool)
    keep[:10] = False
    e2 = mean(d, np.nan_to_num(y), domain=keep)
    assert (e.estimate, e.se) == pytest.approx((e2.estimate, e2.se), rel=1e-12)
    # dropping rows instead would change the SE
    dropped = make_design(
        weights=num("apistrat", "pw")[10:],
        strata=col("apistrat", "stype")[10:],
        fpc=num("apistrat", "fpc")[10:],
    )
    assert mean(dropped, y[10:]).se != pytest.approx(e.se, rel=1e-6)
