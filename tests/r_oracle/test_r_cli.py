"""``survey estimate`` through its command line against R: totals, ratios, post-stratification, calibration and
replicate designs on R's api data (read from the same CSV files on both sides)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from survey_api.estimate_cli import register

from ..sampling.apidata import DATA
from .rhelper import run_r

pytestmark = pytest.mark.r_oracle

R_SCRIPT = f"""
strat <- read.csv("{DATA / "apistrat.csv"}")
clus1 <- read.csv("{DATA / "apiclus1.csv"}")
dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=strat)
dclus1 <- svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=clus1)
est_se("total", svytotal(~enroll, dstrat, na.rm=TRUE))
r <- svyratio(~api.stu, ~enroll, dclus1); out("ratio", coef(r), SE(r))
est_se("jkn", svymean(~api00, as.svrepdesign(dstrat, type="JKn")))
b <- svyby(~api00, ~sch.wide, as.svrepdesign(dstrat, type="JKn"), svymean)
out("jkn_by", coef(b), SE(b))
est_se("jk1_total", svytotal(~enroll, as.svrepdesign(dclus1, type="JK1")))
pop.types <- data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018))
est_se("post", svymean(~api00, postStratify(dclus1, ~stype, pop.types)))
est_se("cal", svymean(~api00, calibrate(dclus1, ~stype+api99, c(6194, 755, 1018, 3914069))))
est_se("cal_jk1", svymean(~api00, calibrate(as.svrepdesign(dclus1, type="JK1"), ~stype+api99,
  c(6194, 755, 1018, 3914069))))
"""


@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    return run_r(R_SCRIPT, tmp_path_factory.mktemp("r_cli"))


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(prog="survey")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["estimate", *argv, "--format", "json"])
    code = args.func(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    rows: list[dict[str, object]] = json.loads(out)["estimates"]
    return rows


def pair(row: dict[str, object]) -> list[float]:
    return [float(row["estimate"]), float(row["se"])]  # type: ignore[arg-type]


STRAT = [str(DATA / "apistrat.csv"), "--strata", "stype", "--weight", "pw", "--fpc", "fpc"]
CLUS1 = [str(DATA / "apiclus1.csv"), "--cluster", "dnum", "--weight", "pw", "--fpc", "fpc"]


def test_total(r, capsys):
    rows = cli([*STRAT, "--var", "enroll", "--statistic", "total"], capsys)
    np.testing.assert_allclose(pair(rows[0]), r["total"], rtol=1e-9)


def test_ratio(r, capsys):
    rows = cli([*CLUS1, "--var", "api.stu", "--statistic", "ratio", "--denominator", "enroll"], capsys)
    np.testing.assert_allclose(pair(rows[0]), r["ratio"], rtol=1e-8)


def test_jkn_replicates_overall_and_by_domain(r, capsys):
    rows = cli([*STRAT, "--var", "api00", "--replicates", "JKn", "--by", "sch.wide", "--overall"], capsys)
    np.testing.assert_allclose(pair(rows[0]), r["jkn"], rtol=1e-9)
    by = r["jkn_by"].reshape(2, 2)
    np.testing.assert_allclose([pair(row) for row in rows[1:]], by.T, rtol=1e-9)
    assert [row["group"] for row in rows[1:]] == [{"sch.wide": "No"}, {"sch.wide": "Yes"}]


def test_jk1_total(r, capsys):
    rows = cli([*CLUS1, "--var", "enroll", "--statistic", "total", "--replicates", "JK1"], capsys)
    np.testing.assert_allclose(pair(rows[0]), r["jk1_total"], rtol=1e-9)


def test_poststratify(r, capsys, tmp_path: Path):
    cells = tmp_path / "cells.json"
    cells.write_text(json.dumps({"stype": {"E": 4421, "H": 755, "M": 1018}}))
    rows = cli([*CLUS1, "--var", "api00", "--poststratify", str(cells)], capsys)
    np.testing.assert_allclose(pair(rows[0]), r["post"], rtol=1e-8)


@pytest.mark.parametrize("replicates", [[], ["--replicates", "JK1"]])
def test_calibrate(r, capsys, tmp_path: Path, replicates):
    totals = tmp_path / "totals.json"
    totals.write_text(json.dumps({"(Intercept)": 6194, "stype": {"H": 755, "M": 1018}, "api99": 3914069}))
    rows = cli([*CLUS1, "--var", "api00", "--calibrate", str(totals), *replicates], capsys)
    np.testing.assert_allclose(pair(rows[0]), r["cal_jk1" if replicates else "cal"], rtol=1e-7)


def test_replicate_intervals_use_r_degrees_of_freedom(capsys, tmp_path: Path):
    script = f"""
strat <- read.csv("{DATA / "apistrat.csv"}")
J <- as.svrepdesign(svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=strat), type="JKn")
p <- svyciprop(~I(api00 > 700), J, method="logit"); out("p", coef(p), attr(p, "ci"), degf(J))
b <- svyby(~I(api00 > 700), ~sch.wide, J, svyciprop, method="beta", vartype="ci")
out("b", coef(b), b[["ci_l"]], b[["ci_u"]])
"""
    r = run_r(script, tmp_path)
    rows = cli(
        [*STRAT, "--var", "api00", "--satisfied", ",".join(str(v) for v in range(701, 1000)), "--replicates", "JKn"],
        capsys,
    )
    assert rows[0]["df"] == int(r["p"][3])
    np.testing.assert_allclose([rows[0]["estimate"], rows[0]["ci_low"], rows[0]["ci_high"]], r["p"][:3], rtol=1e-8)
    rows = cli(
        [
            *STRAT,
            "--var",
            "api00",
            "--satisfied",
            ",".join(str(v) for v in range(701, 1000)),
            "--replicates",
            "JKn",
            "--by",
            "sch.wide",
            "--ci",
            "beta",
        ],
        capsys,
    )
    ours = [[row["estimate"] for row in rows], [row["ci_low"] for row in rows], [row["ci_high"] for row in rows]]
    np.testing.assert_allclose(ours, r["b"].reshape(3, 2), rtol=1e-8)
