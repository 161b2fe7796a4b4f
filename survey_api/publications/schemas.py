"""Shapes of a published result: only what the public may see (levels under the minimum carry no numbers)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class PublishIn(BaseModel):
    instrument: str = Field(min_length=1, max_length=64, description="Instrument code, e.g. sipas")
    period: str = Field(
        min_length=4, max_length=32, description="2026, 2026-H1, 2026-Q3, 2026-09 or YYYY-MM-DD:YYYY-MM-DD"
    )


class PublicLevel(BaseModel):
    code: str
    label: str
    label_en: str | None = None
    satisfied: float | None
    satisfied_ci: list[float | None] | None = None


class PublicUnit(BaseModel):
    unit: str
    name: str
    name_en: str | None = None
    level: str
    respondents: int
    enough: bool = Field(description="False: fewer respondents than the minimum, no numbers are shown")
    satisfied: float | None = None
    satisfied_ci: list[float | None] | None = None
    rank: int | None = None
    rank_low: int | None = None
    rank_high: int | None = None
    tier: int | None = None


class PublicFeedback(BaseModel):
    unit: str
    name: str
    received: int
    answered_on_time: int
    overdue: int


class PublicResult(BaseModel):
    instrument: str
    title: str
    sector: str
    version: int
    period: str
    period_label: str
    period_label_en: str
    date_from: date
    date_to: date
    respondents: int
    enough: bool
    overall: PublicLevel | None
    target: float | None
    met: bool | None
    elements: list[PublicLevel]
    units: list[PublicUnit]
    weighted: bool
    min_answers: int
    feedback: list[PublicFeedback] = Field(
        default_factory=list, description="Feedback and petitions about these units in the period, and their handling"
    )


class PublicationOut(BaseModel):
    id: int
    published_at: datetime
    withdrawn_at: datetime | None
    result: PublicResult
