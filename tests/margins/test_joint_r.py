"""Post-stratification to joint cells (sex × age group) and raking to a joint margin and a per-unit margin
equal R's survey package on the imported apistrat design."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Db
from tests.imports.apidata import CODE, api_rows, publish_test_instrument, to_csv
from tests.r_oracle.rhelper import run_r

Headers = Callable[[str], dict[str, str]]
# Census counts by sex × age group and by district, each adding up to apistrat's 6194.
JOINT = {"F|18-34": 1000.0, "F|35-59": 1300.0, "F|60+": 800.0, "M|18-34": 1100.0, "M|35-59": 1250.0, "M|60+": 744.0}
UNITS = {"d1": 2400.0, "d2": 3794.0}

R_SCRIPT = """
d <- read.csv("responses.csv", stringsAsFactors=FALSE)
d$sall <- (as.numeric(d$Q1 >= 4) + as.numeric(d$Q2 >= 4) + as.numeric(d$Q3 >= 4)) / 3
d$cell <- paste(d$sex, d$age_group, sep="|")
d$unit <- ifelse(d$service_point == "d1-desk", "d1", "d2")
des <- svydesign(id=~psu, strata=~strata, weights=~weight, fpc=~fpc, nest=TRUE, data=d)
pop_cell <- data.frame(cell=c(CELLS), Freq=c(CELL_TOTALS))
pop_unit <- data.frame(unit=c("d1", "d2"), Freq=c(UNIT_TOTALS))
report <- function(prefix, des) {
  m <- svymean(~sall, des)
  out(paste0(prefix, "overall"), coef(m), SE(m))
}
report("post_", postStratify(des, ~cell, pop_cell))
report("rake_", rake(des, list(~cell, ~unit), list(pop_cell, pop_unit), control=list(epsilon=1e-10, maxit=1000)))
"""


def quoted(values: Any) -> str:
    return ", ".join(f'"{v}"' if isinstance(v, str) else repr(v) for v in values)


@pytest.mark.r_oracle
def test_joint_poststratification_and_raking_with_units_equal_r(
    client: TestClient, db: Db, token_for: Headers, desks: None, tmp_path: Path
) -> None:
    publish_test_instrument(db)
    rows = api_rows()
    for k, row in enumerate(rows):
        row["service_point"] = "d1-desk" if k % 3 == 0 else "d2-desk"
    path = tmp_path / "responses.csv"
    path.write_bytes(to_csv(rows))
    analyst = token_for("analyst")
    reply = client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": 1},
        files={"file": ("responses.csv", path.read_bytes(), "text/csv")},
        headers=analyst,
    )
    assert reply.status_code == 201, reply.text
    script = (
        R_SCRIPT.replace("CELL_TOTALS", quoted(JOINT.values()))
        .replace("CELLS", quoted(JOINT))
        .replace("UNIT_TOTALS", quoted(UNITS.values()))
    )
    r: dict[str, np.ndarray] = run_r(script, tmp_path)

    def index(margins: dict[str, Any]) -> dict[str, Any]:
        body = {"period": {"from": "2026-01-01", "to": "2026-12-31"}, "margins": margins}
        assert client.put("/api/v1/margins", json=body, headers=analyst).status_code == 200
        reply = client.get("/api/v1/indices", params={"instrument": CODE}, headers=analyst)
        assert reply.status_code == 200, reply.text
        found: dict[str, Any] = reply.json()
        return found

    post = index({"sex*age_group": JOINT})
    assert post["weighting_run"]["method"] == "design+poststratify"
    assert (post["overall"]["satisfied"], post["overall"]["satisfied_se"]) == pytest.approx(
        tuple(r["post_overall"]), rel=1e-6
    )
    raked = index({"sex*age_group": JOINT, "unit": UNITS})
    assert raked["weighting_run"]["method"] == "design+rake" and raked["weighting_run"]["diagnostics"]["converged"]
    assert (raked["overall"]["satisfied"], raked["overall"]["satisfied_se"]) == pytest.approx(
        tuple(r["rake_overall"]), rel=1e-6
    )
