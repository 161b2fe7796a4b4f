"""Exports: responses with design columns and weights (CSV, XLSX), codebooks, scope, and the round trip
import → export → ``survey estimate`` equal to the API."""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import math
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from survey_api.auth.service import create_user, issue_token
from survey_api.collection.answers import pack_scores
from survey_api.db.models import Response, ServicePoint, User
from survey_api.estimate_cli import register, run
from survey_api.estimates.params import SelectionParams
from survey_api.exports import service
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import import_document
from survey_api.settings import Settings
from survey_api.units.repository import unit_by_code
from tests.api.helpers import instrument, submission
from tests.conftest import Db
from tests.imports.apidata import CODE, DOCUMENT, MARGINS, api_rows, publish_test_instrument, to_csv

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
MIXED: dict[str, Any] = {
    **DOCUMENT,
    "code": "mixed",
    "sections": [
        {
            "code": "S",
            "title": {"vi": "S"},
            "items": [
                {"code": "Q1", "type": "scale_1_5", "required": True, "scale": "SAT5", "text": {"vi": "Q1"}},
                {
                    "code": "M",
                    "type": "multiple_choice",
                    "options": [{"value": v, "label": {"vi": f"kênh {v}"}} for v in (1, 2, 3)],
                    "text": {"vi": "Kênh"},
                },
                {"code": "C", "type": "free_text", "text": {"vi": "Ý kiến"}},
                {"code": "S", "type": "score_0_100", "text": {"vi": "Điểm"}},
            ],
        }
    ],
    "index": {
        **DOCUMENT["index"],
        "elements": [{"code": "E1", "label": {"vi": "E1"}, "items": ["Q1"]}],
        "groups": [{"code": "G1", "label": {"vi": "G1"}, "elements": ["E1"]}],
        "overall": {"code": "IDX", "label": {"vi": "IDX"}, "groups": ["G1"]},
    },
}
MIXED_ROWS: list[dict[str, Any]] = [
    {  # every column given; a text with a comma, quotes and a line break
        "id": "00000000-0000-4000-8000-000000000001",
        "point": "d1-desk",
        "unit": "d1",
        "channel": "import",
        "received_at": datetime(2026, 3, 16, 8, 30, tzinfo=UTC),
        "design": {"stratum": "S1", "psu": "P1", "design_weight": 12.5, "sex": "F", "age_group": "18-34"},
        "answers": {"Q1": 5, "M": [1, 3], "C": 'Tốt, nhưng "chậm"\nlắm', "S": 100},
    },
    {  # no service point, no design weight, fpc or cells; only the required answer
        "id": "00000000-0000-4000-8000-000000000002",
        "point": None,
        "unit": "d2",
        "channel": "web",
        "received_at": datetime(2026, 3, 16, 8, 30, 0, 250, tzinfo=UTC),
        "design": {"stratum": "S1", "psu": "P2"},
        "answers": {"Q1": 1},
    },
    {  # no unit; a weight Python writes with 17 digits; a score of 0; a text with a control character
        "id": "00000000-0000-4000-8000-000000000003",
        "point": None,
        "unit": None,
        "channel": "tablet",
        "received_at": datetime(2026, 3, 17, 23, 59, 59, 999999, tzinfo=UTC),
        "design": {"stratum": "S2", "psu": "P3", "design_weight": 0.1 + 0.2, "sex": "M", "age_group": "60+"},
        "answers": {"Q1": 3, "S": 0, "C": "tab\x0bhere"},
    },
    {  # excluded: never exported
        "id": "00000000-0000-4000-8000-000000000004",
        "point": "d1-desk",
        "unit": "d1",
        "channel": "qr",
        "received_at": datetime(2026, 3, 16, tzinfo=UTC),
        "design": {},
        "answers": {"Q1": 2},
        "excluded": True,
    },
]
MIXED_CSV = (
    "\ufeffid,instrument_version,service_point,unit,channel,observed_on,received_at,stratum,psu,design_weight,"
    "fpc,sex,age_group,weight,Q1,M,C,S\n"
    "00000000-0000-4000-8000-000000000001,1,d1-desk,d1,import,2026-03-15,2026-03-16T08:30:00+00:00,S1,P1,12.5,,"
    'F,18-34,12.5,5,1;3,"Tốt, nhưng ""chậm""\nlắm",100\n'
    "00000000-0000-4000-8000-000000000002,1,,d2,web,2026-03-15,2026-03-16T08:30:00.000250+00:00,S1,P2,,,,,1.0,"
    "1,,,\n"
    "00000000-0000-4000-8000-000000000003,1,,,tablet,2026-03-15,2026-03-17T23:59:59.999999+00:00,S2,P3,"
    "0.30000000000000004,,M,60+,0.30000000000000004,3,,tab\x0bhere,0\n"
)


@pytest.fixture
def mixed(db: Db, desks: None) -> None:
    """MIXED_ROWS stored as they are (design columns, missing answers, NULL point, unit and cells)."""
    with db() as session:
        version, _ = import_document(session, InstrumentDocument.model_validate(MIXED), user=None, publish=True)
        points = {p.code: p for p in session.scalars(select(ServicePoint))}
        for row in MIXED_ROWS:
            unit = unit_by_code(session, row["unit"]) if row["unit"] else None
            session.add(
                Response(
                    id=uuid.UUID(row["id"]),
                    instrument_version_id=version.id,
                    service_point_id=points[row["point"]].id if row["point"] else None,
                    unit_id=unit.id if unit else None,
                    channel=row["channel"],
                    answers=row["answers"],
                    scores=pack_scores(version.score_items, row["answers"]),
                    content_hash="test",
                    received_at=row["received_at"],
                    observed_on=date(2026, 3, 15),
                    excluded=row.get("excluded", False),
                    **row["design"],
                )
            )


def test_csv_of_missing_answers_and_optional_columns_is_exactly_the_expected_text(
    client: TestClient, mixed: None, token_for: Headers
) -> None:
    reply = client.get("/api/v1/exports/responses.csv", params={"instrument": "mixed"}, headers=token_for("analyst"))
    assert reply.status_code == 200, reply.text
    assert reply.content.decode() == MIXED_CSV


def test_xlsx_of_the_same_rows_has_the_same_cells_and_replaces_what_xml_cannot_carry(
    client: TestClient, mixed: None, token_for: Headers
) -> None:
    reply = client.get("/api/v1/exports/responses.xlsx", params={"instrument": "mixed"}, headers=token_for("analyst"))
    assert reply.status_code == 200, reply.text
    sheet = [list(r) for r in load_workbook(io.BytesIO(reply.content))["responses"].iter_rows(values_only=True)]
    expected = list(csv.reader(io.StringIO(MIXED_CSV.lstrip("\ufeff").replace("\x0b", "\ufffd"))))
    assert sheet[0] == expected[0]
    assert [[same(v) for v in row] for row in sheet[1:]] == [[same(v or None) for v in row] for row in expected[1:]]
    assert sheet[1][16] == 'Tốt, nhưng "chậm"\nlắm' and sheet[3][16] == "tab\ufffdhere"  # text stays text
    assert sheet[1][14] == 5 and sheet[1][15] == "1;3"


def test_xlsx_past_the_sheet_limit_continues_on_further_sheets(
    client: TestClient, imported: bytes, db: Db, settings: Settings, sessions: Any, token_for: Headers
) -> None:
    csv_rows = read_csv(
        client.get("/api/v1/exports/responses.csv", params={"instrument": CODE}, headers=token_for("analyst")).content
    )
    with db() as session:
        viewer = User(username="x", role="analyst")
        export = service.responses(
            session, sessions, SelectionParams(instrument=CODE), viewer=viewer, settings=settings, chunk_size=30
        )
        content = b"".join(service.xlsx_file(export, sheet_rows=80))  # header + 79 rows a sheet
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.sheetnames == ["responses", "responses_2", "responses_3", "codebook"]
    sheets = [[list(r) for r in workbook[name].iter_rows(values_only=True)] for name in workbook.sheetnames[:3]]
    assert [len(s) for s in sheets] == [80, 80, 43]
    assert all(s[0] == list(csv_rows[0]) for s in sheets)
    rows = [row for s in sheets for row in s[1:]]
    width = len(rows[0])
    assert [[same(v) for v in [*r, *[None] * (width - len(r))]] for r in rows] == [
        [same(v or None) for v in r.values()] for r in csv_rows
    ]


def test_an_export_never_sent_or_abandoned_stops_reading_and_returns_its_connection(
    client: TestClient, imported: bytes, db: Db, settings: Settings, sessions: Any
) -> None:
    def readers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("export-")]

    viewer = User(username="x", role="analyst")
    with db() as session:
        export = service.responses(
            session, sessions, SelectionParams(instrument=CODE), viewer=viewer, settings=settings, chunk_size=7
        )
        pieces = service.csv_rows(export)
        next(pieces), next(pieces)  # the header and a first chunk: reading and formatting run ahead
        running = readers()
        assert {t.name for t in running} == {"export-read", "export-format"}
        pieces.close()  # the client went away
        for thread in running:
            thread.join()  # each stops at its next item

        export = service.responses(
            session, sessions, SelectionParams(instrument=CODE), viewer=viewer, settings=settings, chunk_size=7
        )
        running = readers()
        assert [t.name for t in running] == ["export-read"]
        del export  # the response was never sent
        gc.collect()
        for thread in running:
            thread.join()
    assert sessions.kw["bind"].pool.checkedout() == 0  # both reading sessions were closed
