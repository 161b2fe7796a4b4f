"""Cross-checks against R's survey package on the api data and on generated designs.

One R script per module computes everything; each test compares one family of results. Agreement is
1e-6 relative (2e-5 after raking and calibration).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sampling import (
    by_domain,
    calibrate,
    compute_index,
    make_design,
    mean,
    poststratify,
    proportion,
    rake,
    ratio,
    total,
    trim_weights,
)

from .rhelper import run_r, write_csv
from .taylor_data import R_SCRIPT, REGION_POP, SEX_POP, cal_totals, generate

pytestmark = pytest.mark.r_oracle

REL = 1e-6
REL_RAKE = 2e-5


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    work = tmp_path_factory.mktemp("r_taylor")
    data = generate()
    write_csv(work / "gen.csv", data)
    popt = ", ".join(repr(float(v)) for v in cal_totals(data))
    return data, run_r(R_SCRIPT.replace("@POPT@", popt), work)


def design_a(d: dict[str, np.ndarray], fpc: bool = True):
    return make_design(weights=d["w"], strata=d["stratum"], clusters=d["psu"], fpc=d["N1"] if fpc else None)


def close(ours: float | list[float], theirs: np.ndarray, rel: float = REL) -> None:
    np.testing.assert_allclose(np.atleast_1d(np.asarray(ours, dtype=float)), theirs, rtol=rel, atol=0)


def test_means_totals_ratios(oracle):
    d, r = oracle
    a = design_a(d)
    e = mean(a, d["y1"])
    close([e.estimate, e.se], r["mean_y1"])
    e = mean(design_a(d, fpc=False), d["y1"])
    close([e.estimate, e.se], r["mean_y1_nofpc"])
    e = total(a, d["x"])
    close([e.estimate, e.se], r["total_x"])
    e = ratio(a, d["x"], d["z"])
    close([e.estimate, e.se], r["ratio_xz"])


@pytest.mark.parametrize(("method", "key"), [("logit", "prop_logit"), ("beta", "prop_beta"), ("wald", "prop_mean")])
def test_proportion_cis(oracle, method, key):
    d, r = oracle
    p = proportion(design_a(d), d["y1"], satisfied=[4, 5], method=method)
    close([p.estimate, p.se, p.ci_low, p.ci_high], r[key])


def test_domains_two_columns(oracle):
    d, r = oracle
    ests = by_domain(design_a(d), d["y2"], [d["region"], d["sex"]], by_names=["region", "sex"])
    # R orders svyby output by the last factor slowest: region varies fastest within sex
    order = sorted(range(len(ests)), key=lambda i: (ests[i].group[1][1], ests[i].group[0][1]))  # type: ignore[index]
    close([ests[i].estimate for i in order], r["by_y2_est"])
    close([ests[i].se for i in order], r["by_y2_se"])


def test_domain_proportion_cis(oracle):
    d, r = oracle
    ests = by_domain(design_a(d), d["y2"], [d["region"]], statistic="proportion", satisfied=[4, 5])
    close([e.estimate for e in ests], r["byp_est"])
    close([e.se for e in ests], r["byp_se"])
    close([e.ci_low for e in ests], r["byp_lo"])
    close([e.ci_high for e in ests], r["byp_hi"])


def test_two_stage_fpc(oracle):
    d, r = oracle
    b = make_design(strata=d["stratum"], clusters=[d["psu"], d["ssu"]], fpc=[d["N1"], d["N2"]])
    e = mean(b, d["y1"])
    close([e.estimate, e.se], r["twostage_y1"])
    e = total(b, d["x"])
    close([e.estimate, e.se], r["twostage_total_x"])


@pytest.mark.parametrize("policy", ["remove", "certainty", "adjust", "average"])
def test_lonely_psu(oracle, policy):
    d, r = oracle
    keep = np.ones(d["w"].size, dtype=bool)
    s0 = d["stratum"] == "S0"
    keep &= ~(s0 & (d["psu"] == d["psu"][s0].min()))
    s1 = d["stratum"] == "S1"
    keep &= ~(s1 & (d["psu"] != d["psu"][s1].min()))
    for fpc, key in [(None, "lonely_"), (d["N1"][keep], "lonelyfpc_")]:
        des = make_design(
            weights=d["w"][keep],
            strata=d["stratum"][keep],
            clusters=d["psu"][keep],
            fpc=fpc,
            lonely_psu=policy,
        )
        e = mean(des, d["x"][keep])
        close([e.estimate, e.se], r[key + policy])


def test_poststratify(oracle):
    d, r = oracle
    p = poststratify(design_a(d), [d["region"]], REGION_POP)
    e = mean(p, d["y1"])
    close([e.estimate, e.se], r["ps_y1"])


def test_rake_matches_r(oracle):
    d, r = oracle
    res = rake(design_a(d), [d["region"], d["sex"]], [REGION_POP, SEX_POP])
    assert res.converged
    des = res.design
    for key, y in [("rake_y1", d["y1"]), ("rake_x", d["x"])]:
        e = mean(des, y)
        close([e.estimate, e.se], r[key], REL_RAKE)
    e = total(des, d["x"])
    close([e.estimate, e.se], r["rake_total_x"], REL_RAKE)
    p = proportion(des, d["y1"], satisfied=[4, 5])
    # R's SE() of a svyciprop on a subset of a raked design is NA; the CI carries the SE
    close([p.estimate, p.ci_low, p.ci_high], r["rake_prop"][[0, 2, 3]], REL_RAKE)
    ests = by_domain(des, d["x"], [d["region"]])
    order = sorted(range(4), key=lambda i: ests[i].group[0][1])  # type: ignore[index]
    close([ests[i].estimate for i in order], r["rake_by_est"], REL_RAKE)
    close([ests[i].se for i in order], r["rake_by_se"], REL_RAKE)


def test_trim_after_rake(oracle):
    d, r = oracle
    des = rake(design_a(d), [d["region"], d["sex"]], [REGION_POP, SEX_POP]).design
    lo, hi = r["trim_bounds"]
    e = mean(trim_weights(des, lower=lo, upper=hi), d["x"])
    close([e.estimate, e.se], r["trim_x"], REL_RAKE)
    e = mean(trim_weights(des, lower=lo, upper=hi, strict=True), d["x"])
    close([e.estimate, e.se], r["trimstrict_x"], REL_RAKE)


@pytest.mark.parametrize(
    ("calfun", "key"), [("linear", "cal_lin_y1"), ("raking", "cal_rak_y1"), ("logit", "cal_logit_y1")]
)
def test_calibrate(oracle, calfun, key):
    d, r = oracle
    reg = d["region"]
    x = np.column_stack([np.ones(reg.size), reg == "highland", reg == "north", reg == "south", d["x"]])
    bounds = (0.2, 4.0) if calfun == "logit" else (-np.inf, np.inf)
    c = calibrate(design_a(d), x, cal_totals(d), calfun=calfun, bounds=bounds)
    e = mean(c.design, d["y1"])
    close([e.estimate, e.se], r[key], REL_RAKE)


DEFN_ITEMS = ["y1", "y2", "y3", "y4"]


def _defn(aggregation: str) -> dict[str, object]:
    return {
        "satisfied": [4, 5],
        "scale": [1, 5],
        "aggregation": aggregation,
        "elements": [{"code": "E1", "items": ["y1", "y2"]}, {"code": "E2", "items": ["y3"]}],
        "groups": [{"code": "G", "elements": ["E1", "E2"]}],
        "overall": {"code": "IDX", "groups": ["G"]},
    }


@pytest.mark.parametrize("aggregation", ["item_mean", "pooled"])
def test_index_levels(oracle, aggregation):
    d, r = oracle
    answers = np.column_stack([d[c] for c in DEFN_ITEMS])
    res = compute_index(answers, DEFN_ITEMS, design_a(d), _defn(aggregation))
    lv = res.level("IDX")
    close([lv.satisfied.estimate, lv.satisfied.se], r[f"idx_{aggregation}"])
    close([lv.mean_score.estimate, lv.mean_score.se], r[f"idx_{aggregation}_score"])
    item = res.level("y1")
    e = proportion(design_a(d), d["y1"], satisfied=[4, 5])
    assert (item.satisfied.estimate, item.satisfied.se) == pytest.approx((e.estimate, e.se), rel=1e-12)


def test_index_after_raking(oracle):
    d, r = oracle
    des = rake(design_a(d), [d["region"], d["sex"]], [REGION_POP, SEX_POP]).design
    answers = np.column_stack([d[c] for c in DEFN_ITEMS])
    lv = compute_index(answers, DEFN_ITEMS, des, _defn("item_mean")).level("IDX")
    close([lv.satisfied.estimate, lv.satisfied.se], r["idx_item_mean_raked"], REL_RAKE)


def test_api_two_way_domains_and_raked_total(oracle):
    from tests.sampling.apidata import col, num

    _, r = oracle
    d1 = make_design(weights=num("apiclus1", "pw"), clusters=col("apiclus1", "dnum"), fpc=num("apiclus1", "fpc"))
    ests = by_domain(d1, num("apiclus1", "api00"), [col("apiclus1", "stype"), col("apiclus1", "sch.wide")])
    order = sorted(range(len(ests)), key=lambda i: (ests[i].group[1][1], ests[i].group[0][1]))  # type: ignore[index]
    close([ests[i].estimate for i in order], r["api_by_est"])
    close([ests[i].se for i in order], r["api_by_se"])
    res = rake(
        d1,
        [col("apiclus1", "stype"), col("apiclus1", "sch.wide")],
        [{"E": 4421, "H": 755, "M": 1018}, {"No": 1072, "Yes": 5122}],
    )
    e = total(res.design, num("apiclus1", "enroll"))
    close([e.estimate, e.se], r["api_rake_enroll"], REL_RAKE)


def test_generated_data_is_written(tmp_path: Path):
    d = generate()
    write_csv(tmp_path / "g.csv", d)
    assert (tmp_path / "g.csv").read_text().count("\n") == d["w"].size + 1


def test_cli_rake_matches_r(oracle, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    import argparse
    import json

    from survey_api.estimate_cli import register

    d, r = oracle
    write_csv(tmp_path / "gen.csv", d)
    (tmp_path / "m.json").write_text(json.dumps({"region": REGION_POP, "sex": SEX_POP}))
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    common = [
        str(tmp_path / "gen.csv"),
        "--strata",
        "stratum",
        "--cluster",
        "psu",
        "--weight",
        "w",
        "--fpc",
        "N1",
        "--rake",
        str(tmp_path / "m.json"),
        "--format",
        "json",
    ]
    args = parser.parse_args(["estimate", *common, "--var", "y1", "--satisfied", "4,5"])
    assert args.func(args) == 0
    e = json.loads(capsys.readouterr().out)["estimates"][0]
    close([e["estimate"], e["ci_low"], e["ci_high"]], r["rake_prop"][[0, 2, 3]], REL_RAKE)
    args = parser.parse_args(["estimate", *common, "--var", "x", "--by", "region"])
    assert args.func(args) == 0
    rows = sorted(json.loads(capsys.readouterr().out)["estimates"], key=lambda row: row["group"]["region"])
    close([row["estimate"] for row in rows], r["rake_by_est"], REL_RAKE)
    close([row["se"] for row in rows], r["rake_by_se"], REL_RAKE)


def test_design_effects(oracle):
    d, r = oracle
    a = design_a(d)
    close([mean(a, d["x"]).deff, total(a, d["x"]).deff], r["deff_x"])  # type: ignore[list-item]
    ests = by_domain(a, d["x"], [d["region"]])
    order = sorted(range(4), key=lambda i: ests[i].group[0][1])  # type: ignore[index]
    close([ests[i].deff for i in order], r["deff_by_x"])  # type: ignore[misc]
