"""Margins: joint and per-unit variables with clear 422s, import from CSV/XLSX (all or nothing), and answers
without a sample design weighted by the margins only."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import select

from survey_api.db.models import AuditEntry
from tests.api.helpers import collector
from tests.conftest import Db
from tests.imports.apidata import CODE, publish_test_instrument

Headers = Callable[[str], dict[str, str]]
PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}
JOINT = {"sex*age_group": {"F|18-34": 1000.0, "F|35+": 2100.0, "M|18-34": 1200.0, "M|35+": 1894.0}}


def put(client: TestClient, headers: dict[str, str], margins: dict[str, Any], unit: str | None = None) -> Any:
    return client.put("/api/v1/margins", json={"unit": unit, "period": PERIOD, "margins": margins}, headers=headers)


def test_joint_and_unit_margins_are_stored_and_every_problem_is_a_clear_422(
    client: TestClient, token_for: Headers, desks: None
) -> None:
    analyst = token_for("analyst")
    reply = put(client, analyst, {**JOINT, "unit": {"d1": 2500.0, "d2": 3694.0}})
    assert reply.status_code == 200, reply.text
    listed = client.get("/api/v1/margins", headers=analyst).json()
    assert listed == [{"unit": None, "period": PERIOD, "margins": {**JOINT, "unit": {"d1": 2500.0, "d2": 3694.0}}}]

    cases = [
        ({"sex*income": {"F|low": 1.0}}, "'sex*income' is not a margin variable: use sex, age_group, unit"),
        ({"sex*sex": {"F|F": 1.0}}, "'sex*sex' names a variable twice"),
        ({"sex*age_group": {"F": 1.0}}, "must name one level of each of sex, age_group, separated by '|'"),
        ({"unit": {"d9": 1.0}}, "there is no org unit 'd9'"),
        ({"sex*age_group": {"F|" + "x" * 17: 1.0}}, "age_group must have 1–16 characters"),
        ({"sex": {"F": -1.0}}, "the total must be a positive number"),
        ({"sex": {"F": 1.0}, "unit": {"d1": 2.0}}, "different population totals (sex 1, unit 2)"),
    ]
    for margins, message in cases:
        reply = put(client, analyst, margins)
        assert reply.status_code == 422, margins
        assert message in reply.json()["detail"], reply.json()["detail"]
    both = put(client, analyst, {"sex*income": {"F|low": 1.0}, "unit": {"d9": 1.0}})
    assert [e["item"] for e in both.json()["errors"]] == ["sex*income", "unit"], "every variable's problem at once"


def margins_file(
    rows: list[list[Any]], header: tuple[str, ...] = ("unit", "from", "to", "variable", "level", "total")
) -> bytes:
    return ("\n".join(",".join(str(v) for v in row) for row in [list(header), *rows]) + "\n").encode()


def test_margins_import_stores_every_set_or_reports_every_row_error(
    client: TestClient, db: Db, token_for: Headers, desks: None
) -> None:
    analyst = token_for("analyst")
    bad = margins_file(
        [
            ["", "2026-01-01", "2026-12-31", "sex", "F", "100"],
            ["", "2026-01-01", "2026-12-31", "sex", "M", "-5"],
            ["d9", "2026-01-01", "2026-12-31", "sex", "F", "10"],
            ["d1", "2026-13-01", "2026-12-31", "sex", "F", "10"],
            ["d1", "2026-01-01", "2026-12-31", "sex", "F", "10"],
            ["d1", "2026-01-01", "2026-12-31", "sex", "F", "11"],
            ["d2", "2026-01-01", "2026-12-31", "sex", "F", "10"],
            ["d2", "2026-01-01", "2026-12-31", "age_group", "18-34", "12"],
        ]
    )
    reply = client.post("/api/v1/margins/import", files={"file": ("m.csv", bad, "text/csv")}, headers=analyst)
    assert reply.status_code == 422, reply.text
    errors = reply.json()["errors"]
    assert [(e["row"], e["item"]) for e in errors] == [
        (3, "total"),
        (4, "unit"),
        (5, "from"),
        (7, "level"),
        (8, None),
    ]
    assert "appears again (first in row 6)" in errors[3]["problem"]
    assert "the margins of d2 for 2026-01-01..2026-12-31: the variables add up" in errors[4]["problem"]
    assert reply.json()["detail"].startswith("nothing was stored: 5 problems: row 3, item total:")
    assert client.get("/api/v1/margins", headers=analyst).json() == []

    assert put(client, analyst, {"sex": {"F": 1.0, "M": 1.0}}, unit="d1").status_code == 200
    book = Workbook()
    sheet = book.active
    sheet.append(["unit", "from", "to", "variable", "level", "total"])
    from datetime import datetime

    for unit, variable, level, total in [
        (None, "sex*age_group", "F|18-34", 40),
        (None, "sex*age_group", "M|18-34", 60),
        ("d1", "sex", "F", 30),
        ("d1", "sex", "M", 20),
        ("d1", "unit", "d1", 50),
    ]:
        sheet.append([unit, datetime(2026, 1, 1), datetime(2026, 12, 31), variable, level, total])
    data = io.BytesIO()
    book.save(data)
    reply = client.post("/api/v1/margins/import", files={"file": ("m.xlsx", data.getvalue())}, headers=analyst)
    assert reply.status_code == 200, reply.text
    assert reply.json() == [
        {"unit": None, "period": PERIOD, "margins": {"sex*age_group": {"F|18-34": 40.0, "M|18-34": 60.0}}},
        {"unit": "d1", "period": PERIOD, "margins": {"sex": {"F": 30.0, "M": 20.0}, "unit": {"d1": 50.0}}},
    ]
    stored = client.get("/api/v1/margins", headers=analyst).json()
    assert {s["unit"]: s["margins"] for s in stored}["d1"] == {"sex": {"F": 30.0, "M": 20.0}, "unit": {"d1": 50.0}}
    with db() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "margins.put")).all()
        assert [e.detail.get("source") for e in entries] == [None, "m.xlsx", "m.xlsx"]
        assert entries[2].detail["previous"] == {"sex": {"F": 1.0, "M": 1.0}}
    missing = client.post(
        "/api/v1/margins/import", files={"file": ("m.csv", b"unit,variable\n")}, headers=analyst
    ).json()
    assert [e["item"] for e in missing["errors"]] == ["from", "to", "level", "total"]
    assert (
        client.post(
            "/api/v1/margins/import", files={"file": ("m.csv", bad)}, headers=token_for("unit_manager")
        ).status_code
        == 403
    )


def test_answers_without_a_design_are_post_stratified_by_unit_only_and_the_run_says_so(
    client: TestClient, db: Db, token_for: Headers, desks: None
) -> None:
    version = publish_test_instrument(db)
    shares = {"d1-desk": (20, 15), "d2-desk": (30, 6)}  # (answers, satisfied)
    for point, (count, satisfied) in shares.items():
        for k in range(count):
            value = 5 if k < satisfied else 2
            body = {
                "id": str(uuid.uuid4()),
                "instrument_version": version,
                "channel": "qr",
                "service_point": point,
                "answers": {"Q1": value, "Q2": value, "Q3": value},
            }
            assert client.post("/api/v1/responses", json=body, headers=collector(client)).status_code == 201
    analyst = token_for("analyst")
    assert put(client, analyst, {"unit": {"d1": 300.0, "d2": 700.0}}).status_code == 200
    reply = client.get("/api/v1/indices", params={"instrument": CODE}, headers=analyst)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    run = body["weighting_run"]
    assert run["method"] == "poststratify"
    assert "no sample design" in run["note"] and "only by post-stratification or raking" in run["note"]
    assert run["diagnostics"]["total"] == pytest.approx(1000)
    assert body["overall"]["satisfied"] == pytest.approx(0.3 * 15 / 20 + 0.7 * 6 / 30)
    unweighted = client.get("/api/v1/indices", params={"instrument": CODE, "weighted": "false"}, headers=analyst)
    assert unweighted.json()["overall"]["satisfied"] == pytest.approx(21 / 50)
