"""Building an instrument document from an XLSForm's rows, remembering which row each part came from.

Every problem names its sheet and row. The document itself is then validated by the document model, and its
errors are traced back to the rows too (an item's to its survey row, an element's to its index row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.xlsform_layout import (
    CELLS,
    CHOICES,
    CONFIDENCE,
    HIDDEN_ON,
    INDEX,
    INDEX_ELEMENT,
    ITEM_TYPE,
    NOTE,
    SETTINGS,
    SOURCE,
    SOURCES,
    SURVEY,
    UNSUPPORTED_COLUMNS,
    Problem,
    bounds_of,
    code_of,
    language_of,
    words,
    yes,
)
from survey_api.instruments.xlsform_read import SheetRow, Workbook
from survey_api.instruments.xlsform_relevant import condition_of

# Types ODK adds for its own metadata; the platform records such facts itself, so they are skipped.
METADATA_TYPES = frozenset({"start", "end", "today", "deviceid", "audit"})
_SELECT = re.compile(r"select_(one|multiple)\s+(\S+)")
# How the document model's own errors name what they are about: "item 1.2: …", "cells.sex: …".
_DOCUMENT_WORDING = re.compile(r"^((?:item|index element|index group) [^:\s]+|cells\.[a-z_]+):")


@dataclass
class Built:
    """The document's data as parsed, where each part came from, and the problems met on the way."""

    data: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rows: dict[tuple[Any, ...], tuple[str, int]] = field(default_factory=dict)  # document location → row
    by_code: dict[str, tuple[str, int]] = field(default_factory=dict)  # "item X" / "index element X" → row

    def problem(self, sheet: str, row: SheetRow | int | None, text: str) -> None:
        self.problems.append(Problem(sheet, row.number if isinstance(row, SheetRow) else row, text))


def build_document(book: Workbook) -> Built:
    """The document data of a workbook (``data``) and every problem found in it."""
    built = Built()
    for sheet in (SURVEY, CHOICES, SETTINGS):
        if sheet not in book:
            built.problem(sheet, None, f"the workbook has no {sheet} sheet")
    if built.problems:
        return built
    settings = book[SETTINGS][0] if book[SETTINGS] else SheetRow(2, {})
    lists = _lists(book[CHOICES], built)
    own_lists = _survey(book[SURVEY], lists, built)
    built.data["scales"] = {name: options for name, options in lists.items() if name not in own_lists}
    for name in built.data["scales"]:
        for k in range(len(lists[name])):
            built.rows[("scales", name, k)] = built.rows[("list", name, k)]
    _settings(settings, built)
    _index(book.get(INDEX, []), book[SURVEY], built)
    built.data["sources"] = [
        {"id": r.get("id"), "text": r.get("text"), "grade": r.get("grade")} for r in book.get(SOURCES, [])
    ]
    for k, row in enumerate(book.get(SOURCES, [])):
        built.rows[("sources", k)] = (SOURCES, row.number)
    _cells(book.get(CELLS, []), built)
    return built


def _cells(rows: list[SheetRow], built: Built) -> None:
    """The respondent cells: per variable its item, and option values (``value``) or bands (``min``, ``max``)."""
    cells: dict[str, dict[str, Any]] = {}
    for row in rows:
        variable = row.get("variable")
        source = cells.setdefault(variable, {"item": row.get("item")})
        built.rows.setdefault(("cells", variable), (CELLS, row.number))
        built.by_code.setdefault(f"cells.{variable}", (CELLS, row.number))
        if source["item"] != row.get("item"):
            built.problem(
                CELLS, row, f"cell {variable} comes from one item, not {source['item']} and {row.get('item')}"
            )
        elif row.get("value").isdigit() and not row.get("min"):
            source.setdefault("levels", {})[int(row.get("value"))] = row.get("level")
        elif row.get("min").isdigit() and (row.get("max").isdigit() or not row.get("max")) and not row.get("value"):
            band = {"min": int(row.get("min")), "level": row.get("level")}
            if row.get("max"):
                band["max"] = int(row.get("max"))
            source.setdefault("bands", []).append(band)
        else:
            built.problem(CELLS, row, "give an option's number under value, or whole numbers under min (and max)")
    built.data["cells"] = cells or None


def _text(row: SheetRow, name: str) -> dict[str, str | None] | None:
    texts: dict[str, str | None] = {}
    for header, value in row.cells.items():
        language = language_of(header, name)
        if language is not None:
            texts[language] = value
    if not texts:
        return None
    return {"vi": texts.get("vi", ""), "en": texts.get("en")}


def _lists(rows: list[SheetRow], built: Built) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        name, value = row.get("list_name"), row.get("name")
        if not name:
            built.problem(CHOICES, row, "the choice has no list_name")
            continue
        if not re.fullmatch(r"[0-9]{1,3}", value):
            built.problem(CHOICES, row, f"choice name {value!r} must be the option's number (0–254)")
            continue
        options = lists.setdefault(name, [])
        built.rows[("list", name, len(options))] = (CHOICES, row.number)
        options.append({"value": int(value), "label": _text(row, "label") or {"vi": ""}})
    return lists


def _survey(rows: list[SheetRow], lists: dict[str, list[dict[str, Any]]], built: Built) -> set[str]:
    """The sections and items (into ``built.data``); returns the names of the lists that are items' own."""
    sections: list[dict[str, Any]] = []
    own: set[str] = set()
    current: dict[str, Any] | None = None
    for row in rows:
        kind = " ".join(row.get("type").split())
        kind = {"begin_group": "begin group", "end_group": "end group"}.get(kind, kind)
        for header in row.cells.keys() & UNSUPPORTED_COLUMNS:
            built.problem(SURVEY, row, f"column {header} is not kept by the platform; leave it empty")
        if row.get("relevant") and (kind in ("begin group", "end group", "note") or kind in METADATA_TYPES):
            built.problem(SURVEY, row, "relevant is kept on questions only, not on groups or notes; leave it empty")
        if kind in ("begin group", "end group"):
            if kind == "end group":
                if current is None:
                    built.problem(SURVEY, row, "end group without a begin group")
                current = None
            elif current is not None:
                built.problem(SURVEY, row, "groups cannot be nested: a group is a section")
            else:
                current = _section(row, built, len(sections))
                sections.append(current)
            continue
        if kind in METADATA_TYPES:
            continue
        if kind == "note" and current is None and not sections and "description" not in built.data:
            built.data["description"] = _text(row, "label")
            continue
        if current is None:
            built.problem(SURVEY, row, "every question belongs in a group (a section of the instrument)")
            continue
        item = _item(row, kind, lists, own, built)
        if item is not None:
            location = ("sections", len(sections) - 1, "items", len(current["items"]))
            built.rows[location] = (SURVEY, row.number)
            built.by_code[f"item {item['code']}"] = (SURVEY, row.number)
            for k in range(len(item.get("options", []))):
                built.rows[(*location, "options", k)] = built.rows[("list", row.get("name"), k)]
            current["items"].append(item)
    if current is not None:
        built.problem(SURVEY, None, f"group {current['code']} has no end group")
    built.data["sections"] = sections
    return own


def _section(row: SheetRow, built: Built, position: int) -> dict[str, Any]:
    built.rows[("sections", position)] = (SURVEY, row.number)
    section: dict[str, Any] = {"code": code_of(row.get("name")), "title": _text(row, "label"), "items": []}
    for key in (CONFIDENCE, SOURCE):
        if row.get(key):
            section[key] = row.get(key)
    return section


def _item(
    row: SheetRow, kind: str, lists: dict[str, list[dict[str, Any]]], own: set[str], built: Built
) -> dict[str, Any] | None:
    name, platform_type = row.get("name"), row.get(ITEM_TYPE)
    item: dict[str, Any] = {"code": code_of(name), "text": _text(row, "label")}
    select = _SELECT.fullmatch(kind)
    constraint = row.get("constraint")
    allowed = {"select_one": ("scale_1_5",), "integer": ("scale_1_5", "score_0_100")}
    if platform_type and platform_type not in allowed.get(kind.split(" ")[0], ()):
        built.problem(SURVEY, row, f"item_type {platform_type!r} does not fit type {row.get('type')!r}")
        return None
    if select:
        multiple, list_name = select.group(1) == "multiple", select.group(2)
        if list_name not in lists:
            built.problem(SURVEY, row, f"choice list {list_name!r} is not on the choices sheet")
            return None
        item["type"] = "multiple_choice" if multiple else (platform_type or "single_choice")
        if list_name == name:
            item["options"] = lists[list_name]
            own.add(list_name)
        else:
            item["scale"] = list_name
    elif kind == "integer":
        item["type"] = platform_type or "integer"
        bounds = bounds_of(constraint) if constraint else None
        if item["type"] == "integer":
            if bounds is None:
                built.problem(SURVEY, row, "an integer needs its bounds as the constraint `. >= MIN and . <= MAX`")
                return None
            item["min"], item["max"] = bounds
        constraint = ""
    elif kind == "text":
        item["type"] = "free_text"
    elif kind == "decimal":
        built.problem(SURVEY, row, "the platform stores whole numbers only: use integer (with bounds)")
        return None
    else:
        built.problem(
            SURVEY,
            row,
            f"type {row.get('type')!r} is not supported (select_one, select_multiple, integer, text, "
            "begin group, end group, and a note before the first group as the description)",
        )
        return None
    if constraint:
        built.problem(SURVEY, row, "only an integer takes a constraint (`. >= MIN and . <= MAX`)")
    required = yes(row.get("required"))
    if required is None:
        built.problem(SURVEY, row, f"required must be yes or no, not {row.get('required')!r}")
    item["required"] = bool(required)
    if row.get("relevant"):
        condition = condition_of(row.get("relevant"))
        if isinstance(condition, str):
            built.problem(SURVEY, row, condition)
        else:
            item["shown_if"] = condition
    for key, value in (
        (HIDDEN_ON, words(row.get(HIDDEN_ON))),
        (CONFIDENCE, row.get(CONFIDENCE)),
        (NOTE, row.get(NOTE)),
    ):
        if value:
            item[key] = value
    return item


def _settings(row: SheetRow, built: Built) -> None:
    data = built.data
    data["code"] = row.get("form_id")
    data["version"] = _number(row, "version", built)
    data["title"] = {"vi": row.get("form_title"), "en": row.get("form_title_en") or None}
    for key in ("sector", "confidence", "source"):
        data[key] = row.get(key)
    data["respondent_types"] = words(row.get("respondent_types"))
    index: dict[str, Any] = {"aggregation": row.get("index_aggregation")}
    index["satisfied"] = _numbers(row, "index_satisfied", built)
    comprehensive = yes(row.get("comprehensive"))
    if comprehensive is None:
        built.problem(SETTINGS, row, "comprehensive must be yes or no")
    if any(row.get(key) for key in ("expectation_met", "return_intention", "comprehensive")):
        indicators: dict[str, Any] = {"comprehensive": bool(comprehensive)}
        if row.get("expectation_met"):
            indicators["expectation_met"] = row.get("expectation_met")
        if row.get("return_intention"):
            satisfied = _numbers(row, "return_intention_satisfied", built)
            indicators["return_intention"] = {"item": row.get("return_intention"), "satisfied": satisfied}
        index["indicators"] = indicators
    data["index"] = index
    built.rows[()] = (SETTINGS, row.number)


def _number(row: SheetRow, key: str, built: Built) -> int | None:
    value = row.get(key)
    if not value.isdigit():
        built.problem(SETTINGS, row, f"{key} must be a whole number, not {value!r}")
        return None
    return int(value)


def _numbers(row: SheetRow, key: str, built: Built) -> list[int]:
    values = words(row.get(key))
    if not all(value.isdigit() for value in values):
        built.problem(SETTINGS, row, f"{key} must be whole numbers separated by spaces, not {row.get(key)!r}")
        return []
    return [int(value) for value in values]


def _index(rows: list[SheetRow], survey: list[SheetRow], built: Built) -> None:
    index = built.data["index"]
    elements: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    members: dict[str, list[str]] = {}
    overall: dict[str, Any] | None = None
    for row in rows:
        level, code = row.get("level"), row.get("code")
        entry = {"code": code, "label": _text(row, "label")}
        if level == "element":
            built.rows[("index", "elements", len(elements))] = (INDEX, row.number)
            built.by_code[f"index element {code}"] = (INDEX, row.number)
            elements.append(entry | {"items": []})
            if row.get("group"):
                members.setdefault(row.get("group"), []).append(code)
        elif level == "group":
            built.rows[("index", "groups", len(groups))] = (INDEX, row.number)
            built.by_code[f"index group {code}"] = (INDEX, row.number)
            groups.append(entry)
        elif level == "overall" and overall is None:
            built.rows[("index", "overall")] = (INDEX, row.number)
            overall = entry
        else:
            built.problem(INDEX, row, f"level must be element, group or overall (one overall), not {level!r}")
    by_code = {element["code"]: element for element in elements}
    for row in survey:
        element = row.get(INDEX_ELEMENT)
        if element and element not in by_code:
            built.problem(SURVEY, row, f"index element {element!r} is not on the index sheet")
        elif element:
            by_code[element]["items"].append(code_of(row.get("name")))
    for group in groups:
        group["elements"] = members.pop(group["code"], [])
    for code in members:
        built.problem(INDEX, None, f"group {code!r} is named by elements but not defined")
    if overall is None:
        built.problem(INDEX, None, "the index sheet needs an overall row")
        overall = {"code": "", "label": None}
    overall |= {"groups": [g["code"] for g in groups]} if groups else {"elements": [e["code"] for e in elements]}
    index |= {"elements": elements, "groups": groups, "overall": overall}


def validated(built: Built) -> InstrumentDocument | None:
    """The document when the model accepts it; else None, with the model's errors added as row problems."""
    try:
        return InstrumentDocument.model_validate(built.data)
    except ValidationError as exc:
        for error in exc.errors():
            built.problems.append(_traced(built, tuple(error["loc"]), str(error["msg"])))
        return None


def _traced(built: Built, loc: tuple[Any, ...], message: str) -> Problem:
    message = message.removeprefix("Value error, ")
    match = _DOCUMENT_WORDING.match(message)
    if not loc and match and match.group(1) in built.by_code:
        sheet, row = built.by_code[match.group(1)]
        return Problem(sheet, row, message)
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in built.rows:
            sheet, row = built.rows[loc[:cut]]
            rest = ".".join(map(str, loc[cut:]))
            return Problem(sheet, row, f"{rest}: {message}" if rest else message)
    return Problem(SETTINGS, None, f"{'.'.join(map(str, loc))}: {message}" if loc else message)
