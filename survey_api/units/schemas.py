"""API shapes of org units."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


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
