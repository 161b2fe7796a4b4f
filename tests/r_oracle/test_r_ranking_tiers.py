"""A ranking's tier decision against R: the difference of two units' overall % satisfied, units being domains
of one design that share its strata and PSUs (``svyby(covmat=TRUE)`` + ``svycontrast``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sampling import make_design
from sampling.index_contrasts import index_domain_covariance
from sampling.index_definition import Element, Group, IndexDefinition, Overall
from sampling.ranking import rank_ranges, tier_difference
from tests.imports.apidata import ITEMS, api_rows
from tests.r_oracle.rhelper import run_r, write_csv

pytestmark = pytest.mark.r_oracle

DEFINITION = IndexDefinition(
    elements=(Element("E1", ("Q1", "Q2"), "E1"), Element("E2", ("Q3",), "E2")),
    groups=(Group("G1", ("E1",), "G1"), Group("G2", ("E2",), "G2")),
    overall=Overall("IDX", ("G1", "G2"), (), "IDX"),
    satisfied=(4.0, 5.0),
    scale=(1.0, 5.0),
)

SCRIPT = r"""
df <- read.csv("units.csv", stringsAsFactors = FALSE)
d <- svydesign(ids = ~psu, strata = ~strata, weights = ~weight, fpc = ~fpc, nest = TRUE, data = df)
b <- svyby(~y, ~unit, d, svymean, covmat = TRUE)
out("units", coef(b))
out("vcov", vcov(b))
ct <- svycontrast(b, CONTRAST)
t <- coef(ct) / SE(ct)
out("difference", coef(ct), SE(ct), 2 * pt(-abs(t), degf(d)))
"""


def test_a_tier_decision_is_rs_contrast_of_two_units_sharing_psus(tmp_path: Path) -> None:
    rows = api_rows()
    units = np.array([f"unit-{int(r['psu']) % 4}" for r in rows])  # units cut across strata and PSUs
    labels = sorted(set(units.tolist()))
    codes = np.searchsorted(labels, units).astype(np.int32)
    answers = np.array([[float(r[item]) for item in ITEMS] for r in rows])
    design = make_design(
        len(rows),
        weights=[float(r["weight"]) for r in rows],
        strata=[r["strata"] for r in rows],
        clusters=[r["psu"] for r in rows],
        fpc=[float(r["fpc"]) for r in rows],
        nest=True,
    )
    domains = index_domain_covariance(answers, ITEMS, design, DEFINITION, codes, labels)
    order = np.argsort(-domains.estimates, kind="stable")
    leader, second = int(order[0]), int(order[1])
    decision = tier_difference(domains.estimates, domains.covariance, leader, second, 0.95, domains.df)

    contrast = np.zeros(len(labels))
    contrast[leader], contrast[second] = 1.0, -1.0
    write_csv(
        tmp_path / "units.csv",
        {
            "unit": units,
            "strata": np.array([r["strata"] for r in rows]),
            "psu": np.array([r["psu"] for r in rows]),
            "weight": np.array([float(r["weight"]) for r in rows]),
            "fpc": np.array([float(r["fpc"]) for r in rows]),
            "y": answers.__ge__(4).mean(axis=1).astype(np.float64),
        },
    )
    r = run_r(SCRIPT.replace("CONTRAST", "c(" + ", ".join(str(c) for c in contrast) + ")"), tmp_path)

    assert domains.estimates == pytest.approx(r["units"], rel=1e-9)
    assert domains.covariance.ravel() == pytest.approx(r["vcov"], rel=1e-7, abs=1e-15)
    estimate, se, p_value = r["difference"]
    assert decision.estimate == pytest.approx(estimate, rel=1e-9)
    assert decision.se == pytest.approx(se, rel=1e-7)
    assert decision.p_value == pytest.approx(p_value, rel=1e-6)
    # The covariance matters here: without it the difference's SE would be another.
    assert abs(np.hypot(*domains.se[[leader, second]]) - se) > 1e-3 * se
    places = rank_ranges(domains.estimates, domains.se, seed=1, covariance=domains.covariance, df=domains.df)
    assert places[second].tier == places[leader].tier + (1 if p_value < 0.05 else 0)
