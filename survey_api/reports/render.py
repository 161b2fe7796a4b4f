"""One entry point: `render(report, "docx" | "pdf" | "xlsx") -> bytes`."""

from __future__ import annotations

from typing import Literal, get_args

from survey_api.reports.model import Report
from survey_api.reports.periods import Period

ReportFormat = Literal["docx", "pdf", "xlsx"]
FORMATS: tuple[str, ...] = get_args(ReportFormat)
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filename(instrument: str, period: Period, format: str, language: str) -> str:
    """The report's file name: ``bao-cao-sipas-2026-Q3.docx`` (``report-…`` in English; a range's colon as _)."""
    stem = "report" if language == "en" else "bao-cao"
    return f"{stem}-{instrument}-{period.code.replace(':', '_')}.{format}"


def render(report: Report, format: str) -> bytes:
    """The report as a file of that format; ValueError for an unknown format."""
    if format == "docx":
        from survey_api.reports.docx import render_docx

        return render_docx(report)
    if format == "pdf":
        from survey_api.reports.pdf import render_pdf

        return render_pdf(report)
    if format == "xlsx":
        from survey_api.reports.xlsx import render_xlsx

        return render_xlsx(report)
    raise ValueError(f"unknown report format {format!r}: expected one of {', '.join(FORMATS)}")
