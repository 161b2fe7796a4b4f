"""``previous_period`` of ``GET /api/v1/indices`` against R: the change of the overall % satisfied with its SE,
interval, df and p-value, for the same PSUs in both periods (one design, covariance subtracted) and for
independent samples (stacked with the period among the strata)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.conftest import Db
from tests.estimates.test_weighted_indices import get, import_rows
from tests.imports.apidata import ITEMS, api_rows, publish_test_instrument
from tests.r_oracle.rhelper import run_r, write_csv

Headers = Callable[[str], dict[str, str]]

SCRIPT = r"""
df <- read.csv("periods.csv", stringsAsFactors = FALSE)
df$period <- factor(df$period, levels = c("previous", "current"))
if (PANEL) {
  d <- svydesign(ids = ~psu, strata = ~strata, weights = ~weight, fpc = ~fpc, nest = TRUE, data = df)
} else {
  df$pstrata <- interaction(df$period, df$strata)
  d <- svydesign(ids = ~psu, strata = ~pstrata, weights = ~weight, fpc = ~fpc, nest = TRUE, data = df)
}
b <- svyby(~y, ~period, d, svymean, covmat = TRUE)
out("periods", coef(b))
ct <- svycontrast(b, c(-1, 1))
df_ <- degf(d)
t <- coef(ct) / SE(ct)
out("change", coef(ct), SE(ct), df_, confint(ct, df = df_), 2 * pt(-abs(t), df_))
"""


def _previous_rows(panel: bool) -> list[dict[str, str]]:
    rows = api_rows()
    for i, row in enumerate(rows):
        row["completed_at"] = "2026-02-12"
        if i % 3 == 0:  # a third of the schools less satisfied in February
            for item in ITEMS:
                row[item] = str(max(1, int(row[item]) - 1))
        if not panel:
            row["psu"] = f"feb-{row['psu']}"
    return rows


def _satisfied_share(row: dict[str, str]) -> float:
    return float(np.mean([int(row[item]) >= 4 for item in ITEMS]))


@pytest.mark.parametrize("panel", [True, False], ids=["same_psus", "independent"])
def test_previous_period_change_equals_r(
    panel: bool, client: TestClient, db: Db, token_for: Headers, tmp_path: Path
) -> None:
    publish_test_instrument(db)
    analyst = token_for("analyst")
    current, previous = api_rows(), _previous_rows(panel)
    import_rows(client, previous + current, analyst)
    body = get(client, analyst, **{"from": "2026-03-01", "to": "2026-03-31"})
    change: dict[str, Any] = body["previous_period"]

    rows = previous + current
    columns = {
        "period": np.array(["previous"] * len(previous) + ["current"] * len(current)),
        "strata": np.array([r["strata"] for r in rows]),
        "psu": np.array([r["psu"] for r in rows]),
        "weight": np.array([float(r["weight"]) for r in rows]),
        "fpc": np.array([float(r["fpc"]) for r in rows]),
        "y": np.array([_satisfied_share(r) for r in rows]),
    }
    write_csv(tmp_path / "periods.csv", columns)
    r = run_r(SCRIPT.replace("PANEL", "TRUE" if panel else "FALSE"), tmp_path)

    r_previous, r_current = r["periods"]
    estimate, se, df, low, high, p_value = r["change"]
    assert change["samples"] == ("same_psus" if panel else "independent")
    assert body["overall"]["satisfied"] == pytest.approx(r_current, rel=1e-9)
    assert change["satisfied"] == pytest.approx(r_previous, rel=1e-9)
    assert change["change"] == pytest.approx(estimate, rel=1e-9)
    assert change["change_se"] == pytest.approx(se, rel=1e-7)
    assert change["change_df"] == int(df)
    assert change["change_ci"] == pytest.approx([low, high], rel=1e-7)
    assert change["p_value"] == pytest.approx(p_value, rel=1e-6)
    assert change["significant"] is bool(p_value < 0.05)
