"""The instrument document: sections, items, answer scales and index definition, validated as a whole."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Confidence = Literal["verified", "secondary", "unverified", "draft"]
Sector = Literal["administrative", "health", "education"]
ItemType = Literal["scale_1_5", "score_0_100", "single_choice", "multiple_choice", "free_text", "integer"]
# Where an answer is collected; an item may be hidden on some of them (``Item.hidden_on``).
Channel = Literal["qr", "web", "tablet", "paper", "import"]
NUMERIC_TYPES: frozenset[str] = frozenset({"scale_1_5", "score_0_100", "single_choice"})
CHOICE_TYPES: frozenset[str] = frozenset({"single_choice", "multiple_choice"})
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# The respondent cells a response stores (columns of ``responses``) and population margins are given for.
CellVariable = Literal["sex", "age_group"]
# A margin level as ``PUT /api/v1/margins`` names it: at most 16 characters (the column), no ``|`` or ``*``
# (they join the levels and names of joint margins such as ``sex*age_group``).
CellLevel = Annotated[str, Field(pattern=r"^[^|*\s][^|*]{0,15}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Vietnamese and (optionally) English."""

    vi: str = Field(min_length=1)
    en: str | None = None


class Option(_Strict):
    """One answer option of a choice item or scale."""

    value: int = Field(ge=0, le=254)
    label: Text


class SourceRef(_Strict):
    """Where part of an instrument comes from, and how sure we are of it."""

    id: str
    text: str
    grade: Confidence | Literal["n/a"]


class Condition(_Strict):
    """When an item is asked: the earlier item ``item`` was answered with one of the options ``any_of`` (for a
    multiple choice, one of them was among those chosen); without ``any_of``, when ``item`` was answered at all.

    An item whose condition is not met is skipped: it is not required, and it takes no answer.
    """

    item: str
    any_of: list[int] | None = Field(default=None, min_length=1)

    def met(self, answers: dict[str, Any]) -> bool:
        """Whether ``answers`` (the cleaned answers of earlier items) meet the condition."""
        answer = answers.get(self.item)
        if answer is None or answer == "" or answer == []:
            return False
        if self.any_of is None:
            return True
        chosen = answer if isinstance(answer, list) else [answer]
        return any(type(value) is int and value in self.any_of for value in chosen)


class Item(_Strict):
    """One question."""

    code: str = Field(pattern=CODE_PATTERN, max_length=64)
    type: ItemType
    required: bool = False
    text: Text
    scale: str | None = None
    options: list[Option] | None = None
    confidence: Confidence | None = None
    note: str | None = None
    # Channel visibility and whole-number bounds (see ``_visibility_and_bounds``).
    hidden_on: list[Channel] = Field(default_factory=list)
    min: int | None = None
    max: int | None = None
    # Skip logic: asked only when an earlier answer meets the condition (see ``Condition``).
    shown_if: Condition | None = None

    def shown_on(self, channel: str) -> bool:
        """Whether the item is asked on ``channel`` (e.g. interviewer-only items are hidden on ``qr``)."""
        return channel not in self.hidden_on

    @model_validator(mode="after")
    def _visibility_and_bounds(self) -> Item:
        if self.required and self.hidden_on:
            raise ValueError(f"item {self.code}: a required item cannot be hidden on {self.hidden_on}")
        if self.type == "integer":
            if self.min is None or self.max is None or self.min > self.max:
                raise ValueError(f"item {self.code}: an integer item needs bounds `min` ≤ `max`")
        elif self.min is not None or self.max is not None:
            raise ValueError(f"item {self.code}: only an integer item takes `min` and `max`")
        return self

    @model_validator(mode="after")
    def _options_fit_type(self) -> Item:
        if self.type in CHOICE_TYPES and self.scale is None and not self.options:
            raise ValueError(f"item {self.code}: a {self.type} item needs `scale` or `options`")
        if self.type not in CHOICE_TYPES and self.type != "scale_1_5" and (self.scale or self.options):
            raise ValueError(f"item {self.code}: a {self.type} item takes no `scale` or `options`")
        if self.scale is not None and self.options:
            raise ValueError(f"item {self.code}: give `scale` or `options`, not both")
        return self


class AgeBand(_Strict):
    """Whole numbers from ``min`` to ``max`` (both included; no ``max``: and above) give the level ``level``."""

    min: int = Field(ge=0, le=254)
    max: int | None = Field(default=None, ge=0, le=254)
    level: CellLevel


class CellSource(_Strict):
    """The item that gives a respondent cell, and how its answers become the margins' levels.

    A ``single_choice`` item maps option values to levels (``levels: {1: "1", 2: "2"}``; an option left out,
    such as "other", gives no cell); an ``integer`` item maps whole numbers by ``bands`` (age in years to the
    age groups the population margins use). An unanswered item, or an answer no level covers, leaves the
    cell empty.
    """

    item: str
    levels: dict[int, CellLevel] | None = None
    bands: list[AgeBand] | None = None

    def level_of(self, answer: Any) -> str | None:
        """The level an answer of the item gives, or None."""
        if type(answer) is not int:  # bool is an int, and no answer here
            return None
        if self.levels is not None:
            return self.levels.get(answer)
        for band in self.bands or ():
            if band.min <= answer and (band.max is None or answer <= band.max):
                return band.level
        return None


class Section(_Strict):
    """A titled group of items."""

    code: str = Field(pattern=CODE_PATTERN, max_length=64)
    title: Text
    confidence: Confidence | None = None
    source: str | None = None
    items: list[Item] = Field(min_length=1)


class Level(_Strict):
    """One level of the index: an element (items), a group (elements) or the overall index."""

    code: str = Field(min_length=1, max_length=64)
    label: Text
    items: list[str] = Field(default_factory=list)
    elements: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


class ReturnIntention(_Strict):
    """Share of respondents whose answer to ``item`` is in ``satisfied``."""

    item: str
    satisfied: list[int]


class Indicators(_Strict):
    """Extra indicators beside the satisfaction index (health)."""

    expectation_met: str | None = None
    return_intention: ReturnIntention | None = None
    comprehensive: bool = False


class IndexDefinition(_Strict):
    """How items roll up into elements, groups and the overall index, and what counts as satisfied."""

    satisfied: list[int] = Field(min_length=1)
    aggregation: Literal["item_mean", "pooled"]
    elements: list[Level] = Field(min_length=1)
    groups: list[Level] = Field(default_factory=list)
    overall: Level
    indicators: Indicators | None = None


class InstrumentDocument(_Strict):
    """A whole instrument version as shipped in ``instruments/data`` or imported by an admin."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    sector: Sector
    version: int = Field(ge=1)
    title: Text
    description: Text | None = None
    source: str = Field(min_length=1, max_length=2000)
    confidence: Confidence
    respondent_types: list[Literal["person", "organisation"]] = Field(min_length=1)
    sources: list[SourceRef] = Field(default_factory=list)
    scales: dict[str, list[Option]] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1)
    index: IndexDefinition
    # Which items give the respondent cells that population margins weight by (see ``CellSource``); stored
    # with each response at insert. Optional: an instrument without it stores no cells from its answers.
    cells: dict[CellVariable, CellSource] | None = None

    def respondent_cells(self, answers: dict[str, Any]) -> dict[str, str]:
        """The cells (``sex``, ``age_group``) the declared items' answers give; a cell without one is absent."""
        found: dict[str, str] = {}
        for variable, source in (self.cells or {}).items():
            level = source.level_of(answers.get(source.item))
            if level is not None:
                found[variable] = level
        return found

    @model_validator(mode="after")
    def _cells_resolve(self) -> InstrumentDocument:
        items = self.items_by_code()
        for variable, source in (self.cells or {}).items():
            where = f"cells.{variable}"
            item = items.get(source.item)
            if item is None:
                raise ValueError(f"{where}: item {source.item} does not exist")
            if item.type == "single_choice":
                if not source.levels or source.bands is not None:
                    raise ValueError(f"{where}: item {item.code} is a choice; map its options under `levels`")
                unknown = sorted(set(source.levels) - {option.value for option in self.options_of(item)})
                if unknown:
                    raise ValueError(f"{where}: item {item.code} has no options {unknown}")
            elif item.type == "integer":
                if not source.bands or source.levels is not None:
                    raise ValueError(f"{where}: item {item.code} is a number; map it under `bands`")
                _check_bands(where, source.bands)
            else:
                raise ValueError(
                    f"{where}: item {item.code} is {item.type}; a cell comes from a single_choice or integer item"
                )
        return self

    @model_validator(mode="after")
    def _conditions_resolve(self) -> InstrumentDocument:
        earlier: dict[str, Item] = {}
        for section in self.sections:
            for item in section.items:
                if item.shown_if is not None:
                    _check_condition(self, item, item.shown_if, earlier)
                earlier[item.code] = item
        return self

    def skipped(self, answers: dict[str, Any]) -> set[str]:
        """Codes of the items whose condition ``answers`` do not meet; an answer to a skipped item counts as
        none for the items after it (so a chain of conditions skips as a whole)."""
        skipped: set[str] = set()
        given = answers
        for section in self.sections:
            for item in section.items:
                if item.shown_if is not None and not item.shown_if.met(given):
                    skipped.add(item.code)
                    if item.code in given:
                        given = {code: value for code, value in given.items() if code != item.code}
        return skipped

    @model_validator(mode="after")
    def _references_resolve(self) -> InstrumentDocument:
        items = self.items_by_code()
        seen: set[str] = set()
        for section in self.sections:
            for item in section.items:
                if item.code in seen:
                    raise ValueError(f"item {item.code}: the code is used twice")
                seen.add(item.code)
                if item.scale is not None and item.scale not in self.scales:
                    raise ValueError(f"item {item.code}: scale {item.scale!r} is not defined under `scales`")
                if item.type == "scale_1_5" and (item.scale or item.options):
                    values = sorted(option.value for option in self.options_of(item))
                    if values != [1, 2, 3, 4, 5]:
                        raise ValueError(f"item {item.code}: a scale_1_5 item needs options 1–5, not {values}")
        index = self.index
        element_codes = {level.code for level in index.elements}
        group_codes = {level.code for level in index.groups}
        placed: dict[str, str] = {}
        for element in index.elements:
            if not element.items:
                raise ValueError(f"index element {element.code}: it lists no items")
            for code in element.items:
                if code not in items:
                    raise ValueError(f"index element {element.code}: item {code} does not exist")
                if items[code].type != "scale_1_5":
                    raise ValueError(f"index element {element.code}: item {code} is {items[code].type}, not scale_1_5")
                if code in placed:
                    raise ValueError(f"item {code}: it is in index elements {placed[code]} and {element.code}")
                placed[code] = element.code
        if not set(index.satisfied) <= {1, 2, 3, 4, 5}:
            raise ValueError(f"index: satisfied values {index.satisfied} must lie on the 1–5 scale")
        for group in index.groups:
            _check_children(f"index group {group.code}", group.elements, element_codes, "element")
        grouped = {code for group in index.groups for code in group.elements}
        if index.groups and grouped != element_codes:
            raise ValueError(f"index: elements {sorted(element_codes - grouped)} belong to no group")
        if index.groups:
            _check_children("the overall index", index.overall.groups, group_codes, "group")
        else:
            _check_children("the overall index", index.overall.elements, element_codes, "element")
        indicators = index.indicators
        if indicators is not None:
            if indicators.expectation_met and items.get(indicators.expectation_met) is None:
                raise ValueError(f"indicator expectation_met: item {indicators.expectation_met} does not exist")
            if indicators.return_intention and items.get(indicators.return_intention.item) is None:
                raise ValueError(f"indicator return_intention: item {indicators.return_intention.item} does not exist")
        return self

    def items_by_code(self) -> dict[str, Item]:
        """Every item of the instrument, by code, in questionnaire order."""
        return {item.code: item for section in self.sections for item in section.items}

    def options_of(self, item: Item) -> list[Option]:
        """The answer options of a choice or scale item (empty for other types)."""
        if item.options:
            return item.options
        if item.scale is not None:
            return self.scales[item.scale]
        return []

    def score_items(self) -> list[str]:
        """Codes of the items whose answers are single numbers, packed into a response's scores."""
        return [code for code, item in self.items_by_code().items() if item.type in NUMERIC_TYPES]

    def shown_on(self, channel: str) -> list[Section]:
        """The sections as asked on ``channel``: hidden items left out, and sections left empty dropped."""
        shown = []
        for section in self.sections:
            items = [item for item in section.items if item.shown_on(channel)]
            if items:
                shown.append(section.model_copy(update={"items": items}))
        return shown

    def section_of(self) -> dict[str, str]:
        """Section code of every item."""
        return {item.code: section.code for section in self.sections for item in section.items}


def _check_condition(document: InstrumentDocument, item: Item, condition: Condition, earlier: dict[str, Item]) -> None:
    where = f"item {item.code}: shown_if"
    source = earlier.get(condition.item)
    if source is None:
        exists = condition.item in document.items_by_code()
        raise ValueError(
            f"{where} names item {condition.item}, which "
            + ("comes later; a condition looks at an earlier answer" if exists else "does not exist")
        )
    if condition.any_of is not None:
        options = {option.value for option in source.options or document.scales.get(source.scale or "", [])}
        if not options:
            raise ValueError(f"{where}: item {source.code} is {source.type} and has no options; leave out `any_of`")
        unknown = sorted(set(condition.any_of) - options)
        if unknown:
            raise ValueError(f"{where}: item {source.code} has no options {unknown}")
    unseen = sorted(set(source.hidden_on) - set(item.hidden_on))
    if unseen:
        raise ValueError(f"{where}: item {source.code} is hidden on {unseen}, so this item must be hidden there too")


def _check_bands(where: str, bands: list[AgeBand]) -> None:
    ordered = sorted(bands, key=lambda band: band.min)
    for band in ordered:
        if band.max is not None and band.max < band.min:
            raise ValueError(f"{where}: band {band.level} ends ({band.max}) before it starts ({band.min})")
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.max is None or before.max >= after.min:
            raise ValueError(f"{where}: bands {before.level} and {after.level} overlap")


def _check_children(owner: str, children: list[str], known: set[str], kind: str) -> None:
    if not children:
        raise ValueError(f"{owner}: it lists no {kind}s")
    for code in children:
        if code not in known:
            raise ValueError(f"{owner}: {kind} {code} is not defined")
