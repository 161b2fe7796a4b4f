"""Imported rows belong to a unit (their service point's, or a ``unit`` column) and get their cells from the
answers the instrument declares, unless the file gives them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from survey_api.db.models import OrgUnit, Response
from tests.api.helpers import complete_answers, instrument
from tests.conftest import TEST_POINT, Db

Headers = Callable[[str], dict[str, str]]


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ";".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()})
    return buffer.getvalue().encode()


def _row(sipas: dict[str, Any], a1: int, a3: int, **columns: str) -> dict[str, Any]:
    answers = complete_answers(sipas) | {"A.1": a1, "A.3": a3}
    return {"service_point": "", "unit": "", "sex": "", "age_group": "", **columns, **answers}


def _import(client: TestClient, data: bytes, headers: dict[str, str]) -> Any:
    return client.post(
        "/api/v1/imports",
        params={"instrument": "sipas", "version": 1},
        files={"file": ("paper.csv", data, "text/csv")},
        headers=headers,
    )


def test_rows_without_a_point_or_unit_are_row_errors_and_nothing_is_stored(
    client: TestClient, official: dict[str, int], db: Db, token_for: Headers
) -> None:
    sipas = instrument(client, "sipas")
    rows = [_row(sipas, 1, 2, service_point=TEST_POINT), _row(sipas, 2, 2)]
    reply = _import(client, _csv(rows), token_for("analyst"))
    assert reply.status_code == 422, reply.text
    assert reply.json()["errors"] == [
        {
            "row": 3,
            "item": "service_point",
            "problem": "every response belongs to a unit: give the service point (or the unit) of this row",
        }
    ]
    rows[1]["unit"] = "nowhere"
    wrong = _import(client, _csv(rows), token_for("analyst")).json()["errors"]
    assert wrong == [{"row": 3, "item": "unit", "problem": "no unit 'nowhere'"}]
    with db() as session:
        assert session.scalars(select(Response)).first() is None


def test_rows_get_their_unit_and_their_cells_unless_the_file_gives_the_cells(
    client: TestClient, official: dict[str, int], db: Db, token_for: Headers
) -> None:
    sipas = instrument(client, "sipas")
    rows = [
        _row(sipas, 2, 3, service_point=TEST_POINT),  # cells from A.1 and A.3
        _row(sipas, 1, 5, unit="test-unit"),  # a paper form of no service point, placed by its unit
        _row(sipas, 1, 1, service_point=TEST_POINT, sex="2", age_group="25-34"),  # the file's cells stay
    ]
    reply = _import(client, _csv(rows), token_for("analyst"))
    assert reply.status_code == 201, reply.text
    with db() as session:
        unit = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "test-unit"))
        stored = session.execute(select(Response.unit_id, Response.sex, Response.age_group, Response.answers)).all()
    found = sorted((u, s, a, answers["A.3"]) for u, s, a, answers in stored)
    assert found == [(unit, "1", "61+", 5), (unit, "2", "25-34", 1), (unit, "2", "35-49", 3)]
