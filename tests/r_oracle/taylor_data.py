"""The generated design of the Taylor-linearisation cross-checks (test_r_taylor) and the R script run on it."""

from __future__ import annotations

import numpy as np

REGIONS = ["north", "centre", "south", "highland"]
REGION_POP = {"north": 4200.0, "centre": 3100.0, "south": 5300.0, "highland": 1400.0}
SEX_POP = {"F": 7300.0, "M": 6700.0}


def generate(seed: int = 20261125) -> dict[str, np.ndarray]:
    """Stratified two-stage sample with fpc, unequal weights, missing answers and domains."""
    rng = np.random.default_rng(seed)
    n_psu_per = np.array([2, 3, 4, 5, 6, 8, 3, 7])
    rows: dict[str, list[object]] = {k: [] for k in ["stratum", "psu", "ssu", "N1", "N2"]}
    psu_id = 0
    for h, m in enumerate(n_psu_per):
        n1 = m * int(rng.integers(2, 6))
        for _ in range(m):
            psu_id += 1
            k = int(rng.integers(2, 5))
            n2 = k + int(rng.integers(0, 6))
            for s in range(k):
                size = int(rng.integers(3, 12))
                rows["stratum"] += [f"S{h}"] * size
                rows["psu"] += [psu_id] * size
                rows["ssu"] += [s + 1] * size
                rows["N1"] += [n1] * size
                rows["N2"] += [n2] * size
    n = len(rows["psu"])
    out: dict[str, np.ndarray] = {
        "stratum": np.array(rows["stratum"]),
        "psu": np.array(rows["psu"]),
        "ssu": np.array(rows["ssu"]),
        "N1": np.array(rows["N1"], dtype=float),
        "N2": np.array(rows["N2"], dtype=float),
    }
    psu_effect = rng.normal(0, 0.6, psu_id + 1)[out["psu"]]
    out["w"] = np.round(rng.lognormal(2.0, 0.5, n), 3)
    out["region"] = np.array(REGIONS)[rng.integers(0, 4, n)]
    out["sex"] = np.where(rng.random(n) < 0.5, "F", "M")
    latent = 3.2 + psu_effect + 0.3 * (out["sex"] == "F") + rng.normal(0, 1, n)
    for j in range(1, 5):
        item = np.clip(np.round(latent + rng.normal(0, 0.8, n)), 1, 5)
        item[rng.random(n) < 0.07 * j] = np.nan
        out[f"y{j}"] = item
    out["x"] = np.round(rng.gamma(2.0, 10.0, n) + 5 * psu_effect + 20, 2)
    out["z"] = np.round(out["x"] * rng.uniform(0.5, 1.5, n) + 5, 2)
    return out


R_SCRIPT = r"""
df <- read.csv("gen.csv", stringsAsFactors = FALSE)
A <- svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~N1, data=df)
A0 <- svydesign(id=~psu, strata=~stratum, weights=~w, data=df)
est_se("mean_y1", svymean(~y1, A, na.rm=TRUE))
est_se("mean_y1_nofpc", svymean(~y1, A0, na.rm=TRUE))
est_se("total_x", svytotal(~x, A))
out("deff_x", deff(svymean(~x, A, deff=TRUE)), deff(svytotal(~x, A, deff=TRUE)))
out("deff_by_x", deff(svyby(~x, ~region, A, svymean, deff=TRUE)))
r <- svyratio(~x, ~z, A); out("ratio_xz", coef(r), SE(r))
for (m in c("logit", "beta", "mean")) {
  p <- svyciprop(~I(y1 >= 4), A, method=m, na.rm=TRUE)
  out(paste0("prop_", m), coef(p), SE(p), attr(p, "ci"))
}
b <- svyby(~y2, ~region+sex, A, svymean, na.rm=TRUE)
out("by_y2_est", coef(b)); out("by_y2_se", SE(b))
bp <- svyby(~I(y2 >= 4), ~region, A, svyciprop, vartype=c("se", "ci"), na.rm=TRUE)
out("byp_est", coef(bp)); out("byp_se", SE(bp)); out("byp_lo", bp[, 4]); out("byp_hi", bp[, 5])
B <- svydesign(id=~psu+ssu, strata=~stratum, fpc=~N1+N2, data=df)
est_se("twostage_y1", svymean(~y1, B, na.rm=TRUE))
est_se("twostage_total_x", svytotal(~x, B))
# lonely PSUs: one stratum reduced to a single PSU
L <- df[!(df$stratum == "S0" & df$psu == min(df$psu[df$stratum == "S0"])), ]
L <- L[!(L$stratum == "S1" & L$psu != min(L$psu[L$stratum == "S1"])), ]
write.csv(L, "lonely.csv", row.names=FALSE)
for (pol in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu=pol)
  est_se(paste0("lonely_", pol), svymean(~x, svydesign(id=~psu, strata=~stratum, weights=~w, data=L)))
  LF <- svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~N1, data=L)
  est_se(paste0("lonelyfpc_", pol), svymean(~x, LF))
}
options(survey.lonely.psu="fail")
pop_region <- data.frame(region=c("north","centre","south","highland"), Freq=c(4200,3100,5300,1400))
pop_sex <- data.frame(sex=c("F","M"), Freq=c(7300,6700))
P <- postStratify(A, ~region, pop_region)
est_se("ps_y1", svymean(~y1, P, na.rm=TRUE))
R <- rake(A, list(~region, ~sex), list(pop_region, pop_sex), control=list(epsilon=1e-13, maxit=500))
est_se("rake_y1", svymean(~y1, R, na.rm=TRUE))
est_se("rake_x", svymean(~x, R))
est_se("rake_total_x", svytotal(~x, R))
pr <- svyciprop(~I(y1 >= 4), subset(R, !is.na(y1)), method="logit")
out("rake_prop", coef(pr), SE(pr), attr(pr, "ci"))
br <- svyby(~x, ~region, R, svymean)
out("rake_by_est", coef(br)); out("rake_by_se", SE(br))
T <- trimWeights(R, upper=quantile(weights(R), 0.9), lower=quantile(weights(R), 0.05))
out("trim_bounds", quantile(weights(R), 0.05), quantile(weights(R), 0.9))
est_se("trim_x", svymean(~x, T))
TS <- trimWeights(R, upper=quantile(weights(R), 0.9), lower=quantile(weights(R), 0.05), strict=TRUE)
est_se("trimstrict_x", svymean(~x, TS))
popt <- c(@POPT@)
Cl <- calibrate(A, ~region+x, popt)
est_se("cal_lin_y1", svymean(~y1, Cl, na.rm=TRUE))
Cr <- calibrate(A, ~region+x, popt, calfun="raking")
est_se("cal_rak_y1", svymean(~y1, Cr, na.rm=TRUE))
Cg <- calibrate(A, ~region+x, popt, calfun="logit", bounds=c(0.2, 4))
est_se("cal_logit_y1", svymean(~y1, Cg, na.rm=TRUE))
# indices: item_mean = mean of item proportions (svycontrast), pooled = ratio
for (j in 1:3) { df[[paste0("s", j)]] <- ifelse(is.na(df[[paste0("y", j)]]), 0, df[[paste0("y", j)]] >= 4)
                 df[[paste0("a", j)]] <- as.numeric(!is.na(df[[paste0("y", j)]]))
                 df[[paste0("v", j)]] <- ifelse(is.na(df[[paste0("y", j)]]), 0, df[[paste0("y", j)]]) }
A <- svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~N1, data=df)
tt <- svytotal(~s1+s2+s3+a1+a2+a3+v1+v2+v3, A)
k <- svycontrast(tt, quote((s1/a1 + s2/a2 + s3/a3)/3)); out("idx_item_mean", coef(k), SE(k))
k <- svycontrast(tt, quote((v1/a1 + v2/a2 + v3/a3)/3)); out("idx_item_mean_score", coef(k), SE(k))
k <- svyratio(~I(s1+s2+s3), ~I(a1+a2+a3), A); out("idx_pooled", coef(k), SE(k))
k <- svyratio(~I(v1+v2+v3), ~I(a1+a2+a3), A); out("idx_pooled_score", coef(k), SE(k))
RR <- rake(A, list(~region, ~sex), list(pop_region, pop_sex), control=list(epsilon=1e-13, maxit=500))
tt <- svytotal(~s1+s2+s3+a1+a2+a3, RR)
k <- svycontrast(tt, quote((s1/a1 + s2/a2 + s3/a3)/3)); out("idx_item_mean_raked", coef(k), SE(k))
# api data: the reference designs
data(api)
dclus1 <- svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=apiclus1)
b <- svyby(~api00, ~stype+sch.wide, dclus1, svymean); out("api_by_est", coef(b)); out("api_by_se", SE(b))
est_se("api_rake_enroll", svytotal(~enroll, rake(dclus1, list(~stype, ~sch.wide),
  list(data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018)),
       data.frame(sch.wide=c("No","Yes"), Freq=c(1072,5122))),
  control=list(epsilon=1e-13, maxit=500))))
"""


def cal_totals(d: dict[str, np.ndarray]) -> np.ndarray:
    """Calibration totals near the sample's (intercept, highland, north, south, x)."""
    w = d["w"]
    reg = d["region"]
    est = np.array([w.sum(), w[reg == "highland"].sum(), w[reg == "north"].sum(), w[reg == "south"].sum(), w @ d["x"]])
    return np.round(est * np.array([1.08, 0.95, 1.1, 1.12, 1.1]), 1)
