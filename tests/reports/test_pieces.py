from dataclasses import replace
from datetime import date

import pytest

from survey_api.reports import Change, Share, ci_text, weighting_text
from survey_api.reports import vnformat as vn
from survey_api.reports.chart import render_png
from survey_api.reports.fonts import FontMissing, find_family
from survey_api.reports.layout import summary_sentences
from tests.reports.sample import sample_report


def test_vietnamese_numbers() -> None:
    assert vn.percent(0.912) == "91,2%"
    assert vn.percent(0.9, 0) == "90%"
    assert vn.percent(None) == "–"
    assert vn.integer(12345) == "12.345"
    assert vn.number(1234.56) == "1.234,6"
    assert (vn.points(0.013), vn.points(-0.004), vn.points(0.0)) == ("+1,3", "−0,4", "0,0")
    assert vn.interval(0.898, 0.925) == "89,8–92,5%"
    assert vn.long_date(date(2026, 10, 5)) == "ngày 05 tháng 10 năm 2026"
    assert vn.long_date(date(2026, 2, 15)) == "ngày 15 tháng 02 năm 2026"
    assert vn.long_date(date(2026, 9, 15)) == "ngày 15 tháng 9 năm 2026"


def test_summary_says_met_unsure_or_not_met() -> None:
    report = sample_report()
    assert "đạt chỉ tiêu 90%" in " ".join(summary_sentences(report)).lower()
    unsure = replace(report, summary=replace(report.summary, index=Share(0.905, 0.89, 0.92)))
    assert "chưa thể khẳng định" in " ".join(summary_sentences(unsure))
    below = replace(report, summary=replace(report.summary, index=Share(0.88, 0.87, 0.89), change=Change(0.9, -0.02)))
    text = " ".join(summary_sentences(below))
    assert "chưa đạt chỉ tiêu 90%" in text and "giảm 2,0 điểm phần trăm" in text and "quý II năm 2026" in text


def test_method_wording() -> None:
    assert "cân chỉnh lặp (raking)" in weighting_text("design+nonresponse+rake+trim")
    assert "không gia quyền" in weighting_text("none") and "không gia quyền" in weighting_text(None)
    assert "logit" in ci_text("logit") and "95%" in ci_text("logit")


def test_chart_png_is_print_sized() -> None:
    png = render_png(sample_report().charts[0])
    assert png.startswith(b"\x89PNG")
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(png)) as image:
        assert image.width == 1890 and image.height > 900
        assert round(image.info["dpi"][0]) == 300


def test_font_missing_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from survey_api.reports import fonts

    monkeypatch.setattr(fonts, "_FAMILIES", {"serif": (("X", fonts._ROOT / "nowhere", "{}.ttf", ("a",)),)})
    with pytest.raises(FontMissing, match="fonts-liberation2"):
        find_family("serif")
