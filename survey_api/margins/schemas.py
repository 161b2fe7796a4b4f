"""API shapes of population margins."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class Period(BaseModel):
    """A closed range of days."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    start: date = Field(alias="from")
    end: date = Field(alias="to")


class MarginsIn(BaseModel):
    """A set of margins: for each variable the population total of each level.

    Variables: ``sex``, ``age_group``, ``unit`` (org unit code), or a joint variable naming several with
    ``*`` whose levels name one level of each, separated by ``|``.
    """

    model_config = ConfigDict(extra="forbid")

    unit: str | None = Field(default=None, description="Org unit code; none for the whole area")
    period: Period
    margins: dict[str, dict[str, float]] = Field(
        description='e.g. {"sex": {"1": 1000, "2": 1100}, "age_group": {"18-34": 900, "35+": 1200}}, or joint: '
        '{"sex*age_group": {"1|18-34": 430, "1|35+": 570, "2|18-34": 470, "2|35+": 630}}'
    )


class MarginsOut(BaseModel):
    unit: str | None
    period: Period
    margins: dict[str, dict[str, float]]
