"""What one ODK form is: an assignment's instrument version as the tablet asks it, with XML names for its
sections and items. Both the XForm and the reading of its submissions are built from this one description."""

from __future__ import annotations

import re
from dataclasses import dataclass

from survey_api.instruments.document import InstrumentDocument, Item, Option, Section, Text

CHANNEL = "tablet"
# Top-level instance fields of our own; a section named like one of them gets another XML name.
RESERVED = frozenset({"start", "end", "assignment", "respondent_type", "case_ref", "meta"})
RESPONDENT_LABELS = {
    "person": Text(vi="Cá nhân", en="Person"),
    "organisation": Text(vi="Tổ chức, doanh nghiệp", en="Organisation or business"),
}
_FORM_ID = re.compile(r"assignment-([1-9][0-9]{0,17})")
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
# A scale_1_5 item without a scale or options: the values alone.
PLAIN_SCALE = [Option(value=value, label=Text(vi=str(value), en=str(value))) for value in range(1, 6)]


@dataclass(frozen=True)
class Question:
    """An item, its XML name and its choices (empty for numbers and text)."""

    name: str
    item: Item
    choices: list[Option]


@dataclass(frozen=True)
class Group:
    """A section, its XML name and its questions."""

    name: str
    section: Section
    questions: list[Question]


@dataclass(frozen=True)
class SampleChoice:
    """An entry of the assignment's sample list (its ``ref``, and what the volunteer sees)."""

    ref: str
    label: str


@dataclass(frozen=True)
class FormSpec:
    """One assignment's form."""

    assignment_id: int
    instrument_version_id: int
    document: InstrumentDocument
    title: str
    service_point: str | None
    sample: list[SampleChoice]
    groups: list[Group]

    @property
    def form_id(self) -> str:
        return form_id(self.assignment_id)

    @property
    def asks_respondent_type(self) -> bool:
        return len(self.document.respondent_types) > 1


def form_id(assignment_id: int) -> str:
    """The OpenRosa form id of an assignment (its submissions name it, so they land on the assignment)."""
    return f"assignment-{assignment_id}"


def assignment_of(form: str) -> int | None:
    """The assignment id a form id names, None when it names none."""
    match = _FORM_ID.fullmatch(form)
    return int(match.group(1)) if match else None


def xml_name(code: str, taken: frozenset[str] = frozenset()) -> str:
    """An XML element name for an item or section code (codes may start with a digit, names may not)."""
    name = code if _NCNAME.fullmatch(code) and not code.lower().startswith("xml") else f"_{code}"
    return f"_{name}" if name in taken else name


def build_spec(
    *,
    assignment_id: int,
    instrument_version_id: int,
    document: InstrumentDocument,
    place: str | None,
    service_point: str | None,
    sample: list[SampleChoice],
) -> FormSpec:
    """The form of an assignment: the sections and items shown on tablets, under XML names."""
    groups = []
    for section in document.shown_on(CHANNEL):
        questions = [Question(xml_name(item.code), item, _choices(document, item)) for item in section.items]
        groups.append(Group(xml_name(section.code, RESERVED), section, questions))
    title = f"{document.title.vi} (v{document.version})" + (f" · {place}" if place else "")
    return FormSpec(
        assignment_id=assignment_id,
        instrument_version_id=instrument_version_id,
        document=document,
        title=title,
        service_point=service_point,
        sample=sample,
        groups=groups,
    )


def _choices(document: InstrumentDocument, item: Item) -> list[Option]:
    if item.type not in ("scale_1_5", "single_choice", "multiple_choice"):
        return []
    return document.options_of(item) or PLAIN_SCALE
