"""The three renderers on the hand-made sample report (12 districts of Lâm Đồng, Q3 2026, target 90%)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from survey_api.reports import FORMATS, render
from survey_api.reports.layout import Table, blocks
from tests.reports.sample import sample_report

REPORT = sample_report()
HEADER = ["UBND TỈNH LÂM ĐỒNG", "SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
RANKED = [u.unit for u in REPORT.ranking.units] if REPORT.ranking else []
VALUES = ["92,8%", "91,9–93,6%", "95,7%", "83,2%", "4.143", "−4,8*"]


def _docx_text() -> str:
    document = Document(io.BytesIO(render(REPORT, "docx")))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_docx_has_the_header_title_ranking_and_values() -> None:
    document = Document(io.BytesIO(render(REPORT, "docx")))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    top, bottom, left, right = (
        round(m.mm, 1) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    )
    assert 20 <= top <= 25 and 20 <= bottom <= 25 and 30 <= left <= 35 and 15 <= right <= 20
    header = document.tables[0]
    left, right = header.rows[0].cells
    assert [p.text for p in left.paragraphs][:2] == HEADER[:2]
    assert [p.text for p in right.paragraphs][:2] == HEADER[2:]
    assert all(run.bold for p in right.paragraphs[:2] for run in p.runs)
    assert header.rows[1].cells[0].text == "Số: 245/BC-SNV"
    date_line = header.rows[1].cells[1].paragraphs[0]
    assert date_line.text == "Lâm Đồng, ngày 05 tháng 10 năm 2026" and date_line.runs[0].italic
    texts = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in texts
    assert any(t.startswith("Kết quả khảo sát sự hài lòng") for t in texts)
    assert document.styles["Normal"].font.name == "Times New Roman"
    ranking = next(t for t in document.tables if t.rows[0].cells[0].text == "Hạng")
    assert [row.cells[2].text for row in ranking.rows[1:]] == RANKED
    assert [c.text for c in ranking.rows[1].cells[:5]] == ["1", "1–3", "Thành phố Bảo Lộc", "512", "95,7%"]
    everything = _docx_text()
    for value in VALUES:
        assert value in everything
    assert len(document.inline_shapes) == 1  # the chart


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} missing: install poppler-utils (.ci/system-deps)")


def test_pdf_pages_and_text(tmp_path: Path) -> None:
    _need("pdftoppm")
    _need("pdftotext")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(REPORT, "pdf"))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 3 <= len(pages) <= 6
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    for line in [*HEADER, "Số: 245/BC-SNV", "Lâm Đồng, ngày 05 tháng 10 năm 2026", "BÁO CÁO", *VALUES]:
        assert line in text, line
    for unit in RANKED:
        assert unit in text, unit
    order = [text.index(unit) for unit in RANKED]
    assert order == sorted(order)
    assert "Huyện Đam Rông" in text and "Nguyễn Văn An" in text


def test_xlsx_one_sheet_per_table_numbers_as_numbers() -> None:
    book = load_workbook(io.BytesIO(render(REPORT, "xlsx")))
    tables = [b for b in blocks(REPORT) if isinstance(b, Table)]
    assert book.sheetnames == ["Thông tin", *(t.sheet for t in tables)]
    ranking = book["Xếp hạng"]
    assert ranking["A1"].value == "Bảng 2. Xếp hạng các đơn vị theo tỷ lệ hài lòng"
    header = [c.value for c in ranking[2]]
    row = dict(zip(header, [c.value for c in ranking[3]], strict=True))
    assert row["Đơn vị"] == "Thành phố Bảo Lộc"
    assert row["Hạng"] == 1 and row["Số người trả lời"] == 512
    assert row["Tỷ lệ hài lòng"] == pytest.approx(0.957) and isinstance(row["Tỷ lệ hài lòng"], float)
    assert row["KTC 95% - cận dưới"] == pytest.approx(0.941)
    assert ranking.cell(3, header.index("Tỷ lệ hài lòng") + 1).number_format == "0.0%"
    units = [ranking.cell(r, header.index("Đơn vị") + 1).value for r in range(3, 3 + len(RANKED))]
    assert units == RANKED
    summary = book["Tổng hợp"]
    assert [c.value for c in summary[3]][:5] == [0.928, 0.919, 0.936, 4143, 0.9]


def test_unknown_format() -> None:
    assert FORMATS == ("docx", "pdf", "xlsx")
    with pytest.raises(ValueError, match="docx, pdf, xlsx"):
        render(REPORT, "odt")
