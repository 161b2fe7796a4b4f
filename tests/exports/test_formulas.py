"""Exports are safe to open in a spreadsheet: a text cell that would start a formula gets a leading apostrophe
(OWASP's advice against CSV injection), numbers stay numbers, and ``survey import`` still reads the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from survey_api.db.models import Response
from survey_api.exports import service
from survey_api.exports._cells import CSV, XLSX, Columns, RowWriter, neutralise
from survey_api.exports._read import Texts
from tests.api.helpers import instrument, submission
from tests.conftest import Db
from tests.exports.test_cells import _rows

Headers = Callable[[str], dict[str, str]]
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\t=1", "\r=1"]
FREE_TEXT = "Q2.other"  # a free-text item of the official SIPAS instrument


@pytest.mark.parametrize("text", PAYLOADS)
def test_a_text_that_would_start_a_formula_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "plain", "1;3", "a=b", "'quoted", "-1.5", "+2", "-3e-7", ".5", "18-34"])
def test_other_texts_and_bare_numbers_stay_as_they_are(text: str) -> None:
    assert neutralise(text) == text


def test_the_row_writer_neutralises_texts_and_keeps_negative_numbers_numbers() -> None:
    chunk, _ = _rows(len(PAYLOADS), np.random.default_rng(3))
    chunk.texts["A"] = Texts.of(PAYLOADS)
    chunk.texts["stratum"] = Texts.of(["=S1"] * len(PAYLOADS))
    chunk.design_weight[:] = -1.5
    items = [("Q1", 0), ("A", None)]
    columns = Columns(version=7, weight=None, items=items)
    rows = list(csv.reader(io.StringIO(RowWriter(CSV, columns).rows(chunk).decode(), newline="")))
    assert [row[-1] for row in rows] == ["'" + p for p in PAYLOADS]
    assert {row[7] for row in rows} == {"'=S1"} and {row[9] for row in rows} == {"-1.5"}
    text = RowWriter(CSV, columns).rows(chunk).decode()
    assert ",-1.5," in text and '"-1.5"' not in text  # unquoted: a spreadsheet reads a number

    sheet = ElementTree.fromstring(b"<sheetData>" + RowWriter(XLSX, columns).rows(chunk, first_row=2) + b"</sheetData>")
    for row, payload in zip(sheet, PAYLOADS, strict=True):
        cells = list(row)
        assert cells[9].findtext("v") == "-1.5" and cells[9].get("t") is None  # a number cell
        assert cells[-1].get("t") == "inlineStr" and cells[-1].findtext("is/t") == "'" + payload


def test_a_carriage_return_inside_a_text_is_quoted_so_no_row_starts_after_it() -> None:
    chunk, _ = _rows(2, np.random.default_rng(4))
    chunk.texts["A"] = Texts.of(["a\r=1", "b\n=2"])
    text = RowWriter(CSV, Columns(version=7, weight=None, items=[("A", None)])).rows(chunk).decode()
    assert ',"a\r=1"\n' in text and ',"b\n=2"\n' in text


def test_the_codebook_csv_neutralises_its_texts() -> None:
    content = b"".join(service.codebook_csv([["Q", "S", "free_text", "=1+1", "@x", "1=Có; 2=Không", "", ""]]))
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1][3:6] == ["'=1+1", "'@x", "1=Có; 2=Không"]


@pytest.fixture
def answered(client: TestClient, official: dict[str, int], desks: None, token_for: Headers) -> list[str]:
    """One SIPAS answer per payload, each in the free-text item, submitted through the API; their ids."""
    sipas = instrument(client, "sipas")
    ids = []
    for payload in PAYLOADS:
        body = submission(sipas, service_point="d1-desk")
        body["answers"][FREE_TEXT] = payload
        reply = client.post("/api/v1/responses", json=body, headers=token_for("admin"))
        assert reply.status_code == 201, reply.text
        ids.append(body["id"])
    return ids


def test_csv_and_xlsx_exports_of_free_text_formulas_are_safe_to_open(
    client: TestClient, answered: list[str], token_for: Headers
) -> None:
    analyst = token_for("analyst")
    reply = client.get("/api/v1/exports/responses.csv", params={"instrument": "sipas"}, headers=analyst)
    assert reply.status_code == 200, reply.text
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"), newline=""))}
    # The API keeps a free text trimmed ("\t=1" as "=1"), still a formula without the apostrophe.
    assert [rows[i][FREE_TEXT] for i in answered] == ["'" + p.strip() for p in PAYLOADS]
    scale = next(code for code, value in rows[answered[0]].items() if value == "4")
    assert f",{rows[answered[0]][scale]}," in reply.text  # numeric answers unquoted
    for line in reply.content.decode("utf-8-sig").splitlines():
        cells = next(csv.reader([line]))
        assert not any(c.startswith(("=", "+", "@", "\t")) for c in cells)

    book = client.get("/api/v1/exports/responses.xlsx", params={"instrument": "sipas"}, headers=analyst)
    sheet = load_workbook(io.BytesIO(book.content))["responses"]
    header = [c.value for c in sheet[1]]
    at = header.index(FREE_TEXT) + 1
    cells = {sheet.cell(r, 1).value: sheet.cell(r, at) for r in range(2, sheet.max_row + 1)}
    for response_id, payload in zip(answered, PAYLOADS, strict=True):
        cell = cells[response_id]
        assert cell.data_type == "s" and cell.value == "'" + payload.strip()
    number = sheet.cell(2, header.index(scale) + 1)
    assert number.data_type == "n" and number.value == 4


def test_an_exported_csv_with_neutralised_texts_imports_back_with_the_apostrophe(
    client: TestClient, answered: list[str], db: Db, official: dict[str, int], token_for: Headers
) -> None:
    analyst = token_for("analyst")
    exported = client.get("/api/v1/exports/responses.csv", params={"instrument": "sipas"}, headers=analyst)
    sipas = instrument(client, "sipas")
    # Without its id column the file's rows are new responses (with it, they are the ones stored already).
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    keep = [i for i, name in enumerate(rows[0]) if name != "id"]
    out = io.StringIO()
    csv.writer(out).writerows([[row[i] for i in keep] for row in rows])
    again = client.post(
        "/api/v1/imports",
        params={"instrument": "sipas", "version": sipas["version"]},
        files={"file": ("export.csv", out.getvalue().encode(), "text/csv")},
        headers=analyst,
    )
    assert again.status_code == 201, again.text
    assert again.json()["new"] == len(PAYLOADS)
    with db() as session:
        imported = session.scalars(select(Response).where(Response.channel == "import")).all()
        texts: list[Any] = sorted(r.answers[FREE_TEXT] for r in imported)
        scales = {r.answers[i["code"]] for r in imported for i in sipas["items"] if i["type"] == "scale_1_5"}
    # The numbers come back as numbers; a neutralised text keeps its apostrophe.
    assert texts == sorted("'" + p.strip() for p in PAYLOADS)
    assert scales == {4}
