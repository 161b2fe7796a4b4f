"""Periodic reports (issue 11): periods, a renderer-independent content model, and DOCX/PDF/XLSX renderers."""

from __future__ import annotations

from survey_api.reports.model import (
    Bar,
    BarChart,
    Change,
    Element,
    FeedbackUnit,
    Fieldwork,
    FieldworkUnit,
    Header,
    Item,
    Method,
    RankedUnit,
    Ranking,
    Report,
    Share,
    Signature,
    Summary,
    UnrankedUnit,
    ranking_chart,
)
from survey_api.reports.periods import Period, parse_period
from survey_api.reports.render import FORMATS, MEDIA_TYPES, ReportFormat, render
from survey_api.reports.wording import ci_text, weighting_text

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Bar",
    "BarChart",
    "Change",
    "Element",
    "FeedbackUnit",
    "Fieldwork",
    "FieldworkUnit",
    "Header",
    "Item",
    "Method",
    "Period",
    "RankedUnit",
    "Ranking",
    "Report",
    "ReportFormat",
    "Share",
    "Signature",
    "Summary",
    "UnrankedUnit",
    "ci_text",
    "parse_period",
    "ranking_chart",
    "render",
    "weighting_text",
]
