"""R rules that ours once broke (issue 15): BRR's "first" PSU in row order, svyciprop's df and Korn–Graubard
row count, no interval at df 0, lonely PSUs at stage 2 with ``average``, JKn ``average`` with a certainty
stratum. Each against R's survey package on the same rows."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import by_domain, make_design, mean, proportion, rake
from sampling.replicates import make_replicates, replicate_estimate

from .rhelper import run_r, write_csv

pytestmark = pytest.mark.r_oracle

REL = 1e-6
REGION_POP = {"a": 5200.0, "b": 3100.0, "c": 4300.0}
SEX_POP = {"F": 6500.0, "M": 6100.0}


def generate(seed: int = 15) -> dict[str, np.ndarray]:
    """Six strata of two PSUs (rows shuffled, PSU labels not in row order), missing answers, one PSU whose
    answers are all missing, and a domain inside a single PSU (df 0)."""
    rng = np.random.default_rng(seed)
    strata, psus = [], []
    for h in range(6):
        for k in range(2):
            size = int(rng.integers(6, 14))
            strata += [f"S{h}"] * size
            psus += [100 - (2 * h + k)] * size
    n = len(psus)
    order = rng.permutation(n)
    stratum = np.array(strata)[order]
    psu = np.array(psus)[order]
    effect = rng.normal(0, 0.7, 101)[psu]
    y = np.clip(np.round(3.2 + effect + rng.normal(0, 1.0, n)), 1, 5)
    y[rng.random(n) < 0.1] = np.nan
    y[psu == 97] = np.nan
    dom = np.where(rng.random(n) < 0.5, "d1", "d2")
    dom[psu == 90] = "solo"
    return {
        "stratum": stratum,
        "psu": psu,
        "w": np.round(rng.uniform(20, 60, n), 3),
        "region": np.array(["a", "b", "c"])[rng.integers(0, 3, n)],
        "sex": np.where(rng.random(n) < 0.5, "F", "M"),
        "dom": dom,
        "y": y,
        "x": np.round(rng.gamma(2.0, 10.0, n) + 5 * effect, 2),
    }


R_SCRIPT = r"""
df <- read.csv("par.csv", stringsAsFactors = FALSE)
df$good <- as.numeric(df$y >= 4)
D <- svydesign(id=~psu, strata=~stratum, weights=~w, data=df)
est_se("brr_mean", svymean(~x, as.svrepdesign(D, type="BRR")))
est_se("fay_mean", svymean(~x, as.svrepdesign(D, type="Fay", fay.rho=0.3)))
for (m in c("logit", "beta")) {
  p <- svyciprop(~good, D, method=m, na.rm=TRUE)
  out(paste0("ciprop_", m), coef(p), SE(p), attr(p, "ci"))
}
out("ciprop_df", degf(D))
R <- rake(D, list(~region, ~sex), list(data.frame(region=c("a","b","c"), Freq=c(5200,3100,4300)),
  data.frame(sex=c("F","M"), Freq=c(6500,6100))), control=list(epsilon=1e-12, maxit=200))
for (m in c("beta", "logit")) {
  b <- svyby(~good, ~dom, R, svyciprop, method=m, vartype="ci", na.rm=TRUE)
  out(paste0("rake_by_", m, "_est"), coef(b))
  out(paste0("rake_by_", m, "_lo"), b[["ci_l"]])
  out(paste0("rake_by_", m, "_hi"), b[["ci_u"]])
}
b <- svyby(~good, ~dom, D, svyciprop, method="beta", vartype="ci", na.rm=TRUE)
out("by_beta_lo", b[["ci_l"]]); out("by_beta_hi", b[["ci_u"]])
m <- svyby(~x, ~dom, D, svymean)
dfs <- sapply(c("d1", "d2", "solo"), function(v) degf(subset(D, dom == v)))
out("by_mean_df", dfs)
out("by_mean_lo", coef(m) - qt(0.975, dfs) * SE(m))
out("by_mean_hi", coef(m) + qt(0.975, dfs) * SE(m))

# lonely unit at stage 2 with "average": R gives NaN
df$ssu <- ave(seq_len(nrow(df)), df$psu, FUN=function(i) rep(1:3, length.out=length(i)))
df$ssu[df$psu == 99] <- 1
df$N1 <- 4
df$N2 <- 5
options(survey.lonely.psu="average")
T2 <- svydesign(id=~psu+ssu, strata=~stratum, fpc=~N1+N2, data=df)
est_se("stage2_average", svymean(~x, T2))

# JKn, "average", a certainty stratum with one PSU and a stratum with one PSU
df3 <- df[!(df$psu %in% c(99, 91)), ]
df3$N <- ifelse(df3$stratum == "S0", 1, ifelse(df3$stratum == "S4", 3, 10))
write.csv(df3, "jkn.csv", row.names=FALSE)
J <- as.svrepdesign(svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~N, data=df3), type="JKn")
est_se("jkn_average", svymean(~x, J))
"""


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("r_parity")
    data = generate()
    write_csv(work / "par.csv", data)
    results = run_r(R_SCRIPT, work)
    return data, results, work


def close(ours, theirs, rel=REL):
    np.testing.assert_allclose(np.atleast_1d(np.asarray(ours, dtype=float)), theirs, rtol=rel, atol=0)


def design(d):
    return make_design(weights=d["w"], strata=d["stratum"], clusters=d["psu"])


def test_brr_and_fay_take_the_first_psu_in_row_order(oracle):
    d, r, _ = oracle
    base = design(d)
    brr = replicate_estimate(make_replicates(base, "BRR"), d["x"])[0]
    fay = replicate_estimate(make_replicates(base, "Fay", fay_rho=0.3), d["x"])[0]
    close([brr.estimate, brr.se], r["brr_mean"])
    close([fay.estimate, fay.se], r["fay_mean"])


@pytest.mark.parametrize("method", ["logit", "beta"])
def test_ciprop_uses_the_design_df_before_missing_values(oracle, method):
    d, r, _ = oracle
    e = proportion(design(d), d["y"], satisfied=[4, 5], method=method)
    close([e.estimate, e.se, e.ci_low, e.ci_high], r[f"ciprop_{method}"])
    assert e.df == int(r["ciprop_df"][0])


@pytest.mark.parametrize("method", ["beta", "logit"])
def test_domains_of_a_raked_design(oracle, method):
    d, r, _ = oracle
    raked = rake(design(d), [d["region"], d["sex"]], [REGION_POP, SEX_POP]).design
    ests = by_domain(raked, d["y"], [d["dom"]], statistic="proportion", satisfied=[4, 5], method=method)
    close([e.estimate for e in ests], r[f"rake_by_{method}_est"], 1e-8)
    lows = np.array([e.ci_low for e in ests])
    highs = np.array([e.ci_high for e in ests])
    solo = np.isnan(r[f"rake_by_{method}_lo"])
    assert solo.tolist() == [False, False, True]  # "solo" lies in one PSU: df 0, no interval in R
    assert np.isnan(lows[solo]).all() and np.isnan(highs[solo]).all()
    close(lows[~solo], r[f"rake_by_{method}_lo"][~solo], 2e-6)
    close(highs[~solo], r[f"rake_by_{method}_hi"][~solo], 2e-6)
    assert all(e.as_dict()["ci_low"] is None for e in np.array(ests)[solo])


def test_beta_in_domains_of_an_uncalibrated_design(oracle):
    d, r, _ = oracle
    ests = by_domain(design(d), d["y"], [d["dom"]], statistic="proportion", satisfied=[4, 5], method="beta")
    close([e.ci_low for e in ests[:2]], r["by_beta_lo"][:2])
    close([e.ci_high for e in ests[:2]], r["by_beta_hi"][:2])


def test_mean_in_a_domain_with_df_zero_has_no_interval(oracle):
    d, r, _ = oracle
    ests = by_domain(design(d), d["x"], [d["dom"]])
    assert [e.df for e in ests] == r["by_mean_df"].astype(int).tolist()
    close([e.ci_low for e in ests[:2]], r["by_mean_lo"][:2])
    close([e.ci_high for e in ests[:2]], r["by_mean_hi"][:2])
    assert np.isnan(r["by_mean_lo"][2]) and np.isnan([ests[2].ci_low, ests[2].ci_high]).all()


def test_lonely_unit_at_stage_two_with_average_is_nan_as_in_r(oracle):
    d, r, _ = oracle
    n = d["psu"].shape[0]
    ssu = np.zeros(n, dtype=int)
    for p in np.unique(d["psu"]):
        rows = np.flatnonzero(d["psu"] == p)
        ssu[rows] = np.resize([1, 2, 3], rows.shape[0])
    ssu[d["psu"] == 99] = 1
    t2 = make_design(
        strata=d["stratum"],
        clusters=[d["psu"], ssu],
        fpc=[np.full(n, 4.0), np.full(n, 5.0)],
        lonely_psu="average",
    )
    e = mean(t2, d["x"])
    assert np.isnan(r["stage2_average"][1]) and np.isnan(e.se)
    close(e.estimate, r["stage2_average"][0])


def test_jkn_average_scales_for_a_skipped_certainty_stratum(oracle):
    d, r, work = oracle
    keep = ~np.isin(d["psu"], [99, 91])
    population = np.where(d["stratum"] == "S0", 1.0, np.where(d["stratum"] == "S4", 3.0, 10.0))[keep]
    base = make_design(
        weights=d["w"][keep],
        strata=d["stratum"][keep],
        clusters=d["psu"][keep],
        fpc=population,
        lonely_psu="average",
    )
    e = replicate_estimate(make_replicates(base, "JKn"), d["x"][keep])[0]
    close([e.estimate, e.se], r["jkn_average"])
