"""Exports: responses with design columns and weights (CSV, XLSX), codebooks, scope, and the round trip
import → export → ``survey estimate`` equal to the API."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from survey_api.auth.service import create_user, issue_token
from survey_api.db.models import User
from survey_api.estimate_cli import register, run
from survey_api.estimates.params import SelectionParams
from survey_api.exports import service
from survey_api.settings import Settings
from survey_api.units.repository import unit_by_code
from tests.api.helpers import instrument, submission
from tests.conftest import Db
from tests.imports.apidata import CODE, MARGINS, api_rows, publish_test_instrument, to_csv

SELECTED = SelectionParams(instrument=CODE)

Headers = Callable[[str], dict[str, str]]
DESIGN = ["--strata", "stratum", "--cluster", "psu", "--nest", "--weight", "weight", "--fpc", "fpc"]


def read_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def imported(client: TestClient, db: Db, token_for: Headers) -> bytes:
    """The apistrat response file, imported; its bytes."""
    publish_test_instrument(db)
    data = to_csv(api_rows())
    reply = client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": 1},
        files={"file": ("responses.csv", data, "text/csv")},
        headers=token_for("analyst"),
    )
    assert reply.status_code == 201, reply.text
    return data


def cli(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="survey")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["estimate", str(path), "--var", "Q1", "--satisfied", "4,5", *extra, "--format", "json"])
    assert run(args) == 0
    estimates: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["estimates"]
    return estimates


def same(value: Any) -> Any:
    """A cell compared across CSV and XLSX: numbers as floats, the rest as text."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return str(value)


def q1(levels: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(x for x in levels["items"] if x["code"] == "Q1")
    return found


def test_csv_export_has_design_columns_weights_and_items(
    client: TestClient, imported: bytes, token_for: Headers
) -> None:
    reply = client.get("/api/v1/exports/responses.csv", params={"instrument": CODE}, headers=token_for("analyst"))
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/csv")
    assert reply.headers["x-weighting-run"]
    rows = read_csv(reply.content)
    assert len(rows) == 200
    assert list(rows[0])[:14] == [*service.RESPONSE_COLUMNS, "weight"]
    assert list(rows[0])[14:] == ["Q1", "Q2", "Q3", "C"]
    source = {(r["strata"], r["psu"], r["Q1"], r["Q2"], r["Q3"], r["weight"]) for r in api_rows()}
    exported = {(r["stratum"], r["psu"], r["Q1"], r["Q2"], r["Q3"], r["design_weight"]) for r in rows}
    assert exported == source
    assert all(float(r["weight"]) == float(r["design_weight"]) for r in rows)  # design only: weight = 1/π
    assert {r["observed_on"] for r in rows} == {"2026-03-15"} and {r["channel"] for r in rows} == {"import"}
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)


def test_round_trip_import_export_survey_estimate_equals_the_api(
    client: TestClient, imported: bytes, token_for: Headers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    analyst = token_for("analyst")
    body = client.get("/api/v1/indices", params={"instrument": CODE, "by": "sex"}, headers=analyst).json()
    exported = client.get("/api/v1/exports/responses.csv", params={"instrument": CODE}, headers=analyst)
    assert exported.headers["x-weighting-run"] == str(body["weighting_run"]["id"])
    path = tmp_path / "export.csv"
    path.write_bytes(exported.content)

    overall = cli(capsys, path, *DESIGN)[0]
    ours = q1(body)
    assert ours["satisfied"] == pytest.approx(overall["estimate"], rel=1e-12)
    assert ours["satisfied_se"] == pytest.approx(overall["se"], rel=1e-9)
    assert ours["satisfied_ci"] == pytest.approx([overall["ci_low"], overall["ci_high"]], rel=1e-9)
    by_sex = {e["group"]["sex"]: e for e in cli(capsys, path, *DESIGN, "--by", "sex")}
    for group in body["breakdown"]:
        theirs, ours = by_sex[group["group"]["sex"]], q1(group)
        assert (ours["satisfied"], ours["satisfied_se"]) == pytest.approx((theirs["estimate"], theirs["se"]), rel=1e-9)

    # `survey import` accepts the exported file as it is; its rows are the responses already stored (each
    # carries its id), so the round trip adds nothing
    again = client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": 1},
        files={"file": ("export.csv", exported.content, "text/csv")},
        headers=analyst,
    )
    assert again.status_code == 201, again.text
    assert (again.json()["rows"], again.json()["new"], again.json()["already_imported"]) == (200, 0, 200)
    assert client.get("/api/v1/indices", params={"instrument": CODE}, headers=analyst).json()["responses"] == 200
    # An id that is not one is a row error naming the column, and nothing is stored
    broken = exported.content.replace(exported.content.split(b"\n")[1].split(b",")[0], b"not-an-id", 1)
    refused = client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": 1},
        files={"file": ("export.csv", broken, "text/csv")},
        headers=analyst,
    )
    assert refused.status_code == 422 and "is not a response id" in refused.text


def test_raked_weights_are_exported(
    client: TestClient, imported: bytes, token_for: Headers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    analyst = token_for("analyst")
    margins = {"period": {"from": "2026-01-01", "to": "2026-12-31"}, "margins": MARGINS}
    assert client.put("/api/v1/margins", json=margins, headers=analyst).status_code == 200
    params = {"instrument": CODE, "from": "2026-03-01", "to": "2026-03-31"}
    body = client.get("/api/v1/indices", params=params, headers=analyst).json()
    assert body["weighting_run"]["method"] == "design+rake"
    exported = client.get("/api/v1/exports/responses.csv", params=params, headers=analyst)
    assert exported.headers["x-weighting-run"] == str(body["weighting_run"]["id"])
    rows = read_csv(exported.content)
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["sex"]] = totals.get(r["sex"], 0.0) + float(r["weight"])
    assert totals == pytest.approx(MARGINS["sex"], rel=1e-8)
    path = tmp_path / "export.csv"
    path.write_bytes(exported.content)
    # The point estimate with the exported weights is the API's (the raked SE needs the margins: --rake).
    assert q1(body)["satisfied"] == pytest.approx(cli(capsys, path, *DESIGN)[0]["estimate"], rel=1e-9)


def test_xlsx_export_has_the_responses_and_the_codebook(
    client: TestClient, imported: bytes, token_for: Headers
) -> None:
    analyst = token_for("analyst")
    reply = client.get("/api/v1/exports/responses.xlsx", params={"instrument": CODE}, headers=analyst)
    assert reply.status_code == 200, reply.text
    workbook = load_workbook(io.BytesIO(reply.content), read_only=True)
    assert workbook.sheetnames == ["responses", "codebook"]
    sheet = [list(r) for r in workbook["responses"].iter_rows(values_only=True)]
    csv_rows = read_csv(
        client.get("/api/v1/exports/responses.csv", params={"instrument": CODE}, headers=analyst).content
    )
    assert sheet[0] == list(csv_rows[0])
    assert len(sheet) == 201
    width = len(sheet[0])
    as_text = [[same(v) for v in [*row, *[None] * (width - len(row))]] for row in sheet[1:]]
    assert as_text == [[same(v or None) for v in r.values()] for r in csv_rows]
    book = [list(r) for r in workbook["codebook"].iter_rows(values_only=True)]
    assert book[0] == list(service.CODEBOOK_COLUMNS)
    assert book[1][:3] == ["Q1", "S", "scale_1_5"] and book[1][6:] == ["E1", "G1"]


def test_codebook_lists_items_options_and_index_levels(
    client: TestClient, official: dict[str, int], token_for: Headers
) -> None:
    reply = client.get("/api/v1/exports/codebook.csv", params={"instrument": "sipas"}, headers=token_for("analyst"))
    assert reply.status_code == 200, reply.text
    rows = {r["item"]: r for r in read_csv(reply.content)}
    q2 = rows["Q2"]
    assert q2["type"] == "multiple_choice" and q2["options"].startswith("1=Qua loa phát thanh xã/phường.; 2=")
    assert q2["text_en"].startswith("Which channels") and q2["element"] == ""
    item = rows["I.A.1"]
    assert item["type"] == "scale_1_5" and item["options"].startswith("1=") and item["group"] == "I"
    assert item["element"].startswith("I.")
    missing = client.get("/api/v1/exports/codebook.csv", params={"instrument": "nope"}, headers=token_for("analyst"))
    assert missing.status_code == 404


def test_multiple_choice_and_free_text_cells_and_unit_manager_scope(
    client: TestClient, official: dict[str, int], desks: None, db: Db, token_for: Headers
) -> None:
    sipas = instrument(client, "sipas")
    for point in ("d1-desk", "d2-desk"):
        body = submission(sipas, service_point=point)
        body["answers"]["Q2"] = [1, 3]
        assert client.post("/api/v1/responses", json=body, headers=token_for("admin")).status_code == 201
    rows = read_csv(
        client.get("/api/v1/exports/responses.csv", params={"instrument": "sipas"}, headers=token_for("admin")).content
    )
    assert len(rows) == 2 and {r["unit"] for r in rows} == {"d1", "d2"}
    assert {r["Q2"] for r in rows} == {"1;3"} and "weight" not in rows[0]  # web answers carry no design
    assert {r["service_point"] for r in rows} == {"d1-desk", "d2-desk"}

    with db() as session:
        d1 = unit_by_code(session, "d1")
        assert d1 is not None
        manager = create_user(session, username="manager-d1", role="unit_manager", unit_id=d1.id)
        headers = {"Authorization": f"Bearer {issue_token(session, manager, 'test')}"}
    own = read_csv(client.get("/api/v1/exports/responses.csv", params={"instrument": "sipas"}, headers=headers).content)
    assert [r["unit"] for r in own] == ["d1"]
    other = client.get("/api/v1/exports/responses.xlsx", params={"instrument": "sipas", "unit": "d2"}, headers=headers)
    assert other.status_code == 403


def test_exports_need_a_token_and_a_role_that_may(
    client: TestClient, official: dict[str, int], token_for: Headers
) -> None:
    for path in ("responses.csv", "responses.xlsx", "codebook.csv"):
        url = f"/api/v1/exports/{path}"
        assert client.get(url, params={"instrument": "sipas"}).status_code == 401
        assert client.get(url, params={"instrument": "sipas"}, headers=token_for("volunteer")).status_code == 403


def test_rows_are_read_and_written_in_chunks(
    client: TestClient, imported: bytes, db: Db, settings: Settings, sessions: Any
) -> None:
    with db() as session:
        viewer = User(username="x", role="analyst")
        export = service.responses(
            session, sessions, SelectionParams(instrument=CODE), viewer=viewer, settings=settings, chunk_size=7
        )
        pieces = service.csv_rows(export)
        header = next(pieces)
        assert header.decode("utf-8-sig").startswith("id,instrument_version,")
        first = next(pieces)
        assert first.count(b"\n") == 7  # one chunk, not every row
        rest = list(pieces)
    assert len(rest) == math.ceil(200 / 7) - 1
    assert sum(p.count(b"\n") for p in rest) == 200 - 7


# A small instrument whose items mix numbers and texts: scale, multiple choice, free text, a 0–100 score last.
