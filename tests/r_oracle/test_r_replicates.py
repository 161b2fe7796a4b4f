"""Replicate-weight variances against R's ``as.svrepdesign`` (JK1, JKn, BRR, Fay; raking redone)."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import make_design
from sampling.replicates import make_replicates, replicate_estimate

from .rhelper import run_r, write_csv
from .test_r_taylor import REGION_POP, SEX_POP, generate

pytestmark = pytest.mark.r_oracle

R_SCRIPT = r"""
df <- read.csv("gen.csv", stringsAsFactors = FALSE)
A <- svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~N1, data=df)
J <- as.svrepdesign(A, type="JKn")
est_se("jkn_y1", svymean(~y1, J, na.rm=TRUE))
est_se("jkn_total_x", svytotal(~x, J))
b <- svyby(~x, ~region, J, svymean); out("jkn_by_est", coef(b)); out("jkn_by_se", SE(b))
pop_region <- data.frame(region=c("north","centre","south","highland"), Freq=c(4200,3100,5300,1400))
pop_sex <- data.frame(sex=c("F","M"), Freq=c(7300,6700))
JR <- rake(J, list(~region, ~sex), list(pop_region, pop_sex), control=list(epsilon=1e-13, maxit=500))
est_se("jkn_rake_x", svymean(~x, JR))
est_se("jkn_rake_y1", svymean(~y1, JR, na.rm=TRUE))
b <- svyby(~x, ~sex, JR, svymean); out("jkn_rake_by_est", coef(b)); out("jkn_rake_by_se", SE(b))
df2 <- df[df$psu %in% unlist(tapply(df$psu, df$stratum, function(p) sort(unique(p))[1:2])), ]
write.csv(df2, "two.csv", row.names=FALSE)
B <- svydesign(id=~psu, strata=~stratum, weights=~w, data=df2)
est_se("brr_total_x", svytotal(~x, as.svrepdesign(B, type="BRR")))
est_se("fay_total_x", svytotal(~x, as.svrepdesign(B, type="Fay", fay.rho=0.3)))
C <- svydesign(id=~psu, weights=~w, data=df)
est_se("jk1_x", svymean(~x, as.svrepdesign(C, type="JK1")))
data(api)
J1 <- as.svrepdesign(svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1), type="JK1")
est_se("api_jk1", svymean(~api00, J1))
est_se("api_jk1_cal", svymean(~api00, calibrate(J1, ~stype+api99, c(6194, 755, 1018, 3914069))))
est_se("api_jk1_cal_rak", svymean(~api00, calibrate(J1, ~stype+api99, c(6194, 755, 1018, 3914069),
  calfun="raking")))
"""


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("r_rep")
    data = generate()
    write_csv(work / "gen.csv", data)
    return data, run_r(R_SCRIPT, work)


def close(ours, theirs, rel=1e-6):
    np.testing.assert_allclose(np.atleast_1d(np.asarray(ours, dtype=float)), theirs, rtol=rel, atol=0)


def test_jkn(oracle):
    d, r = oracle
    a = make_design(weights=d["w"], strata=d["stratum"], clusters=d["psu"], fpc=d["N1"])
    rep = make_replicates(a, "JKn")
    e = replicate_estimate(rep, d["y1"])[0]
    close([e.estimate, e.se], r["jkn_y1"])
    e = replicate_estimate(rep, d["x"], statistic="total")[0]
    close([e.estimate, e.se], r["jkn_total_x"])
    ests = replicate_estimate(rep, d["x"], by=[d["region"]])
    order = sorted(range(4), key=lambda i: ests[i].group[0][1])  # type: ignore[index]
    close([ests[i].estimate for i in order], r["jkn_by_est"])
    close([ests[i].se for i in order], r["jkn_by_se"])


def test_jkn_raking_redone_on_every_replicate(oracle):
    d, r = oracle
    a = make_design(weights=d["w"], strata=d["stratum"], clusters=d["psu"], fpc=d["N1"])
    rep = make_replicates(a, "JKn").rake([d["region"], d["sex"]], [REGION_POP, SEX_POP])
    e = replicate_estimate(rep, d["x"])[0]
    close([e.estimate, e.se], r["jkn_rake_x"], 2e-5)
    e = replicate_estimate(rep, d["y1"])[0]
    close([e.estimate, e.se], r["jkn_rake_y1"], 2e-5)
    ests = replicate_estimate(rep, d["x"], by=[d["sex"]])
    close([e.estimate for e in ests], r["jkn_rake_by_est"], 2e-5)
    close([e.se for e in ests], r["jkn_rake_by_se"], 2e-5)


def test_brr_fay_and_jk1(oracle):
    d, r = oracle
    keep = np.zeros(d["w"].size, dtype=bool)
    for s in np.unique(d["stratum"]):
        psus = np.unique(d["psu"][d["stratum"] == s])[:2]
        keep |= np.isin(d["psu"], psus)
    b = make_design(weights=d["w"][keep], strata=d["stratum"][keep], clusters=d["psu"][keep])
    e = replicate_estimate(make_replicates(b, "BRR"), d["x"][keep], statistic="total")[0]
    close([e.estimate, e.se], r["brr_total_x"])
    e = replicate_estimate(make_replicates(b, "Fay", fay_rho=0.3), d["x"][keep], statistic="total")[0]
    close([e.estimate, e.se], r["fay_total_x"])
    c = make_design(weights=d["w"], clusters=d["psu"])
    e = replicate_estimate(make_replicates(c, "JK1"), d["x"])[0]
    close([e.estimate, e.se], r["jk1_x"])


def test_api_jk1_with_calibration_redone(oracle):
    from tests.sampling.apidata import col, num

    _, r = oracle
    d = make_design(weights=num("apiclus1", "pw"), clusters=col("apiclus1", "dnum"), fpc=num("apiclus1", "fpc"))
    rep = make_replicates(d, "JK1")
    y = num("apiclus1", "api00")
    e = replicate_estimate(rep, y)[0]
    close([e.estimate, e.se], r["api_jk1"])
    stype = col("apiclus1", "stype")
    x = np.column_stack([np.ones(stype.size), stype == "H", stype == "M", num("apiclus1", "api99")])
    for calfun, key in [("linear", "api_jk1_cal"), ("raking", "api_jk1_cal_rak")]:
        e = replicate_estimate(rep.calibrate(x, [6194, 755, 1018, 3914069], calfun=calfun), y)[0]
        close([e.estimate, e.se], r[key], 2e-5)
