"""API shapes of a ranking."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from survey_api.estimates.params import SelectionParams
from survey_api.estimates.schemas import SourceShare

Level = Literal["agency", "locality"]


class RankingParams(SelectionParams):
    """Which units to rank: the instrument and period of the index, optionally only one level or sector."""

    level: Level | None = Field(
        None, description="agency (departments, hospitals, schools…) or locality (province, district, commune)"
    )
    sector: Literal["administrative", "health", "education"] | None = Field(None, description="Units of a sector")


class RankedUnit(BaseModel):
    unit: str = Field(description="Unit code")
    name: str
    name_en: str | None = None
    level: Level
    sector: str | None
    respondents: int
    satisfied: float | None
    satisfied_se: float | None = None
    satisfied_ci: list[float | None] | None = Field(default=None, description="[low, high]")
    rank: int | None = Field(None, description="1 is the most satisfied; none for units not ranked")
    rank_low: int | None = Field(None, description="Best plausible rank (the rank interval's lower end)")
    rank_high: int | None = Field(None, description="Worst plausible rank")
    tier: int | None = Field(None, description="Units of one tier cannot be told apart by the data")
    reaggregated_from: list[SourceShare] | None = Field(
        None, description="Units closed before the period's end whose results were re-aggregated into this one"
    )


class RankingOut(BaseModel):
    instrument: str
    version: int
    filters: dict[str, str | None]
    weighted: bool
    level: float = Field(description="Confidence level of the rank intervals and tiers")
    seed: int = Field(description="Seed of the simulation (the same request gives the same ranges)")
    min_answers: int = Field(description="Units with fewer respondents are listed apart, not ranked")
    method: str
    ranked: list[RankedUnit]
    not_ranked: list[RankedUnit]
