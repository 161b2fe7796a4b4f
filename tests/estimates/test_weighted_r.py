"""An import followed by the weighted index equals R's survey package and ``survey estimate`` on the same file."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from survey_api.estimate_cli import register, run
from tests.conftest import Db
from tests.imports.apidata import CODE, MARGINS, api_rows, publish_test_instrument, to_csv
from tests.r_oracle.rhelper import run_r

Headers = Callable[[str], dict[str, str]]
DESIGN = "svydesign(id=~psu, strata=~strata, weights=~weight, fpc=~fpc, nest=TRUE, data=d)"
R_SCRIPT = """
d <- read.csv("responses.csv", stringsAsFactors=FALSE)
d$s1 <- as.numeric(d$Q1 >= 4); d$s2 <- as.numeric(d$Q2 >= 4); d$s3 <- as.numeric(d$Q3 >= 4)
d$sall <- (d$s1 + d$s2 + d$s3) / 3
d$mall <- (d$Q1 + d$Q2 + d$Q3) / 3
des <- DESIGN
report <- function(prefix, des) {
  m <- svymean(~sall, des, deff=TRUE)
  out(paste0(prefix, "overall"), coef(m), SE(m), deff(m))
  ci <- svyciprop(~sall, des, method="logit")
  out(paste0(prefix, "overall_ci"), confint(ci))
  mm <- svymean(~mall, des)
  out(paste0(prefix, "overall_mean"), coef(mm), SE(mm), confint(mm, df=degf(des)))
  q1 <- svymean(~s1, des, deff=TRUE)
  out(paste0(prefix, "q1"), coef(q1), SE(q1), deff(q1))
  out(paste0(prefix, "q1_ci"), confint(svyciprop(~s1, des, method="logit")))
  e1 <- svymean(~I((s1 + s2) / 2), des)
  out(paste0(prefix, "e1"), coef(e1), SE(e1))
  by_sex <- svyby(~sall, ~sex, des, svymean)
  out(paste0(prefix, "sex"), coef(by_sex), SE(by_sex))
}
report("", des)
pop_sex <- data.frame(sex=c("F", "M"), Freq=c(SEX))
pop_age <- data.frame(age_group=c("18-34", "35-59", "60+"), Freq=c(AGE))
raked <- rake(des, list(~sex, ~age_group), list(pop_sex, pop_age), control=list(epsilon=1e-10, maxit=1000))
report("raked_", raked)
"""


@pytest.fixture
def imported(client: TestClient, db: Db, token_for: Headers, tmp_path: Path) -> Path:
    """The apistrat response file, imported; its path."""
    publish_test_instrument(db)
    path = tmp_path / "responses.csv"
    path.write_bytes(to_csv(api_rows()))
    reply = client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": 1},
        files={"file": ("responses.csv", path.read_bytes(), "text/csv")},
        headers=token_for("analyst"),
    )
    assert reply.status_code == 201, reply.text
    return path


def r_results(path: Path) -> dict[str, Any]:
    script = (
        R_SCRIPT.replace("DESIGN", DESIGN)
        .replace("SEX", ", ".join(str(v) for v in MARGINS["sex"].values()))
        .replace("AGE", ", ".join(str(v) for v in MARGINS["age_group"].values()))
    )
    return run_r(script, path.parent)


def level(body: dict[str, Any], kind: str, code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(x for x in body[kind] if x["code"] == code)
    return found


def check(body: dict[str, Any], r: dict[str, Any], prefix: str) -> None:
    overall = body["overall"]
    est, se, deff = r[prefix + "overall"]
    assert overall["satisfied"] == pytest.approx(est, rel=1e-9)
    assert overall["satisfied_se"] == pytest.approx(se, rel=1e-6)
    assert overall["satisfied_ci"] == pytest.approx(list(r[prefix + "overall_ci"]), rel=1e-6)
    mean, mean_se, low, high = r[prefix + "overall_mean"]
    assert overall["mean"] == pytest.approx(mean, rel=1e-9)
    assert overall["mean_se"] == pytest.approx(mean_se, rel=1e-6)
    assert overall["mean_ci"] == pytest.approx([low, high], rel=1e-6)
    q1 = level(body, "items", "Q1")
    est, se, deff = r[prefix + "q1"]
    assert (q1["satisfied"], q1["satisfied_se"]) == pytest.approx((est, se), rel=1e-6)
    assert q1["satisfied_ci"] == pytest.approx(list(r[prefix + "q1_ci"]), rel=1e-6)
    e1 = level(body, "elements", "E1")
    assert (e1["satisfied"], e1["satisfied_se"]) == pytest.approx(tuple(r[prefix + "e1"]), rel=1e-6)
    assert level(body, "groups", "G1")["satisfied_se"] == pytest.approx(e1["satisfied_se"], rel=1e-12)


@pytest.mark.r_oracle
def test_imported_design_gives_r_survey_numbers(
    client: TestClient, imported: Path, token_for: Headers, capsys: pytest.CaptureFixture[str]
) -> None:
    r = r_results(imported)
    reply = client.get("/api/v1/indices", params={"instrument": CODE, "by": "sex"}, headers=token_for("analyst"))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["weighted"] is True and body["responses"] == 200
    assert body["weighting_run"]["method"] == "design"
    assert body["weighting_run"]["diagnostics"]["total"] == pytest.approx(6194, rel=1e-6)
    check(body, r, "")
    assert body["items"][0]["deff"] == pytest.approx(r["q1"][2], rel=1e-6)
    by_sex = {b["group"]["sex"]: b["overall"] for b in body["breakdown"]}
    f_est, m_est, f_se, m_se = r["sex"]
    assert (by_sex["F"]["satisfied"], by_sex["F"]["satisfied_se"]) == pytest.approx((f_est, f_se), rel=1e-6)
    assert (by_sex["M"]["satisfied"], by_sex["M"]["satisfied_se"]) == pytest.approx((m_est, m_se), rel=1e-6)

    # ... and equal to `survey estimate` on the same file and design
    parser = argparse.ArgumentParser(prog="survey")
    register(parser.add_subparsers(dest="command", required=True))
    design = ["--strata", "strata", "--cluster", "psu", "--nest", "--weight", "weight", "--fpc", "fpc"]
    args = parser.parse_args(
        ["estimate", str(imported), "--var", "Q1", "--satisfied", "4,5", *design, "--format", "json"]
    )
    assert run(args) == 0
    cli = json.loads(capsys.readouterr().out)["estimates"][0]
    q1 = level(body, "items", "Q1")
    assert q1["satisfied"] == pytest.approx(cli["estimate"], rel=1e-12)
    assert q1["satisfied_se"] == pytest.approx(cli["se"], rel=1e-9)
    assert q1["satisfied_ci"] == pytest.approx([cli["ci_low"], cli["ci_high"]], rel=1e-9)


@pytest.mark.r_oracle
def test_raked_index_equals_r_rake(
    client: TestClient, imported: Path, token_for: Headers, capsys: pytest.CaptureFixture[str]
) -> None:
    r = r_results(imported)
    analyst = token_for("analyst")
    margins = {"period": {"from": "2026-01-01", "to": "2026-12-31"}, "margins": MARGINS}
    assert client.put("/api/v1/margins", json=margins, headers=analyst).status_code == 200
    params = {"instrument": CODE, "from": "2026-03-01", "to": "2026-03-31", "by": "sex"}
    body = client.get("/api/v1/indices", params=params, headers=analyst).json()
    assert body["weighting_run"]["method"] == "design+rake"
    assert body["weighting_run"]["diagnostics"]["converged"] is True
    check(body, r, "raked_")
    by_sex = {b["group"]["sex"]: b["overall"] for b in body["breakdown"]}
    f_est, m_est, f_se, m_se = r["raked_sex"]
    assert (by_sex["F"]["satisfied"], by_sex["F"]["satisfied_se"]) == pytest.approx((f_est, f_se), rel=1e-6)
    assert (by_sex["M"]["satisfied"], by_sex["M"]["satisfied_se"]) == pytest.approx((m_est, m_se), rel=1e-6)

    parser = argparse.ArgumentParser(prog="survey")
    register(parser.add_subparsers(dest="command", required=True))
    rake_file = imported.parent / "margins.json"
    rake_file.write_text(json.dumps(MARGINS))
    design = ["--strata", "strata", "--cluster", "psu", "--nest", "--weight", "weight", "--fpc", "fpc"]
    argv = ["estimate", str(imported), "--var", "Q1", "--satisfied", "4,5", *design, "--rake", str(rake_file)]
    assert run(parser.parse_args([*argv, "--format", "json"])) == 0
    cli = json.loads(capsys.readouterr().out)["estimates"][0]
    q1 = level(body, "items", "Q1")
    assert (q1["satisfied"], q1["satisfied_se"]) == pytest.approx((cli["estimate"], cli["se"]), rel=1e-9)
