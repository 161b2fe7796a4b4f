"""What a QR link asks: the default instrument of a kind of service point, the self-completion form of an
instrument (its items shown on the QR channel) and the time it takes, estimated from those items."""

from __future__ import annotations

import math

from survey_api.instruments.document import InstrumentDocument, Item, Section

QR_CHANNEL = "qr"
# The instruments a new service point gets QR links for when none are named, by kind of point. A one-stop desk
# asks about the dossier just handled (Thông tư 01/2018/TT-VPCP); the full SIPAS questionnaire is for sampled
# surveys and tablet interviews.
DEFAULT_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "one_stop_counter": ("one-stop-dossier",),
    "clinic": ("health-outpatient",),
    "ward": ("health-inpatient",),
    "school": ("education-parents",),
}
# Seconds a respondent needs per question, by kind, when reading on a phone; an optional free text is mostly
# skipped, so it counts for little. Plus the time to read the page's introduction and to send.
_SECONDS = {
    "scale_1_5": 8.0,
    "single_choice": 10.0,
    "multiple_choice": 15.0,
    "integer": 8.0,
    "score_0_100": 10.0,
}
_FREE_TEXT_REQUIRED, _FREE_TEXT_OPTIONAL = 40.0, 5.0
_OVERHEAD = 20.0


def default_instruments(kind: str) -> tuple[str, ...]:
    """The instrument codes a point of this kind gets QR links for when none are named."""
    return DEFAULT_INSTRUMENTS.get(kind, ())


def qr_sections(document: InstrumentDocument) -> list[Section]:
    """The self-completion form of an instrument: its sections with only the items shown on QR links."""
    return document.shown_on(QR_CHANNEL)


def question_count(sections: list[Section]) -> int:
    """How many questions a form asks."""
    return sum(len(section.items) for section in sections)


def _seconds(item: Item, options: int) -> float:
    if item.type == "free_text":
        return _FREE_TEXT_REQUIRED if item.required else _FREE_TEXT_OPTIONAL
    # A long list of options takes longer to read than a five-point scale.
    return _SECONDS.get(item.type, 10.0) + max(0, options - 5) * 1.5


def estimated_minutes(document: InstrumentDocument, sections: list[Section]) -> int:
    """Whole minutes (at least one) a respondent needs for the questions of ``sections``."""
    total = _OVERHEAD + sum(
        _seconds(item, len(document.options_of(item))) for section in sections for item in section.items
    )
    return max(1, math.ceil(total / 60))


def place_of(unit_name: str, point_name: str) -> str:
    """Where the respondent is served, as a form or poster names it, without saying the unit's name twice."""
    if not point_name or point_name == unit_name:
        return unit_name
    if unit_name and unit_name.casefold() in point_name.casefold():
        return point_name
    return f"{point_name} · {unit_name}" if unit_name else point_name
