"""The R bundle: its script, run by Rscript on its CSV, gives the API's weighted index."""

from __future__ import annotations

import io
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Db
from tests.imports.apidata import CODE, MARGINS, api_rows, publish_test_instrument, to_csv
from tests.r_oracle.rhelper import require_r

pytestmark = pytest.mark.r_oracle
Headers = Callable[[str], dict[str, str]]


def run_bundle(content: bytes, folder: Path) -> dict[str, tuple[float, float]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == [f"{CODE}-responses.R", f"{CODE}-responses.csv"]
        archive.extractall(folder)
    done = subprocess.run([require_r(), f"{CODE}-responses.R"], cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    found = {}
    for line in done.stdout.splitlines():
        name, estimate, se = line.split()
        found[name] = (float(estimate), float(se))
    return found


def import_responses(client: TestClient, headers: dict[str, str]) -> None:
    """The apistrat responses (strata, PSUs, weights, fpc), through the import API."""
    files = {"file": ("responses.csv", to_csv(api_rows()), "text/csv")}
    reply = client.post("/api/v1/imports", params={"instrument": CODE, "version": 1}, files=files, headers=headers)
    assert reply.status_code == 201, reply.text


@pytest.mark.parametrize("aggregation", ["item_mean", "pooled"])
def test_the_bundle_script_gives_the_apis_weighted_index(
    client: TestClient, db: Db, token_for: Headers, tmp_path: Path, aggregation: str
) -> None:
    from tests.imports import apidata

    document = dict(apidata.DOCUMENT, index=dict(apidata.DOCUMENT["index"], aggregation=aggregation))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(apidata, "DOCUMENT", document)
        publish_test_instrument(db)
    analyst = token_for("analyst")
    import_responses(client, analyst)
    index = client.get("/api/v1/indices", params={"instrument": CODE}, headers=analyst).json()
    overall = index["overall"]
    bundle = client.get("/api/v1/exports/responses-r.zip", params={"instrument": CODE}, headers=analyst)
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    assert bundle.headers["x-weighting-run"] == str(index["weighting_run"]["id"])
    r = run_bundle(bundle.content, tmp_path)
    assert index["weighted"] is True
    assert r["satisfied"] == pytest.approx((overall["satisfied"], overall["satisfied_se"]), rel=1e-9)
    assert r["mean"] == pytest.approx((overall["mean"], overall["mean_se"]), rel=1e-9)


def test_with_margins_the_script_gives_the_apis_estimate(
    client: TestClient, db: Db, token_for: Headers, tmp_path: Path
) -> None:
    publish_test_instrument(db)
    analyst = token_for("analyst")
    import_responses(client, analyst)
    margins = {"period": {"from": "2026-01-01", "to": "2026-12-31"}, "margins": MARGINS}
    assert client.put("/api/v1/margins", json=margins, headers=analyst).status_code == 200
    params = {"instrument": CODE, "from": "2026-03-01", "to": "2026-03-31"}
    index = client.get("/api/v1/indices", params=params, headers=analyst).json()
    assert index["weighting_run"]["method"] == "design+rake"
    bundle = client.get("/api/v1/exports/responses-r.zip", params=params, headers=analyst)
    r = run_bundle(bundle.content, tmp_path)
    # the raked weights taken as given: the API's estimate; its SE also counts the calibration
    assert r["satisfied"][0] == pytest.approx(index["overall"]["satisfied"], rel=1e-9)
    assert r["mean"][0] == pytest.approx(index["overall"]["mean"], rel=1e-9)
