"""API shapes of service points and their QR links."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool


class ServicePointLinkOut(BaseModel):
    code: str = Field(description="Service point code")
    name: str
    unit: str = Field(description="Code of the org unit the point belongs to")
    kind: str
    requires_receipt: bool
    instrument: str | None = Field(description="Instrument the link collects (null: the point has no link)")
    link: str | None = Field(description="Exactly what the QR code encodes")
    active: bool | None = None
    qr_png: str | None = None
    qr_svg: str | None = None
    poster: str | None = Field(default=None, description="Printable A4 poster; valid for 7 days")


class ServicePointIn(BaseModel):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    name: str = Field(min_length=1, max_length=255)
    unit: str
    kind: str = Field(min_length=1, max_length=32, examples=["one_stop_counter", "ward", "clinic", "school"])
    requires_receipt: StrictBool = False  # JSON true or false, not 0 or "yes"
    instruments: list[str] | None = Field(
        default=None,
        description="Instrument codes to make QR links for; default: those of the point's kind "
        "(one_stop_counter: one-stop-dossier, clinic: health-outpatient, ward: health-inpatient, "
        "school: education-parents)",
    )


class LinkIn(BaseModel):
    instrument: str
