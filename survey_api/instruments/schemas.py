"""API shapes of instruments."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from survey_api.db.models import InstrumentVersion
from survey_api.instruments.document import InstrumentDocument


class OptionOut(BaseModel):
    value: int
    label: str
    label_en: str | None = None


class ItemOut(BaseModel):
    code: str
    section: str
    type: str
    required: bool
    text: str
    text_en: str | None = None
    options: list[OptionOut] = []
    min: int | None = Field(default=None, description="Lowest answer of an integer item")
    max: int | None = Field(default=None, description="Highest answer of an integer item")
    hidden_on: list[str] = Field(default=[], description="Channels the item is not asked on (e.g. qr)")
    shown_if: dict[str, Any] | None = Field(
        default=None,
        description="Asked only when the earlier item `item` has one of the options `any_of` (no `any_of`: any answer)",
    )


class SectionOut(BaseModel):
    code: str
    title: str
    title_en: str | None = None
    items: list[str]


class InstrumentVersionOut(BaseModel):
    id: int
    code: str
    sector: str
    version: int
    status: str
    title: str
    title_en: str | None = None
    source: str
    confidence: str
    respondent_types: list[str]
    sections: list[SectionOut]
    items: list[ItemOut]
    index: dict[str, Any]


class ImportResult(BaseModel):
    id: int
    code: str
    version: int
    status: str
    changed: bool


def version_out(version: InstrumentVersion, document: InstrumentDocument) -> InstrumentVersionOut:
    """The public view of a stored version."""
    return InstrumentVersionOut(
        id=version.id,
        code=document.code,
        sector=document.sector,
        version=version.version,
        status=version.status,
        title=document.title.vi,
        title_en=document.title.en,
        source=document.source,
        confidence=document.confidence,
        respondent_types=list(document.respondent_types),
        sections=[
            SectionOut(
                code=section.code,
                title=section.title.vi,
                title_en=section.title.en,
                items=[item.code for item in section.items],
            )
            for section in document.sections
        ],
        items=[
            ItemOut(
                code=item.code,
                section=section.code,
                type=item.type,
                required=item.required,
                text=item.text.vi,
                text_en=item.text.en,
                options=[
                    OptionOut(value=o.value, label=o.label.vi, label_en=o.label.en) for o in document.options_of(item)
                ],
                min=item.min,
                max=item.max,
                hidden_on=list(item.hidden_on),
                shown_if=item.shown_if.model_dump(exclude_none=True) if item.shown_if else None,
            )
            for section in document.sections
            for item in section.items
        ],
        index=document.index.model_dump(mode="json", exclude_none=True),
    )
