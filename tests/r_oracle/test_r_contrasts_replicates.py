"""Domain covariances and contrasts (``svyby(covmat=TRUE)`` + ``svycontrast``) and replicate weights supplied
with the data (``svrepdesign(repweights=...)``) against R's survey package.

The replicate weights are made by R (``as.svrepdesign`` of several designs, and the ``scd`` example of R's
own documentation), written to CSV as a public-use file ships them, and read back by both sides.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from sampling import make_design, mean, poststratify
from sampling.change import change_from_estimates, change_from_summaries, period_change
from sampling.contrasts import contrast, difference, domain_covariance
from sampling.user_replicates import make_user_replicates, user_replicate_estimate, user_replicate_quantile

from ..sampling.apidata import col, num
from ..sampling.apidata import path as api_path
from .rhelper import run_r, write_csv
from .test_r_analyses import generate

pytestmark = pytest.mark.r_oracle

REL = 1e-9

R_SCRIPT = r"""
apiclus1 <- read.csv("@API@/apiclus1.csv"); apistrat <- read.csv("@API@/apistrat.csv")
apiclus2 <- read.csv("@API@/apiclus2.csv")
dclus1 <- svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)
dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)
dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)
df <- read.csv("gen.csv", stringsAsFactors=FALSE)
df$s <- as.numeric(df$y >= 4)
A <- svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~N1, data=df)
B <- svydesign(id=~psu+ssu, strata=~stratum, fpc=~N1+N2, data=df)
cv <- function(name, b, con) { out(paste0(name, "_est"), coef(b)); out(paste0(name, "_vcov"), vcov(b))
  k <- svycontrast(b, con); out(paste0(name, "_con"), coef(k), SE(k), confint(k, df=degf(b_design)),
  2 * pt(-abs(coef(k) / SE(k)), degf(b_design))) }
b_design <- dclus1; cv("clus1", svyby(~api00, ~stype, dclus1, svymean, covmat=TRUE), c(1, -1, 0))
b_design <- dstrat; cv("strat", svyby(~api00, ~stype, dstrat, svymean, covmat=TRUE), c(0.5, 0.5, -1))
b_design <- dclus2
cv("clus2", svyby(~enroll, ~stype, subset(dclus2, !is.na(enroll)), svytotal, covmat=TRUE), c(1, 0, -1))
b_design <- A; cv("A", svyby(~x, ~region, subset(A, !is.na(x)), svymean, covmat=TRUE), c(-1, 1, 0))
b_design <- A; cv("Aprop", svyby(~s, ~sex, subset(A, !is.na(s)), svymean, covmat=TRUE), c(1, -1))
b_design <- A; cv("Atot", svyby(~x, ~region, subset(A, !is.na(x)), svytotal, covmat=TRUE), c(1, 1, 1))
b_design <- B; cv("B", svyby(~y, ~region+sex, subset(B, !is.na(y)), svymean, covmat=TRUE), c(1, 0, -1, 0, 0, 0))
b_design <- dclus1; cv("ratio", svyby(~api00, ~stype, denominator=~enroll, dclus1, svyratio, covmat=TRUE), c(1, -1, 0))
P <- postStratify(dclus1, ~stype, data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018)))
# svyby(covmat=TRUE) fails on post-stratified designs in survey 4.1: domain means as ratios of totals instead
P <- update(P, a_no=api00 * (sch.wide == "No"), a_yes=api00 * (sch.wide == "Yes"), n_no=as.numeric(sch.wide == "No"),
  n_yes=as.numeric(sch.wide == "Yes"))
tt <- svytotal(~a_no + a_yes + n_no + n_yes, P)
b_design <- P; cv("ps", svycontrast(tt, list(No=quote(a_no / n_no), Yes=quote(a_yes / n_yes))), c(-1, 1))
L <- df[!(df$stratum == "S0" & df$psu != min(df$psu[df$stratum == "S0"])), ]
options(survey.lonely.psu="adjust"); LA <- svydesign(id=~psu, strata=~stratum, weights=~w, data=L)
b_design <- LA; cv("lonely", svyby(~x, ~region, subset(LA, !is.na(x)), svymean, covmat=TRUE), c(1, 0, -1))
options(survey.lonely.psu="fail")
# (svyby(covmat=TRUE) fails with na.rm=TRUE in survey 4.1: missing values are removed by subset() instead)
# two independent periods: the same frame sampled twice, stacked with the period in the strata
two <- rbind(transform(df, period=1), transform(df, period=2, x=x * 1.1 + 2, psu=psu + 1000))
two$pstratum <- paste(two$period, two$stratum)
S <- svydesign(id=~psu, strata=~pstratum, weights=~w, fpc=~N1, data=two)
b_design <- S; cv("periods", svyby(~x, ~period, subset(S, !is.na(x)), svymean, covmat=TRUE), c(-1, 1))
two$psu <- two$psu - 1000 * (two$period - 1); O <- svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~N1, data=two)
b_design <- O; cv("overlap", svyby(~x, ~period, subset(O, !is.na(x)), svymean, covmat=TRUE), c(-1, 1))
# replicate weights as public-use files ship them
rw <- function(name, rdes, data) { W <- unclass(as.matrix(weights(rdes, "analysis")))
  colnames(W) <- paste0("rw", seq_len(ncol(W)))
  write.csv(cbind(data, W), paste0(name, ".csv"), row.names=FALSE)
  out(paste0(name, "_scale"), rdes$scale); out(paste0(name, "_rscales"), rdes$rscales) }
rA <- as.svrepdesign(A, type="JKn", compress=FALSE); rw("jkn", rA, df)
rw("jk1", as.svrepdesign(dclus1, type="JK1", compress=FALSE), apiclus1)
set.seed(7); rw("boot", as.svrepdesign(dstrat, type="bootstrap", replicates=60, compress=FALSE), apistrat)
rep_est <- function(name, des, var, byv) {
  m <- svymean(as.formula(paste0("~", var)), des, na.rm=TRUE); out(paste0(name, "_mean"), coef(m), SE(m), degf(des))
  t <- svytotal(as.formula(paste0("~", var)), des, na.rm=TRUE); out(paste0(name, "_total"), coef(t), SE(t))
  b <- svyby(as.formula(paste0("~", var)), as.formula(paste0("~", byv)), des, svymean, na.rm=TRUE)
  out(paste0(name, "_by"), coef(b), SE(b)) }
d <- read.csv("jkn.csv", stringsAsFactors=FALSE)
J <- svrepdesign(data=d, repweights="rw[0-9]+", weights=~w, type="JKn", scale=rA$scale, rscales=rA$rscales,
  combined.weights=TRUE)
rep_est("jkn", J, "x", "region")
rq <- function(name, fml, des) { r <- svyquantile(fml, des, c(0.1, 0.5, 0.9), na.rm=TRUE)[[1]]; out(name, r) }
rq("jkn_q", ~x, J); rq("jkn_q_north", ~x, subset(J, region == "north"))
Jy <- subset(J, !is.na(y)); p <- svyciprop(~I(y >= 4), Jy); out("jkn_prop", coef(p), SE(p), attr(p, "ci"), degf(Jy))
p <- svyciprop(~I(y >= 4), subset(J, !is.na(y)), method="mean"); out("jkn_prop_mean", coef(p), SE(p), attr(p, "ci"))
d1 <- read.csv("jk1.csv")
J1 <- svrepdesign(data=d1, repweights="rw[0-9]+", weights=~pw, type="JK1", combined.weights=TRUE)
rep_est("jk1", J1, "api00", "stype")
J1m <- svrepdesign(data=d1, repweights="rw[0-9]+", weights=~pw, type="JK1", combined.weights=TRUE, mse=TRUE)
m <- svymean(~api00, J1m); out("jk1_mse", coef(m), SE(m))
db <- read.csv("boot.csv"); Bt <- svrepdesign(data=db, repweights="rw[0-9]+", weights=~pw, type="bootstrap",
  combined.weights=TRUE); rep_est("boot", Bt, "api00", "stype")
rq("boot_q", ~api00, Bt)
data(scd); repweights <- 2 * cbind(c(1,0,1,0,1,0), c(1,0,0,1,0,1), c(0,1,1,0,0,1), c(0,1,0,1,1,0))
write.csv(cbind(scd, f=repweights), "scd.csv", row.names=FALSE)
brr <- svrepdesign(data=scd, type="BRR", repweights=repweights, combined.weights=FALSE)
m <- svymean(~alive, brr); out("brr", coef(m), SE(m), degf(brr))
fay <- svrepdesign(data=scd, type="Fay", rho=0.3, repweights=repweights * 0.7 + 0.3, combined.weights=FALSE)
m <- svymean(~arrests, fay); out("fay", coef(m), SE(m))
"""


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], Path]:
    work = tmp_path_factory.mktemp("r_contrasts")
    data = generate()
    write_csv(work / "gen.csv", data)
    return data, run_r(R_SCRIPT.replace("@API@", str(api_path("apiclus1").parent)), work), work


def read_csv(path: Path) -> dict[str, np.ndarray]:
    """A CSV written by R's write.csv: numeric columns as floats (NA as NaN), others as text."""
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    out: dict[str, np.ndarray] = {}
    for j, name in enumerate(rows[0]):
        values = [r[j] for r in rows[1:]]
        try:
            out[name] = np.array([np.nan if v == "NA" else float(v) for v in values])
        except ValueError:
            out[name] = np.array(values)
    return out


def close(ours: object, theirs: np.ndarray, rel: float = REL) -> None:
    np.testing.assert_allclose(np.atleast_1d(np.asarray(ours, dtype=float)), theirs, rtol=rel, atol=1e-10)


def api_design(name: str):
    if name == "clus1":
        return make_design(weights=num("apiclus1", "pw"), clusters=col("apiclus1", "dnum"), fpc=num("apiclus1", "fpc"))
    if name == "strat":
        return make_design(weights=num("apistrat", "pw"), strata=col("apistrat", "stype"), fpc=num("apistrat", "fpc"))
    return make_design(
        clusters=[col("apiclus2", "dnum"), col("apiclus2", "snum")],
        fpc=[num("apiclus2", "fpc1"), num("apiclus2", "fpc2")],
    )


CASES = {
    # key: (design, data set, y, by columns, statistic, denominator, contrast in R's domain order)
    "clus1": ("clus1", "apiclus1", "api00", ["stype"], "mean", None, [1, -1, 0]),
    "strat": ("strat", "apistrat", "api00", ["stype"], "mean", None, [0.5, 0.5, -1]),
    "clus2": ("clus2", "apiclus2", "enroll", ["stype"], "total", None, [1, 0, -1]),
    "A": ("A", None, "x", ["region"], "mean", None, [-1, 1, 0]),
    "Aprop": ("A", None, "y", ["sex"], "proportion", None, [1, -1]),
    "Atot": ("A", None, "x", ["region"], "total", None, [1, 1, 1]),
    "B": ("B", None, "y", ["region", "sex"], "mean", None, [1, 0, -1, 0, 0, 0]),
    "ratio": ("clus1", "apiclus1", "api00", ["stype"], "ratio", "enroll", [1, -1, 0]),
    "ps": ("ps", "apiclus1", "api00", ["sch.wide"], "mean", None, [-1, 1]),
    "lonely": ("lonely", None, "x", ["region"], "mean", None, [1, 0, -1]),
}


@pytest.mark.parametrize("key", list(CASES))
def test_domain_covariance_and_contrast_match_svyby_svycontrast(oracle, key):
    d, r, _ = oracle
    design_name, dataset, y, by, statistic, denominator, weights = CASES[key]
    yy = num(dataset, y) if dataset else d[y]
    if design_name == "lonely":  # stratum S0 reduced to one PSU, lonely_psu="adjust"
        s0 = d["stratum"] == "S0"
        keep = ~(s0 & (d["psu"] != d["psu"][s0].min()))
        d = {k: v[keep] for k, v in d.items()}
        yy = d[y]
        des = make_design(weights=d["w"], strata=d["stratum"], clusters=d["psu"], lonely_psu="adjust")
    elif design_name == "A":
        des = make_design(weights=d["w"], strata=d["stratum"], clusters=d["psu"], fpc=d["N1"])
    elif design_name == "B":
        des = make_design(strata=d["stratum"], clusters=[d["psu"], d["ssu"]], fpc=[d["N1"], d["N2"]])
    elif design_name == "ps":
        des = poststratify(api_design("clus1"), [col("apiclus1", "stype")], {"E": 4421, "H": 755, "M": 1018})
    else:
        des = api_design(design_name)
    get = (lambda c: col(dataset, c)) if dataset else (lambda c: d[c])
    est = domain_covariance(
        des,
        yy,
        [get(c) for c in by],
        by_names=by,
        statistic=statistic,
        satisfied=[4, 5] if statistic == "proportion" else None,
        denominator=num(dataset, denominator) if denominator else None,
    )
    # R lists svyby domains with the first by column varying fastest
    order = sorted(range(len(est.labels)), key=lambda i: tuple(v for _, v in reversed(est.labels[i])))
    close(est.estimates[order], r[f"{key}_est"])
    close(est.covariance[np.ix_(order, order)].ravel(order="F"), r[f"{key}_vcov"])
    ours = np.zeros(len(order))
    ours[order] = weights
    k = contrast(est, ours.tolist())
    close([k.estimate, k.se, k.ci_low, k.ci_high, k.p_value], r[f"{key}_con"])


def test_difference_names_domains(oracle):
    d, r, _ = oracle
    est = domain_covariance(api_design("clus1"), num("apiclus1", "api00"), [col("apiclus1", "stype")])
    k = difference(est, "E", {"by0": "H"})
    close([k.estimate, k.se], r["clus1_con"][:2])
    assert k.as_dict()["significant"] is False


def test_independent_periods_match_stacked_design(oracle):
    d, r, _ = oracle
    des = make_design(weights=d["w"], strata=d["stratum"], clusters=d["psu"], fpc=d["N1"])
    first = mean(des, d["x"])
    second = mean(des, d["x"] * 1.1 + 2)
    k = change_from_estimates(second, first)
    close([k.estimate, k.se, k.ci_low, k.ci_high, k.p_value], r["periods_con"])
    assert k.significant
    s = change_from_summaries(
        second.estimate, second.se, first.estimate, first.se, current_df=second.df, previous_df=first.df
    )
    close([s.estimate, s.se, s.ci_low, s.ci_high, s.p_value], r["periods_con"])


def test_overlapping_periods_count_their_covariance(oracle):
    d, r, _ = oracle
    two = {k: np.concatenate([v, v]) for k, v in d.items()}
    two["x"] = np.concatenate([d["x"], d["x"] * 1.1 + 2])
    two["period"] = np.repeat(["1", "2"], d["x"].size)
    des = make_design(weights=two["w"], strata=two["stratum"], clusters=two["psu"], fpc=two["N1"])
    k = period_change(des, two["x"], two["period"], current="2", previous="1", statistic="mean")
    close([k.estimate, k.se, k.ci_low, k.ci_high, k.p_value], r["overlap_con"])
    assert k.se < r["periods_con"][1] / 2  # the same PSUs in both periods: far less noise than independent


def _user_design(work: Path, name: str, weight: str, type: str, r: dict[str, np.ndarray], **kw: object):
    data = read_csv(work / f"{name}.csv")
    reps = np.column_stack([data[c] for c in data if c.startswith("rw")])
    if type == "JKn":
        kw = {"scale": float(r[f"{name}_scale"][0]), "rscales": r[f"{name}_rscales"].tolist(), **kw}
    return data, make_user_replicates(data[weight], reps, type=type, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "weight", "type", "y", "by"),
    [
        ("jkn", "w", "JKn", "x", "region"),
        ("jk1", "pw", "JK1", "api00", "stype"),
        ("boot", "pw", "bootstrap", "api00", "stype"),
    ],
)
def test_user_replicate_weights_match_svrepdesign(oracle, name, weight, type, y, by):
    _, r, work = oracle
    data, rep = _user_design(work, name, weight, type, r)
    m = user_replicate_estimate(rep, data[y])[0]
    close([m.estimate, m.se, m.df], r[f"{name}_mean"])
    t = user_replicate_estimate(rep, data[y], statistic="total")[0]
    close([t.estimate, t.se], r[f"{name}_total"])
    b = user_replicate_estimate(rep, data[y], by=[data[by]])
    close([e.estimate for e in b] + [e.se for e in b], r[f"{name}_by"])


def test_user_replicate_proportion_cis(oracle):
    _, r, work = oracle
    data, rep = _user_design(work, "jkn", "w", "JKn", r)
    p = user_replicate_estimate(rep, data["y"], statistic="proportion", satisfied=[4, 5])[0]
    close([p.estimate, p.se, p.ci_low, p.ci_high, p.df], r["jkn_prop"])
    p = user_replicate_estimate(rep, data["y"], statistic="proportion", satisfied=[4, 5], method="wald")[0]
    close([p.estimate, p.se, p.ci_low, p.ci_high], r["jkn_prop_mean"])


def test_user_replicates_mse_brr_fay(oracle):
    _, r, work = oracle
    data, rep = _user_design(work, "jk1", "pw", "JK1", r, mse=True)
    m = user_replicate_estimate(rep, data["api00"])[0]
    close([m.estimate, m.se], r["jk1_mse"])
    scd = read_csv(work / "scd.csv")
    factors = np.column_stack([scd[f"f.{j}"] for j in range(1, 5)])
    ones = np.ones(factors.shape[0])
    brr = make_user_replicates(ones, factors, type="BRR", combined_weights=False)
    m = user_replicate_estimate(brr, scd["alive"])[0]
    close([m.estimate, m.se, m.df], r["brr"])
    fay = make_user_replicates(ones, factors * 0.7 + 0.3, type="Fay", rho=0.3, combined_weights=False)
    m = user_replicate_estimate(fay, scd["arrests"])[0]
    close([m.estimate, m.se], r["fay"])


@pytest.mark.parametrize(
    ("name", "weight", "type", "y", "domain", "key"),
    [
        ("jkn", "w", "JKn", "x", None, "jkn_q"),
        ("jkn", "w", "JKn", "x", ("region", "north"), "jkn_q_north"),
        ("boot", "pw", "bootstrap", "api00", None, "boot_q"),
    ],
)
def test_user_replicate_quantiles_match_svyquantile(oracle, name, weight, type, y, domain, key):
    _, r, work = oracle
    data, rep = _user_design(work, name, weight, type, r)
    mask = None if domain is None else data[domain[0]] == domain[1]
    qs = user_replicate_quantile(rep, data[y], [0.1, 0.5, 0.9], domain=mask)
    # R's matrix, column by column: quantiles, lower bounds, upper bounds, SEs
    ours = [q.estimate for q in qs] + [q.ci_low for q in qs] + [q.ci_high for q in qs] + [q.se for q in qs]
    close(ours, r[key])
