"""XLSForm through the API (multipart upload to POST /api/v1/instruments) and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from survey_api.instruments.loader import load_instrument_file, official_instrument_files
from survey_api.instruments.xlsform import export_xlsform, import_xlsform
from survey_api.instruments.xlsform_write import document_sheets, workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ONE_STOP = load_instrument_file(next(p for p in official_instrument_files() if p.stem == "one-stop-dossier"))

Headers = Callable[[str], dict[str, str]]


def test_an_uploaded_workbook_is_imported_once_and_a_bad_one_lists_its_rows(
    client: TestClient, token_for: Headers
) -> None:
    admin = token_for("admin")
    files = {"file": ("one-stop.xlsx", export_xlsform(ONE_STOP), XLSX)}
    created = client.post("/api/v1/instruments?publish=true", files=files, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "one-stop-dossier" and created.json()["status"] == "published"
    again = client.post("/api/v1/instruments?publish=true", files=files, headers=admin)
    assert again.status_code == 200 and again.json()["changed"] is False
    listed = next(i for i in client.get("/api/v1/instruments").json() if i["code"] == "one-stop-dossier")
    assert len(listed["items"]) == len(ONE_STOP.items_by_code())

    sheets = document_sheets(ONE_STOP.model_copy(update={"version": 2}))
    sheets["survey"][3]["type"] = "decimal"
    bad = client.post("/api/v1/instruments", files={"file": ("bad.xlsx", workbook_bytes(sheets), XLSX)}, headers=admin)
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert {"sheet": "survey", "row": 5} == {k: errors[0][k] for k in ("sheet", "row")}
    assert "whole numbers" in errors[0]["problem"]


def test_the_json_body_still_imports_and_other_bodies_are_refused(client: TestClient, token_for: Headers) -> None:
    admin = token_for("admin")
    document = ONE_STOP.model_dump(mode="json", exclude_none=True)
    assert client.post("/api/v1/instruments", json=document, headers=admin).status_code == 201
    assert client.post("/api/v1/instruments", json=[document], headers=admin).status_code == 422
    assert client.post("/api/v1/instruments", content=b"{", headers=admin).status_code == 422
    missing = client.post("/api/v1/instruments", files={"other": ("x.xlsx", b"PK", XLSX)}, headers=admin)
    assert missing.status_code == 422
    junk = client.post("/api/v1/instruments", files={"file": ("x.xlsx", b"PK\x03\x04junk", XLSX)}, headers=admin)
    assert junk.status_code == 422 and junk.json()["errors"][0]["sheet"] is None
    analyst = token_for("analyst")
    assert client.post("/api/v1/instruments", files={"file": ("x.xlsx", b"", XLSX)}, headers=analyst).status_code == 403


def run_cli(*arguments: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SURVEY_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "survey_api.cli", *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_cli_imports_checks_and_exports_workbooks(client: TestClient, database_url: str, tmp_path: Path) -> None:
    workbook = tmp_path / "one-stop.xlsx"
    workbook.write_bytes(export_xlsform(ONE_STOP))
    assert run_cli("instruments", "check", str(workbook), database_url=database_url).returncode == 0
    imported = run_cli("instruments", "import", str(workbook), "--publish", database_url=database_url)
    assert imported.returncode == 0 and "one-stop-dossier v1: imported, published" in imported.stdout

    exported = tmp_path / "back.xlsx"
    done = run_cli("instruments", "export", "one-stop-dossier", "--output", str(exported), database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert import_xlsform(exported.read_bytes(), "back.xlsx") == ONE_STOP
    as_yaml = tmp_path / "back.yaml"
    args = ("instruments", "export", "one-stop-dossier", "--version", "1", "--format", "yaml", "--output", str(as_yaml))
    assert run_cli(*args, database_url=database_url).returncode == 0
    assert load_instrument_file(as_yaml) == ONE_STOP

    sheets = document_sheets(ONE_STOP)
    sheets["survey"][3]["calculation"] = "1 + 1"
    workbook.write_bytes(workbook_bytes(sheets))
    refused = run_cli("instruments", "check", str(workbook), database_url=database_url)
    assert refused.returncode == 2
    assert f"error: {workbook}: sheet survey, row 5: column calculation is not kept" in refused.stderr
    missing = run_cli("instruments", "export", "no-such", "--output", str(exported), database_url=database_url)
    assert missing.returncode == 2 and "no instrument 'no-such'" in missing.stderr
