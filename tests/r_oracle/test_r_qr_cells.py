"""QR answers get their sex and age group from the answers themselves (SIPAS A.1, A.3), so population margins
weight them: post-stratified on sex, and raked on sex and age group, the index equals R's ``survey``."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import Response
from tests.conftest import Db
from tests.r_oracle.rhelper import run_r
from tests.web.qr_helpers import form_fields, make_point

RESPONDENTS = 120
AGE_LEVELS = ("18-24", "25-34", "35-49", "50-60", "61+")
SEX_TOTALS = {"1": 5200.0, "2": 4800.0}
AGE_TOTALS = dict(zip(AGE_LEVELS, (1500.0, 2400.0, 3100.0, 1600.0, 1400.0), strict=True))
R_SCRIPT = """
d <- read.csv("qr.csv", stringsAsFactors=FALSE, colClasses=c(sex="character", age_group="character"))
s <- as.matrix(d[, grep("^s_", names(d))]); v <- as.matrix(d[, grep("^v_", names(d))])
d$sall <- rowMeans(s); d$mall <- rowMeans(v); d$s1 <- s[, 1]
des <- svydesign(id=~1, weights=~one, data=d)
report <- function(prefix, des) {
  m <- svymean(~sall, des)
  out(paste0(prefix, "overall"), coef(m), SE(m))
  out(paste0(prefix, "overall_ci"), confint(svyciprop(~sall, des, method="logit")))
  mm <- svymean(~mall, des)
  out(paste0(prefix, "mean"), coef(mm), SE(mm))
  q <- svymean(~s1, des)
  out(paste0(prefix, "item"), coef(q), SE(q))
}
pop_sex <- data.frame(sex=c("1", "2"), Freq=c(SEX))
pop_age <- data.frame(age_group=c(AGE_LEVELS), Freq=c(AGE))
report("post_", postStratify(des, ~sex, pop_sex))
report("raked_", rake(des, list(~sex, ~age_group), list(pop_sex, pop_age), control=list(epsilon=1e-10, maxit=1000)))
"""


def _answer_all(client: TestClient, link: str, rng: random.Random, sipas: dict[str, Any]) -> None:
    """One phone answering the QR form: its sex and age band, and every question shown."""
    path = link.removeprefix("http://testserver")
    client.cookies.clear()  # another phone
    page = client.get(path)
    assert page.status_code == 200, page.text
    fields = form_fields(page.text)
    sex, age = rng.choice((1, 2)), rng.randint(1, 5)
    satisfied = 0.55 + 0.1 * (sex == 2) + 0.06 * age  # satisfaction differs by cell, so weighting matters
    for item in sipas["items"]:
        if f'name="a:{item["code"]}"' not in page.text:
            continue  # not asked on a QR form
        code = f"a:{item['code']}"
        if item["type"] == "scale_1_5":
            fields[code] = str(rng.choice((4, 5)) if rng.random() < satisfied else rng.choice((1, 2, 3)))
        elif item["required"] and item["options"]:
            fields[code] = str(item["options"][0]["value"])
        elif item["required"] and item["type"] == "integer":
            fields[code] = str(item["min"])
        elif item["required"]:
            fields[code] = "ok"
    fields.update({"a:A.1": str(sex), "a:A.3": str(age)})
    reply = client.post(path, data=fields, follow_redirects=False)
    assert reply.status_code == 303, reply.text


def _write_rows(db: Db, index_items: list[str], path: Path) -> None:
    with db() as session:
        rows = list(session.scalars(select(Response).order_by(Response.id)))
    assert len(rows) == RESPONDENTS and {r.channel for r in rows} == {"qr"}
    assert all(r.sex in SEX_TOTALS and r.age_group in AGE_TOTALS for r in rows), "cells come from A.1 and A.3"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "sex",
                "age_group",
                "one",
                *(f"s_{i}" for i in range(len(index_items))),
                *(f"v_{i}" for i in range(len(index_items))),
            ]
        )
        for r in rows:
            values = [r.answers[code] for code in index_items]
            writer.writerow([r.sex, r.age_group, 1, *(int(v >= 4) for v in values), *values])


@pytest.mark.r_oracle
def test_qr_answers_weighted_by_their_own_cells_equal_r(
    client: TestClient, db: Db, official: dict[str, int], token_for: Any, settings: Any, tmp_path: Path
) -> None:
    settings.qr_burst_per_minute = settings.qr_limit_per_link_per_minute = 10_000
    settings.qr_limit_per_client_per_minute = 10_000
    admin = token_for("admin")
    link = make_point(client, db, admin)["link"]
    sipas = next(i for i in client.get("/api/v1/instruments").json() if i["code"] == "sipas")
    rng = random.Random(12)
    for _ in range(RESPONDENTS):
        _answer_all(client, link, rng, sipas)
    # Every respondent answered every index item shown on the QR form: the pooled index is the mean share.
    with db() as session:
        first = session.scalars(select(Response)).first()
        assert first is not None
        answered = set(first.answers)
    index_items = [c for e in sipas["index"]["elements"] for c in e["items"] if c in answered]
    assert len(index_items) >= 10
    _write_rows(db, index_items, tmp_path / "qr.csv")
    script = (
        R_SCRIPT.replace("SEX", ", ".join(str(v) for v in SEX_TOTALS.values()))
        .replace("AGE_LEVELS", ", ".join(f'"{level}"' for level in AGE_LEVELS))
        .replace("AGE", ", ".join(str(v) for v in AGE_TOTALS.values()))
    )
    r = run_r(script, tmp_path)

    today = date.today()
    period = {"from": (today - timedelta(days=40)).isoformat(), "to": (today + timedelta(days=40)).isoformat()}
    analyst = token_for("analyst")
    for prefix, margins, method in (
        ("post_", {"sex": SEX_TOTALS}, "poststratify"),
        ("raked_", {"sex": SEX_TOTALS, "age_group": AGE_TOTALS}, "rake"),
    ):
        stored = client.put("/api/v1/margins", json={"period": period, "margins": margins}, headers=analyst)
        assert stored.status_code == 200, stored.text
        reply = client.get("/api/v1/indices", params={"instrument": "sipas"}, headers=analyst)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["weighted"] is True and body["weighting_run"]["method"] == method
        overall = body["overall"]
        est, se = r[prefix + "overall"]
        assert overall["satisfied"] == pytest.approx(est, rel=1e-9)
        assert overall["satisfied_se"] == pytest.approx(se, rel=1e-6)
        assert overall["satisfied_ci"] == pytest.approx(list(r[prefix + "overall_ci"]), rel=1e-6)
        assert (overall["mean"], overall["mean_se"]) == pytest.approx(tuple(r[prefix + "mean"]), rel=1e-6)
        item = next(i for i in body["items"] if i["code"] == index_items[0])
        assert (item["satisfied"], item["satisfied_se"]) == pytest.approx(tuple(r[prefix + "item"]), rel=1e-6)
