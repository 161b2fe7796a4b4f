"""API shapes of index results."""

from __future__ import annotations

from pydantic import BaseModel


class LevelOut(BaseModel):
    code: str
    label: str
    label_en: str | None = None
    satisfied: float | None
    mean: float | None
    n: int


class IndicesOut(BaseModel):
    instrument: str
    version: int
    filters: dict[str, str | None]
    weighted: bool
    responses: int
    overall: LevelOut
    groups: list[LevelOut]
    elements: list[LevelOut]
    items: list[LevelOut]
