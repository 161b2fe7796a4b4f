"""Importing responses from CSV: all rows or none, every error reported, the same file stored once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from survey_api.cli import main
from survey_api.db.models import AuditEntry, OrgUnit, Response, ServicePoint
from tests.conftest import Db
from tests.imports.apidata import CODE, api_rows, publish_test_instrument, to_csv

Headers = Callable[[str], dict[str, str]]


def upload(client: TestClient, data: bytes, headers: dict[str, str], version: int = 1) -> httpx.Response:
    return client.post(
        "/api/v1/imports",
        params={"instrument": CODE, "version": version},
        files={"file": ("responses.csv", data, "text/csv")},
        headers=headers,
    )


def stored(db: Db) -> list[Response]:
    with db() as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def test_import_stores_every_row_with_its_design_and_reimport_stores_nothing(
    client: TestClient, db: Db, token_for: Headers
) -> None:
    publish_test_instrument(db)
    with db() as session:
        unit = OrgUnit(code="d1", name="d1", kind="district", valid_from=date(2004, 1, 1))
        session.add(unit)
        session.flush()
        session.add(ServicePoint(code="d1-desk", name="d1", unit_id=unit.id, kind="one_stop_counter"))
    rows = api_rows()
    rows[0]["Q2"] = ""  # blank optional answer: missing
    rows[1]["service_point"] = "d1-desk"
    data = to_csv(rows)
    reply = upload(client, data, token_for("analyst"))
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["rows"] == 200 and body["new"] == 200 and body["already_imported"] == 0
    responses = stored(db)
    assert len(responses) == 200 and {r.channel for r in responses} == {"import"}
    first = next(r for r in responses if r.answers.get("Q2") is None)
    assert first.scores[1] == 255 and "C" not in first.answers
    assert {r.stratum for r in responses} == {"E", "H", "M"}
    assert all(r.design_weight and r.fpc and r.psu and r.sex and r.age_group for r in responses)
    assert {r.observed_on.isoformat() for r in responses} == {"2026-03-15"}
    assert all(r.service_point_id is not None and r.unit_id is not None for r in responses)
    by_unit = client.get(
        "/api/v1/indices", params={"instrument": CODE, "by": "unit"}, headers=token_for("analyst")
    ).json()
    groups = {b["group"]["unit"]: b for b in by_unit["breakdown"]}
    assert {unit: b["responses"] for unit, b in groups.items()} == {"d1": 1, "test-unit": 199}
    assert "few_answers" in groups["d1"]["overall"]["flags"]

    again = upload(client, data, token_for("admin"))
    assert again.status_code == 201
    assert again.json()["new"] == 0 and again.json()["already_imported"] == 200
    assert len(stored(db)) == 200
    with db() as session:
        assert session.scalar(select(func.count()).where(AuditEntry.action == "responses.import")) == 2


def test_every_row_error_is_reported_together_and_nothing_is_stored(
    client: TestClient, db: Db, token_for: Headers
) -> None:
    publish_test_instrument(db)
    rows = api_rows()[:20]
    rows[9]["Q1"] = "7"  # row 11 in the spreadsheet (header is row 1)
    rows[10]["Q1"] = ""  # required
    rows[11]["Q3"] = "abc"
    rows[12]["weight"] = "-2"
    rows[13]["completed_at"] = "15/03/2026"
    rows[14]["service_point"] = "nowhere"
    reply = upload(client, to_csv(rows), token_for("analyst"))
    assert reply.status_code == 422
    body = reply.json()
    found = {(e["row"], e["item"]) for e in body["errors"]}
    assert found == {
        (11, "Q1"),
        (12, "Q1"),
        (13, "Q3"),
        (14, "weight"),
        (15, "completed_at"),
        (16, "service_point"),
    }
    assert "row 11, item Q1: 7 is not on the 1–5 scale" in body["detail"]
    assert stored(db) == []


def test_unknown_columns_and_design_errors_are_file_errors(client: TestClient, db: Db, token_for: Headers) -> None:
    publish_test_instrument(db)
    rows = api_rows()[:10]
    bad_column = [{**r, "Q9": "3"} for r in rows]
    reply = upload(client, to_csv(bad_column), token_for("analyst"))
    assert reply.status_code == 422
    assert reply.json()["errors"] == [{"row": 1, "item": "Q9", "problem": "not an item of api-test nor a known column"}]
    rows[1]["fpc"] = "9"  # fpc must be constant within a stratum
    reply = upload(client, to_csv(rows), token_for("analyst"))
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["item"] == "design"
    assert stored(db) == []


def test_import_needs_admin_or_analyst_and_a_published_version(client: TestClient, db: Db, token_for: Headers) -> None:
    publish_test_instrument(db)
    data = to_csv(api_rows()[:3])
    assert upload(client, data, {}).status_code == 401
    assert upload(client, data, token_for("unit_manager")).status_code == 403
    assert upload(client, data, token_for("volunteer")).status_code == 403
    assert upload(client, data, token_for("admin"), version=2).status_code == 422


def test_cli_imports_or_prints_every_error(
    db: Db, settings: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from survey_api.settings import get_settings

    publish_test_instrument(db)
    monkeypatch.setenv("SURVEY_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    rows = api_rows()[:5]
    good = tmp_path / "good.csv"
    good.write_bytes(to_csv(rows))
    try:
        assert main(["import", str(good), "--instrument", CODE, "--version", "1"]) == 0
        assert "5 rows, 5 new, 0 already imported" in capsys.readouterr().out
        assert main(["import", str(good), "--instrument", CODE, "--version", "1"]) == 0
        assert "0 new, 5 already imported" in capsys.readouterr().out
        rows[2]["Q1"] = "9"
        rows[3]["Q2"] = "0"
        bad = tmp_path / "bad.csv"
        bad.write_bytes(to_csv(rows))
        assert main(["import", str(bad), "--instrument", CODE, "--version", "1"]) == 2
        err = capsys.readouterr().err
        assert "row 4, item Q1: 9 is not on the 1–5 scale" in err and "row 5, item Q2" in err
    finally:
        get_settings.cache_clear()
    assert len(stored(db)) == 5


def test_a_file_with_endless_errors_stops_at_the_first_thousand(
    client: TestClient, official: dict[str, int], token_for: Callable[[str], dict[str, str]]
) -> None:
    from survey_api.imports.service import MAX_ERRORS

    rows = b"A.1\n" + b"9\n" * 50_000  # every row is off the scale and misses the required items
    reply = client.post(
        "/api/v1/imports?instrument=sipas&version=1", files={"file": ("a.csv", rows)}, headers=token_for("admin")
    )
    assert reply.status_code == 422
    body = reply.json()
    assert len(body["errors"]) == MAX_ERRORS and "checking stopped at row" in body["detail"]


def test_whole_number_items_are_read_as_numbers() -> None:
    """An age or a visit count in a CSV cell reaches the answer check as a number (text stays text, and is refused
    there with the item's bounds)."""
    from survey_api.imports.service import _cell_value

    assert _cell_value("integer", "45") == 45
    assert _cell_value("integer", "45.0") == 45
    assert _cell_value("integer", "bốn lăm") == "bốn lăm"
