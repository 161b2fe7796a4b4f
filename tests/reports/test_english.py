"""The periodic report in English (``--language en``, ``language=en``): the same document and the same numbers
as the Vietnamese one, with English headings, table heads and method text; names stay as they are stored."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from survey_api.cli import main
from survey_api.reports import layout
from survey_api.reports.vnformat import percent
from survey_api.settings import get_settings
from tests.api.helpers import collector
from tests.reports.sample import sample_report
from tests.reports.test_from_database import docx_text

REPORTS = "/api/v1/reports"
VIETNAMESE_WORDS = ("CỘNG HÒA", "BÁO CÁO", "Tỷ lệ hài lòng", "Xếp hạng", "Khoảng tin cậy", "Chỉ tiêu", "Đơn vị")


def test_the_english_layout_has_the_same_blocks_and_values() -> None:
    vietnamese = sample_report()
    english = replace(vietnamese, language="en")
    vi_blocks, en_blocks = layout.blocks(vietnamese), layout.blocks(english)
    assert [type(b) for b in vi_blocks] == [type(b) for b in en_blocks]
    tables = [(v, e) for v, e in zip(vi_blocks, en_blocks, strict=True) if isinstance(v, layout.Table)]
    assert tables
    for vi_table, en_table in tables:
        assert isinstance(en_table, layout.Table)
        assert len(vi_table.rows) == len(en_table.rows)
        for vi_row, en_row in zip(vi_table.rows, en_table.rows, strict=True):
            yes_no = {"Có": "Yes", "Không": "No", "Đạt": "Met", "Chưa đạt": "Not met"}
            vi_values = [yes_no.get(v, v) if isinstance(v, str) else v for c in vi_row for v in c.values]
            assert vi_values == [v for c in en_row for v in c.values]
        assert [c.title for c in vi_table.columns] != [c.title for c in en_table.columns]
    headings = [b.text for b in en_blocks if isinstance(b, layout.Heading)]
    assert headings[:2] == ["I. OVERALL RESULT", "II. RANKING OF UNITS"]
    opening = next(b.text for b in en_blocks if isinstance(b, layout.Paragraph))
    assert "confidence interval" in opening and "," not in percent(0.912, language="en")


def test_the_api_gives_the_same_report_in_english(client: TestClient, answered: None) -> None:
    headers = collector(client)
    index = client.get("/api/v1/indices", params={"instrument": "sipas", "weighted": "true"}, headers=headers).json()
    asked = {"instrument": "sipas", "period": "2026", "format": "docx"}
    reply = client.get(REPORTS, params={**asked, "language": "en"}, headers=headers)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-disposition"] == 'attachment; filename="report-sipas-2026.docx"'
    english = docx_text(reply.content)
    vietnamese = docx_text(client.get(REPORTS, params=asked, headers=headers).content)
    for line in ("SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness", "REPORT", "I. OVERALL RESULT"):
        assert line in english, line
    for head in ("% satisfied", "Rank range", "95% CI", "Respondents", "Table 1. Overall result against the target"):
        assert head in english, head
    assert "Results are computed from the responses received" in english or "Results are weighted" in english
    for word in VIETNAMESE_WORDS:
        assert word not in english, word
    # The same numbers, written the English way; names as they are stored.
    satisfied = index["overall"]["satisfied"]
    assert percent(satisfied) in vietnamese and percent(satisfied, language="en") in english
    assert "80.0%" in english and "30.0%" in english and english.index("80.0%") < english.index("30.0%")
    assert "Sở Tư pháp" in english and "SỞ NỘI VỤ" in english
    book = load_workbook(
        io.BytesIO(client.get(REPORTS, params={**asked, "format": "xlsx", "language": "en"}, headers=headers).content)
    )
    assert {"About", "Summary", "Ranking"} <= set(book.sheetnames)
    assert client.get(REPORTS, params={**asked, "language": "fr"}, headers=headers).status_code == 422


def test_survey_report_in_english(
    client: TestClient, answered: None, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SURVEY_DATABASE_URL", database_url)
    monkeypatch.setenv("SURVEY_ENVIRONMENT", "test")
    monkeypatch.setenv("SURVEY_MIN_ANSWERS", "5")
    get_settings.cache_clear()
    try:
        output = tmp_path / "report.docx"
        asked = ["report", "--instrument", "sipas", "--period", "2026", "--output", str(output)]
        assert main([*asked, "--language", "en"]) == 0
        text = docx_text(output.read_bytes())
        assert "RANKING OF UNITS" in text and "80.0%" in text and "Tỷ lệ hài lòng" not in text
    finally:
        get_settings.cache_clear()
