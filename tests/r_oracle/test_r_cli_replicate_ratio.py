"""``survey estimate --statistic ratio --replicates …`` against R's ``svyratio`` on replicate designs, overall,
in domains (``svyby(..., svyratio)``) and post-stratified."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ..sampling.apidata import DATA
from .rhelper import run_r
from .test_r_cli import CLUS1, STRAT, cli, pair

pytestmark = pytest.mark.r_oracle

R_SCRIPT = f"""
strat <- read.csv("{DATA / "apistrat.csv"}")
clus1 <- read.csv("{DATA / "apiclus1.csv"}")
dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=strat)
dclus1 <- svydesign(id=~dnum, weights=~pw, fpc=~fpc, data=clus1)
jkn <- as.svrepdesign(dstrat, type="JKn")
r <- svyratio(~api.stu, ~enroll, jkn); out("jkn", coef(r), SE(r))
b <- svyby(~api.stu, ~sch.wide, jkn, svyratio, denominator=~enroll)
out("jkn_by", coef(b), SE(b))
pop.types <- data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018))
jk1 <- postStratify(as.svrepdesign(dclus1, type="JK1"), ~stype, pop.types)
r <- svyratio(~api.stu, ~enroll, jk1); out("jk1_post", coef(r), SE(r))
"""

RATIO = ["--var", "api.stu", "--statistic", "ratio", "--denominator", "enroll"]


@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    return run_r(R_SCRIPT, tmp_path_factory.mktemp("r_cli_ratio"))


def test_replicate_ratio_overall_and_by_domain(r: dict[str, np.ndarray], capsys: pytest.CaptureFixture[str]) -> None:
    rows = cli([*STRAT, *RATIO, "--replicates", "JKn"], capsys)
    np.testing.assert_allclose(pair(rows[0]), r["jkn"], rtol=1e-8)
    rows = cli([*STRAT, *RATIO, "--replicates", "JKn", "--by", "sch.wide"], capsys)
    ours = [row["estimate"] for row in rows] + [row["se"] for row in rows]
    np.testing.assert_allclose(np.array(ours, dtype=float), r["jkn_by"], rtol=1e-8)


def test_replicate_ratio_post_stratified(
    r: dict[str, np.ndarray], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cells = tmp_path / "cells.json"
    cells.write_text(json.dumps({"stype": {"E": 4421, "H": 755, "M": 1018}}))
    rows = cli([*CLUS1, *RATIO, "--replicates", "JK1", "--poststratify", str(cells)], capsys)
    np.testing.assert_allclose(pair(rows[0]), r["jk1_post"], rtol=1e-8)
