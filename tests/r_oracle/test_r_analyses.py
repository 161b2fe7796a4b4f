"""Quantiles, population variances, two-way tables with the Rao–Scott test, and t tests against R's survey.

One R script computes every reference: ``svyquantile`` (defaults: qrule "math", Woodruff "mean" interval),
``svyvar``, ``svytable``/``svychisq`` and ``svyttest``, on R's api data (read from the same CSV files) and
on a generated stratified two-stage sample with fpc, unequal weights, missing answers and domains.
"""

from __future__ import annotations

import numpy as np
import pytest

from sampling import make_design
from sampling.crosstab import crosstab, rao_scott
from sampling.dispersion import population_variance
from sampling.quantiles import quantile, quantiles_by
from sampling.ttest import ttest

from ..sampling.apidata import col, num
from ..sampling.apidata import path as api_path
from .rhelper import run_r, write_csv

pytestmark = pytest.mark.r_oracle

REL = 1e-9
PROBS = [0.1, 0.25, 0.5, 0.75, 0.9]


def generate(seed: int = 20261203) -> dict[str, np.ndarray]:
    """Stratified two-stage sample with fpc at both stages, unequal weights, missing values and domains."""
    rng = np.random.default_rng(seed)
    cols: dict[str, list[object]] = {k: [] for k in ["stratum", "psu", "ssu", "N1", "N2"]}
    psu = 0
    for h, m in enumerate([2, 3, 5, 4, 6]):
        n1 = m * int(rng.integers(2, 5))
        for _ in range(m):
            psu += 1
            k = int(rng.integers(2, 5))
            n2 = k + int(rng.integers(0, 5))
            for s in range(k):
                size = int(rng.integers(3, 10))
                cols["stratum"] += [f"S{h}"] * size
                cols["psu"] += [psu] * size
                cols["ssu"] += [s + 1] * size
                cols["N1"] += [n1] * size
                cols["N2"] += [n2] * size
    out = {k: np.array(v) for k, v in cols.items()}
    out["N1"] = out["N1"].astype(float)
    out["N2"] = out["N2"].astype(float)
    n = out["psu"].size
    effect = rng.normal(0, 0.7, psu + 1)[out["psu"]]
    out["w"] = np.round(rng.lognormal(2.0, 0.5, n), 3)
    out["region"] = np.array(["north", "centre", "south"])[rng.integers(0, 3, n)]
    out["sex"] = np.where(rng.random(n) < 0.5, "F", "M")
    likert = np.clip(np.round(3.1 + effect + 0.4 * (out["sex"] == "F") + rng.normal(0, 1, n)), 1, 5)
    likert[rng.random(n) < 0.1] = np.nan
    out["y"] = likert
    x = np.round(rng.gamma(2.0, 10.0, n) + 6 * effect + 25, 2)
    x[rng.random(n) < 0.05] = np.nan
    out["x"] = x
    return out


R_SCRIPT = r"""
apiclus1 <- read.csv("@API@/apiclus1.csv"); apistrat <- read.csv("@API@/apistrat.csv")
apiclus2 <- read.csv("@API@/apiclus2.csv"); apisrs <- read.csv("@API@/apisrs.csv")
dclus1 <- svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)
dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)
dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)
dsrs <- svydesign(id=~1, weights=~pw, fpc=~fpc, data=apisrs)
df <- read.csv("gen.csv", stringsAsFactors=FALSE)
A <- svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~N1, data=df)
B <- svydesign(id=~psu+ssu, strata=~stratum, fpc=~N1+N2, data=df)
probs <- c(0.1, 0.25, 0.5, 0.75, 0.9)
q <- function(name, fml, des) { r <- svyquantile(fml, des, probs, na.rm=TRUE)[[1]]
  out(paste0(name, "_q"), r[, 1]); out(paste0(name, "_lo"), r[, 2]); out(paste0(name, "_hi"), r[, 3])
  out(paste0(name, "_se"), r[, 4]) }
q("q_clus1", ~api00, dclus1); q("q_strat", ~api00, dstrat); q("q_clus2", ~enroll, dclus2)
q("q_srs", ~meals, dsrs); q("q_A", ~x, A); q("q_Ay", ~y, A); q("q_B", ~x, B)
q("q_Anorth", ~x, subset(A, region == "north")); q("q_clus1E", ~api00, subset(dclus1, stype == "E"))
r <- svyquantile(~api00, subset(dclus1, stype == "H"), c(0.02, 0.98))[[1]]
out("q_edge", r[, 1], r[, 2], r[, 3])
v <- function(name, fml, des) { s <- svyvar(fml, des, na.rm=TRUE)
  out(name, coef(s), SE(s), confint(s, df=degf(des))) }
v("v_strat", ~api00, dstrat); v("v_clus1", ~api00, dclus1); v("v_clus2", ~enroll, dclus2)
v("v_A", ~x, A); v("v_B", ~y, B); v("v_Af", ~x, subset(A, sex == "F"))
t <- svytable(~region+sex, A); out("tab_A", t)
chi <- function(name, fml, des, ...) { s <- svychisq(fml, des, ...)
  out(name, s$statistic, s$parameter, s$p.value) }
chi("chi_clus1", ~stype+sch.wide, dclus1); chi("chi_strat", ~stype+awards, dstrat)
chi("chi_clus2", ~stype+both, dclus2); chi("chi_A", ~region+y, A); chi("chi_B", ~region+sex, B)
chi("chi_Am", ~region+y, subset(A, sex == "M")); chi("chi_clus1_chisq", ~stype+sch.wide, dclus1, statistic="Chisq")
m <- svymean(~interaction(region, y), A, na.rm=TRUE); out("cell_A", coef(m), SE(m))
tt <- function(name, fml, des) { s <- svyttest(fml, des)
  out(name, s$estimate, s$statistic, s$parameter, s$p.value, s$conf.int) }
tt("t_clus1", api00~sch.wide, dclus1); tt("t_strat", api00~awards, dstrat); tt("t_clus2", enroll~both, dclus2)
tt("t_A", y~sex, A); tt("t_B", x~sex, B); tt("t_Anorth", x~sex, subset(A, region == "north"))
"""


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    work = tmp_path_factory.mktemp("r_analyses")
    data = generate()
    write_csv(work / "gen.csv", data)
    return data, run_r(R_SCRIPT.replace("@API@", str(api_path("apiclus1").parent)), work)


def designs(d: dict[str, np.ndarray]) -> dict[str, object]:
    return {
        "clus1": make_design(
            weights=num("apiclus1", "pw"), clusters=col("apiclus1", "dnum"), fpc=num("apiclus1", "fpc")
        ),
        "strat": make_design(
            weights=num("apistrat", "pw"), strata=col("apistrat", "stype"), fpc=num("apistrat", "fpc")
        ),
        "clus2": make_design(
            clusters=[col("apiclus2", "dnum"), col("apiclus2", "snum")],
            fpc=[num("apiclus2", "fpc1"), num("apiclus2", "fpc2")],
        ),
        "srs": make_design(weights=num("apisrs", "pw"), fpc=num("apisrs", "fpc")),
        "A": make_design(weights=d["w"], strata=d["stratum"], clusters=d["psu"], fpc=d["N1"]),
        "B": make_design(strata=d["stratum"], clusters=[d["psu"], d["ssu"]], fpc=[d["N1"], d["N2"]]),
    }


def close(ours: object, theirs: np.ndarray, rel: float = REL) -> None:
    np.testing.assert_allclose(np.atleast_1d(np.asarray(ours, dtype=float)), theirs, rtol=rel, atol=1e-12)


@pytest.mark.parametrize(
    ("key", "design", "dataset", "column", "domain"),
    [
        ("q_clus1", "clus1", "apiclus1", "api00", None),
        ("q_strat", "strat", "apistrat", "api00", None),
        ("q_clus2", "clus2", "apiclus2", "enroll", None),
        ("q_srs", "srs", "apisrs", "meals", None),
        ("q_A", "A", None, "x", None),
        ("q_Ay", "A", None, "y", None),
        ("q_B", "B", None, "x", None),
        ("q_Anorth", "A", None, "x", ("region", "north")),
        ("q_clus1E", "clus1", "apiclus1", "api00", ("stype", "E")),
    ],
)
def test_quantiles_match_svyquantile(oracle, key, design, dataset, column, domain):
    d, r = oracle
    des = designs(d)[design]
    y = num(dataset, column) if dataset else d[column]
    mask = None
    if domain is not None:
        mask = (col(dataset, domain[0]) if dataset else d[domain[0]]) == domain[1]
    qs = quantile(des, y, PROBS, domain=mask)
    close([q.estimate for q in qs], r[f"{key}_q"])
    close([q.ci_low for q in qs], r[f"{key}_lo"])
    close([q.ci_high for q in qs], r[f"{key}_hi"])
    close([q.se for q in qs], r[f"{key}_se"])


def test_quantile_bounds_r_leaves_undefined(oracle):
    d, r = oracle
    qs = quantile(designs(d)["clus1"], num("apiclus1", "api00"), [0.02, 0.98], domain=col("apiclus1", "stype") == "H")
    close([q.estimate for q in qs] + [q.ci_low for q in qs] + [q.ci_high for q in qs], r["q_edge"])
    assert np.isnan(qs[0].ci_low) and qs[0].as_dict()["ci_low"] is None


def test_quantiles_by_domain_equal_domain_masks(oracle):
    d, r = oracle
    by = quantiles_by(designs(d)["A"], d["x"], [d["region"]], PROBS, by_names=["region"])
    north = [q for q in by if q.group == (("region", "north"),)]
    close([q.estimate for q in north], r["q_Anorth_q"])
    close([q.se for q in north], r["q_Anorth_se"])


@pytest.mark.parametrize(
    ("key", "design", "dataset", "column", "domain"),
    [
        ("v_strat", "strat", "apistrat", "api00", None),
        ("v_clus1", "clus1", "apiclus1", "api00", None),
        ("v_clus2", "clus2", "apiclus2", "enroll", None),
        ("v_A", "A", None, "x", None),
        ("v_B", "B", None, "y", None),
        ("v_Af", "A", None, "x", ("sex", "F")),
    ],
)
def test_population_variance_matches_svyvar(oracle, key, design, dataset, column, domain):
    d, r = oracle
    y = num(dataset, column) if dataset else d[column]
    mask = None if domain is None else d[domain[0]] == domain[1]
    e = population_variance(designs(d)[design], y, domain=mask)
    close([e.estimate, e.se, e.ci_low, e.ci_high], r[key])
    assert e.statistic == "variance"


def test_weighted_table_and_cell_shares(oracle):
    d, r = oracle
    a = designs(d)["A"]
    tab = crosstab(a, d["region"], d["sex"])
    # R's svytable orders the levels alphabetically and lists the table column by column
    close(tab.counts.ravel(order="F"), r["tab_A"])
    cells = crosstab(a, d["region"], d["y"])
    k = cells.shares.size
    close(cells.shares.ravel(order="F"), r["cell_A"][:k])
    close(cells.share_se.ravel(order="F"), r["cell_A"][k:])


@pytest.mark.parametrize(
    ("key", "design", "dataset", "rows", "cols", "domain", "statistic"),
    [
        ("chi_clus1", "clus1", "apiclus1", "stype", "sch.wide", None, "F"),
        ("chi_strat", "strat", "apistrat", "stype", "awards", None, "F"),
        ("chi_clus2", "clus2", "apiclus2", "stype", "both", None, "F"),
        ("chi_A", "A", None, "region", "y", None, "F"),
        ("chi_B", "B", None, "region", "sex", None, "F"),
        ("chi_Am", "A", None, "region", "y", ("sex", "M"), "F"),
        ("chi_clus1_chisq", "clus1", "apiclus1", "stype", "sch.wide", None, "Chisq"),
    ],
)
def test_rao_scott_matches_svychisq(oracle, key, design, dataset, rows, cols, domain, statistic):
    d, r = oracle
    get = (lambda c: col(dataset, c)) if dataset else (lambda c: d[c])
    mask = None if domain is None else d[domain[0]] == domain[1]
    test = rao_scott(designs(d)[design], get(rows), get(cols), domain=mask, statistic=statistic)
    if statistic == "F":
        close([test.statistic, test.ndf, test.ddf, test.p_value], r[key])
    else:
        close([test.statistic, test.ndf, test.p_value], r[key])
    assert 0 < test.p_value < 1


@pytest.mark.parametrize(
    ("key", "design", "dataset", "y", "group", "domain"),
    [
        ("t_clus1", "clus1", "apiclus1", "api00", "sch.wide", None),
        ("t_strat", "strat", "apistrat", "api00", "awards", None),
        ("t_clus2", "clus2", "apiclus2", "enroll", "both", None),
        ("t_A", "A", None, "y", "sex", None),
        ("t_B", "B", None, "x", "sex", None),
        ("t_Anorth", "A", None, "x", "sex", ("region", "north")),
    ],
)
def test_ttest_matches_svyttest(oracle, key, design, dataset, y, group, domain):
    d, r = oracle
    yy = num(dataset, y) if dataset else d[y]
    g = col(dataset, group) if dataset else d[group]
    mask = None if domain is None else d[domain[0]] == domain[1]
    t = ttest(designs(d)[design], yy, g, domain=mask)
    close([t.difference, t.t, t.df, t.p_value, t.ci_low, t.ci_high], r[key])
