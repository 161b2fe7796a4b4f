"""API shapes of org units, their dated changes and the crosswalk."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from survey_api.params import FIRST_DAY, LAST_DAY, BodyDay

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
Code = Field(pattern=CODE_PATTERN, description="Unit code: lowercase letters, digits, - or _")
UnitCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]


Sector = Literal["administrative", "health", "education"]
ValidFrom = Field(ge=FIRST_DAY, le=LAST_DAY, description="First day the change applies, YYYY-MM-DD")


class SuccessorOut(BaseModel):
    unit: str = Field(description="Successor's code")
    share: float = Field(description="Share of the closed unit the successor received (shares sum to 1)")


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_en: str | None
    kind: str
    sector: str | None
    parent: str | None
    valid_from: date
    valid_to: date | None
    successors: list[SuccessorOut] = Field(default_factory=list, description="The crosswalk of a closed unit")


class UnitIn(BaseModel):
    """A unit to create."""

    model_config = ConfigDict(extra="forbid")

    code: str = Code
    name: str = Field(min_length=1, max_length=255)
    kind: str = Field(pattern=r"^[a-z][a-z_]{1,31}$", description="province, district, commune, ward, school, …")
    parent: UnitCode | None = Field(None, description="Parent unit's code; it must be valid over the new unit's days")
    sector: Sector | None = None
    name_en: str | None = Field(None, max_length=255)
    valid_from: BodyDay = ValidFrom
    valid_to: BodyDay | None = Field(None, ge=FIRST_DAY, le=LAST_DAY, description="Last day, YYYY-MM-DD; none: open")


class NewPart(BaseModel):
    """A unit created by a merge or a split (valid from the change's day)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Code
    name: str = Field(min_length=1, max_length=255)
    kind: str = Field(pattern=r"^[a-z][a-z_]{1,31}$")
    parent: UnitCode | None = None
    sector: Sector | None = None
    name_en: str | None = Field(None, max_length=255)


class RenameIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    name_en: str | None = Field(None, max_length=255)
    valid_from: BodyDay = ValidFrom


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent: UnitCode | None = Field(description="New parent's code; null: a root")
    valid_from: BodyDay = ValidFrom


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Code
    share: float = Field(gt=0, le=1)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_to: BodyDay = Field(ge=FIRST_DAY, le=LAST_DAY, description="The unit's last day, YYYY-MM-DD")
    successors: list[ShareIn] = Field(default_factory=list, max_length=500, description="Shares sum to 1")


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    units: list[UnitCode] = Field(min_length=1, max_length=500, description="Codes of the units merged")
    into: UnitCode | NewPart = Field(description="An existing unit's code, or the unit the merge creates")
    valid_from: BodyDay = ValidFrom


class SplitPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode | NewPart = Field(description="An existing unit's code, or a unit the split creates")
    share: float = Field(gt=0, le=1)


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parts: list[SplitPart] = Field(min_length=1, max_length=500, description="Shares sum to 1")
    valid_from: BodyDay = ValidFrom


class CrosswalkOut(BaseModel):
    unit: str
    unit_name: str
    successor: str
    successor_name: str
    share: float
    valid_from: date = Field(description="The successor's first day as such (the day after the unit closed)")


class ImportSummaryOut(BaseModel):
    rows: int
    created: int
    closed: int
    unchanged: int
