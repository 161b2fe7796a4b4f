"""Exports of tricky rows: missing answers and optional columns, XML-unsafe text, the sheet limit, and downloads
never sent or abandoned."""

from __future__ import annotations

import csv
import gc
import io
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from survey_api.collection.answers import pack_scores
from survey_api.db.models import Response, ServicePoint, User
from survey_api.estimates.params import SelectionParams
from survey_api.exports import service
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import import_document
from survey_api.settings import Settings
from survey_api.units.repository import unit_by_code
from tests.conftest import Db
from tests.exports.test_exports import imported as imported
from tests.exports.test_exports import read_csv, same
from tests.imports.apidata import CODE, DOCUMENT

SELECTED = SelectionParams(instrument=CODE)

Headers = Callable[[str], dict[str, str]]
DESIGN = ["--strata", "stratum", "--cluster", "psu", "--nest", "--weight", "weight", "--fpc", "fpc"]


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
    {  # an interview at no point (its assignment's unit); a weight Python writes with 17 digits; a score of 0;
        # a text with a control character
        "id": "00000000-0000-4000-8000-000000000003",
        "point": None,
        "unit": "d2",
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
    "00000000-0000-4000-8000-000000000003,1,,d2,tablet,2026-03-15,2026-03-17T23:59:59.999999+00:00,S2,P3,"
    "0.30000000000000004,,M,60+,0.30000000000000004,3,,tab\x0bhere,0\n"
)


@pytest.fixture
def mixed(db: Db, desks: None) -> None:
    """MIXED_ROWS stored as they are (design columns, missing answers, NULL point and cells)."""
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
