"""The results of an instrument over a period, as the staff results page shows them; every number is one of
``GET /api/v1/indices`` for the same selection."""

from __future__ import annotations

from dataclasses import dataclass

from survey_api.estimates.schemas import IndicesOut, LevelOut
from survey_api.reports.model import Change
from survey_api.reports.periods import Period


@dataclass(frozen=True)
class TrendPoint:
    """The index of one period of the trend (``level.satisfied`` None: no answers in it)."""

    period: Period
    responses: int
    level: LevelOut


@dataclass(frozen=True)
class UnitResult:
    """A unit's index over the period and its change since the previous period; ``level`` None: the unit is
    one the results concern but nobody answered there in the period."""

    code: str
    name: str
    name_en: str | None
    respondents: int
    level: LevelOut | None
    change: Change | None

    @property
    def answered(self) -> bool:
        return self.level is not None


@dataclass(frozen=True)
class ItemResult:
    """An item with the name of the element it belongs to."""

    level: LevelOut
    element: str
    element_en: str | None


@dataclass(frozen=True)
class Results:
    """``index`` is the API's answer for the selection; the rest is composed from it and its neighbours."""

    period: Period
    unit: str | None
    title: str
    index: IndicesOut
    change: Change | None
    trend: tuple[TrendPoint, ...]
    elements: tuple[LevelOut, ...]
    items: tuple[ItemResult, ...]
    units: tuple[UnitResult, ...]
    min_answers: int

    @property
    def respondents(self) -> int:
        return self.index.overall.respondents or self.index.responses

    @property
    def target(self) -> float | None:
        return self.index.target.value if self.index.target else None

    @property
    def met(self) -> bool | None:
        return self.index.target.met if self.index.target else None
