"""Reports built from the database (`GET /api/v1/reports`, `survey report`): the index's own numbers, the
ranking in order, Vietnamese throughout."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from survey_api.cli import main
from survey_api.reports.vnformat import percent
from survey_api.settings import get_settings
from tests.api.helpers import collector

REPORTS = "/api/v1/reports"


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_report_carries_the_index_and_the_ranking(client: TestClient, answered: None) -> None:
    headers = collector(client)
    index = client.get("/api/v1/indices", params={"instrument": "sipas", "weighted": "true"}, headers=headers).json()
    reply = client.get(REPORTS, params={"instrument": "sipas", "period": "2026", "format": "docx"}, headers=headers)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-disposition"] == 'attachment; filename="bao-cao-sipas-2026.docx"'
    text = docx_text(reply.content)
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "SỞ NỘI VỤ", "BÁO CÁO"):
        assert line in text, line
    assert percent(index["overall"]["satisfied"]) in text
    assert "80,0%" in text and "30,0%" in text  # d1 and d2
    assert text.index("80,0%") < text.index("30,0%")  # ranked in order
    assert "Sở Tư pháp" in text  # listed apart, too few answers
    assert "satisfied" not in text and "Units ranked" not in text  # no English in the document


def test_pdf_and_xlsx_too(client: TestClient, answered: None, tmp_path: Path) -> None:
    headers = collector(client)
    asked = {"instrument": "sipas", "period": "2026-H2"}
    book = load_workbook(io.BytesIO(client.get(REPORTS, params={**asked, "format": "xlsx"}, headers=headers).content))
    assert len(book.sheetnames) >= 3
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext missing: install poppler-utils (.ci/system-deps)")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(client.get(REPORTS, params={**asked, "format": "pdf"}, headers=headers).content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "6 tháng cuối năm 2026" in text and "80,0%" in text


def test_bad_requests_are_clear(client: TestClient, answered: None, token_for: Any) -> None:
    headers = collector(client)
    bad = client.get(REPORTS, params={"instrument": "sipas", "period": "2026-Q5"}, headers=headers)
    assert bad.status_code == 422 and "2026-Q5" in bad.text
    empty = client.get(REPORTS, params={"instrument": "sipas", "period": "2019"}, headers=headers)
    assert empty.status_code == 422 and "nothing to report" in empty.text
    assert client.get(REPORTS, params={"instrument": "sipas", "period": "2026"}).status_code == 401
    volunteer = token_for("volunteer")
    assert client.get(REPORTS, params={"instrument": "sipas", "period": "2026"}, headers=volunteer).status_code == 403


def test_survey_report_writes_the_file(
    client: TestClient, answered: None, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SURVEY_DATABASE_URL", database_url)
    monkeypatch.setenv("SURVEY_ENVIRONMENT", "test")
    monkeypatch.setenv("SURVEY_MIN_ANSWERS", "5")
    get_settings.cache_clear()
    try:
        output = tmp_path / "bao-cao.docx"
        assert main(["report", "--instrument", "sipas", "--period", "2026", "--output", str(output)]) == 0
        assert "80,0%" in docx_text(output.read_bytes())
        assert main(["report", "--instrument", "sipas", "--period", "2026-13", "--output", str(output)]) == 2
        assert main(["report", "--instrument", "sipas", "--period", "2026", "--output", str(tmp_path / "x.txt")]) == 2
    finally:
        get_settings.cache_clear()
