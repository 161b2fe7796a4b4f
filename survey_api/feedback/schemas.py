"""Request and response bodies of the feedback API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["new", "acknowledged", "in_progress", "answered", "closed", "rejected"]
Kind = Literal["feedback", "petition"]


class ElementOut(BaseModel):
    """An index element of the answer the feedback follows."""

    code: str
    label: str = Field(description="The element's name (Vietnamese)")


class ScoreOut(ElementOut):
    mean: float | None = Field(description="The answer's mean on the 1–5 scale over the element's items answered")
    low: bool


class FeedbackOut(BaseModel):
    id: int
    reference: str = Field(description="What the citizen follows it by, at /phan-anh/<reference>")
    kind: Kind
    text: str
    status: Status
    created_at: datetime
    due: date | None = Field(description="The last working day to answer")
    overdue: bool
    unit: str | None = Field(description="Code of the unit that must act")
    unit_name: str | None
    service_point: str | None = Field(description="Code of the service point of the answer")
    service_point_name: str | None
    low_elements: list[ElementOut] = Field(description="Index elements the answer scored low")
    has_contact: bool
    replied_at: datetime | None
    published: bool


class EventOut(BaseModel):
    at: datetime
    action: str = Field(description="received, status, replied, reassigned, notified, published, contact_purged…")
    by: str | None = Field(description="Who did it (None: the citizen or the system)")
    from_status: Status | None
    to_status: Status | None
    from_unit: str | None
    to_unit: str | None
    note: str | None


class FeedbackDetail(FeedbackOut):
    reply: str | None
    rejection_reason: str | None
    public_text: str | None
    public_reply: str | None
    scores: list[ScoreOut]
    history: list[EventOut]


class ContactOut(BaseModel):
    name: str | None
    phone: str | None
    email: str | None
    consented_at: datetime


class StatusIn(BaseModel):
    status: Status
    reason: str | None = Field(default=None, max_length=5000, description="Required to reject")


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class ReassignIn(BaseModel):
    unit: str = Field(min_length=1, max_length=64, description="Code of the unit that must act now")
    note: str | None = Field(default=None, max_length=5000)


class PublishIn(BaseModel):
    text: str | None = Field(default=None, max_length=5000, description="Wording to publish (anonymised again)")
    reply: str | None = Field(default=None, max_length=5000)


class UnitCountsOut(BaseModel):
    unit: str | None
    unit_name: str | None
    received: int
    answered_on_time: int
    answered_late: int
    overdue: int
    open: int


class CountsOut(BaseModel):
    units: list[UnitCountsOut]
    total: UnitCountsOut
