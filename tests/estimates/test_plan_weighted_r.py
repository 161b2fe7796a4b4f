"""A plan-based index (design weights from the plan, non-response adjustment by cell, raking, trimming) equals
R's survey package, with the adjusted weights computed in R by hand (``tapply``) from the same cases."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Db
from tests.estimates.plandata import MARGINS, Fieldwork, answers, assigned_plan, frames, interview
from tests.fieldwork import conftest as fieldwork
from tests.fieldwork.conftest import Person
from tests.imports.apidata import CODE, publish_test_instrument
from tests.r_oracle.rhelper import run_r, write_csv

area, person = fieldwork.area, fieldwork.person

R_SCRIPT = """
cases <- read.csv("cases.csv", stringsAsFactors=FALSE)
d <- read.csv("responses.csv", stringsAsFactors=FALSE, colClasses=c(sex="character"))
eligible <- cases$outcome != "not_eligible"
responded <- cases$outcome == "completed"
for (cell in c("stratum", "psu")) {
  f <- tapply(cases$weight * eligible, cases[[cell]], sum) / tapply(cases$weight * responded, cases[[cell]], sum)
  d[[paste0("w_", cell)]] <- d$weight * as.numeric(f[d[[cell]]])
}
d$s1 <- as.numeric(d$Q1 >= 4); d$s2 <- as.numeric(d$Q2 >= 4); d$s3 <- as.numeric(d$Q3 >= 4)
d$sall <- (d$s1 + d$s2 + d$s3) / 3
pop_sex <- data.frame(sex=c("1", "2"), Freq=c(SEX))
pop_age <- data.frame(age_group=c("18-34", "35-59", "60+"), Freq=c(AGE))
report <- function(prefix, des) {
  m <- svymean(~sall, des)
  out(paste0(prefix, "overall"), coef(m), SE(m))
  out(paste0(prefix, "overall_ci"), confint(svyciprop(~sall, des, method="logit")))
  q1 <- svymean(~s1, des)
  out(paste0(prefix, "q1"), coef(q1), SE(q1))
  out(paste0(prefix, "weights"), sum(weights(des)), max(weights(des)), min(weights(des)))
}
rk <- function(des) rake(des, list(~sex, ~age_group), list(pop_sex, pop_age), control=list(epsilon=1e-10, maxit=1000))
strata <- rk(svydesign(id=~psu, strata=~stratum, weights=~w_stratum, nest=TRUE, data=d))
m <- mean(weights(strata))
report("trim_", trimWeights(strata, upper=UPPER * m, lower=LOWER * m))
report("psu_", rk(svydesign(id=~psu, strata=~stratum, weights=~w_psu, nest=TRUE, data=d)))
"""
UPPER, LOWER = 1.3, 0.75


def r_results(field: Fieldwork, workdir: Path) -> dict[str, np.ndarray]:
    _, people = frames()
    cells = {row["ref"]: row for row in csv.DictReader(io.StringIO(people.decode()))}
    write_csv(
        workdir / "cases.csv",
        {key: np.array([c[key] for c in field.cases]) for key in ("ref", "stratum", "psu", "weight", "outcome")}
        | {"outcome": np.array([c["outcome"] or "none" for c in field.cases])},
    )
    respondents = [(k, c) for k, c in enumerate(field.cases) if c["outcome"] == "completed"]
    columns: dict[str, np.ndarray] = {
        key: np.array([c[key] for _, c in respondents]) for key in ("stratum", "psu", "weight")
    }
    columns |= {key: np.array([cells[c["ref"]][key] for _, c in respondents]) for key in ("sex", "age_group")}
    columns |= {item: np.array([answers(k)[item] for k, _ in respondents]) for item in ("Q1", "Q2", "Q3")}
    write_csv(workdir / "responses.csv", columns)
    script = (
        R_SCRIPT.replace("SEX", ", ".join(str(v) for v in MARGINS["sex"].values()))
        .replace("AGE", ", ".join(str(v) for v in MARGINS["age_group"].values()))
        .replace("UPPER", str(UPPER))
        .replace("LOWER", str(LOWER))
    )
    return run_r(script, workdir)


def check(body: dict[str, Any], r: dict[str, np.ndarray], prefix: str) -> None:
    overall = body["overall"]
    estimate, se = r[prefix + "overall"]
    assert overall["satisfied"] == pytest.approx(estimate, rel=1e-9)
    assert overall["satisfied_se"] == pytest.approx(se, rel=1e-6)
    assert overall["satisfied_ci"] == pytest.approx(list(r[prefix + "overall_ci"]), rel=1e-6)
    q1 = next(x for x in body["items"] if x["code"] == "Q1")
    assert (q1["satisfied"], q1["satisfied_se"]) == pytest.approx(tuple(r[prefix + "q1"]), rel=1e-6)
    total, maximum, minimum = r[prefix + "weights"]
    diagnostics = body["weighting_run"]["diagnostics"]
    assert (diagnostics["total"], diagnostics["maximum"], diagnostics["minimum"]) == pytest.approx(
        (total, maximum, minimum), rel=1e-9
    )


@pytest.mark.r_oracle
def test_plan_weights_nonresponse_raking_and_trimming_equal_r_survey(
    client: TestClient, db: Db, person: Callable[..., Person], tmp_path: Path
) -> None:
    publish_test_instrument(db)
    analyst, admin, volunteer = person("analyst", unit=None), person("admin", unit=None), person("volunteer")
    field = assigned_plan(client, analyst, admin, volunteer)
    interview(client, volunteer, field)
    margins = {"period": {"from": "2026-01-01", "to": "2026-12-31"}, "margins": MARGINS}
    assert client.put("/api/v1/margins", json=margins, headers=analyst.headers).status_code == 200
    r = r_results(field, tmp_path)

    params = {"instrument": CODE, "trim_upper": UPPER, "trim_lower": LOWER}
    reply = client.get("/api/v1/indices", params=params, headers=analyst.headers)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    run = body["weighting_run"]
    assert run["method"] == "design+nonresponse+rake+trim" and run["diagnostics"]["converged"] is True
    assert run["diagnostics"]["trim"]["trimmed"] > 0
    check(body, r, "trim_")

    params = {"instrument": CODE, "nonresponse": "cell", "nonresponse_cells": "psu"}
    body = client.get("/api/v1/indices", params=params, headers=analyst.headers).json()
    assert body["weighting_run"]["method"] == "design+nonresponse+rake"
    check(body, r, "psu_")
