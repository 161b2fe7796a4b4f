"""Writing an instrument document as an XLSForm workbook (see ``xlsform_layout`` for the layout).

Each section is a group, each item a question: a choice item a ``select_one``/``select_multiple`` of its
scale's list (named like the scale) or of its own list (named like the item), a number an ``integer`` with
its bounds as the constraint, free text a ``text``; ``item_type`` names the platform's type where the XLSForm
type does not (``scale_1_5``, ``score_0_100``). The description is a ``note`` before the first group.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook

from survey_api.instruments.document import InstrumentDocument, Item, Option, Section
from survey_api.instruments.xlsform_layout import (
    CELLS,
    CHOICES,
    CONFIDENCE,
    DEFAULT_LANGUAGE,
    HIDDEN_ON,
    INDEX,
    INDEX_ELEMENT,
    ITEM_TYPE,
    NOTE,
    SETTINGS,
    SOURCE,
    SOURCES,
    SURVEY,
    bounds_constraint,
    column,
    item_name,
    text_columns,
)
from survey_api.instruments.xlsform_relevant import relevant_of

Row = dict[str, str]
Sheets = dict[str, list[Row]]
# Bounds of the numeric types whose bounds are the type's, not the item's.
TYPE_BOUNDS = {"scale_1_5": (1, 5), "score_0_100": (0, 100)}


def document_sheets(document: InstrumentDocument) -> Sheets:
    """The workbook's sheets as rows of ``{header: cell}`` (the form pyxform also accepts)."""
    element_of = {code: element.code for element in document.index.elements for code in element.items}
    survey: list[Row] = []
    if document.description is not None:
        survey.append({"type": "note", "name": "description", **text_columns("label", document.description)})
    choices = [row for name, options in document.scales.items() for row in _choice_rows(name, options)]
    for section in document.sections:
        survey.append(_group_row(section))
        for item in section.items:
            survey.append(_item_row(document, item, element_of.get(item.code, "")))
            if item.options:
                choices += _choice_rows(item_name(item.code), item.options)
        survey.append({"type": "end group"})
    return {
        SURVEY: survey,
        CHOICES: choices,
        SETTINGS: [_settings_row(document)],
        INDEX: _index_rows(document),
        SOURCES: [{"id": s.id, "text": s.text, "grade": s.grade} for s in document.sources],
        CELLS: _cell_rows(document),
    }


def _cell_rows(document: InstrumentDocument) -> list[Row]:
    """One row per option value (``value``) or age band (``min``, ``max``) of each respondent cell's item."""
    rows: list[Row] = []
    for variable, source in (document.cells or {}).items():
        for value, level in (source.levels or {}).items():
            rows.append({"variable": variable, "item": source.item, "value": str(value), "level": level})
        for band in source.bands or ():
            limits = {"min": str(band.min), "max": "" if band.max is None else str(band.max)}
            rows.append({"variable": variable, "item": source.item, "value": "", **limits, "level": band.level})
    return rows


def _group_row(section: Section) -> Row:
    return {
        "type": "begin group",
        "name": item_name(section.code),
        **text_columns("label", section.title),
        CONFIDENCE: section.confidence or "",
        SOURCE: section.source or "",
    }


def _item_row(document: InstrumentDocument, item: Item, element: str) -> Row:
    row: Row = {"type": _xlsform_type(item), "name": item_name(item.code), **text_columns("label", item.text)}
    row["required"] = "yes" if item.required else ""
    row[ITEM_TYPE] = item.type if item.type in ("scale_1_5", "score_0_100") else ""
    bounds = TYPE_BOUNDS.get(item.type) if row["type"] == "integer" else None
    if item.type == "integer" and item.min is not None and item.max is not None:
        bounds = (item.min, item.max)
    row["constraint"] = bounds_constraint(*bounds) if bounds else ""
    row[INDEX_ELEMENT] = element
    row["relevant"] = relevant_of(document, item.shown_if) if item.shown_if else ""
    row[HIDDEN_ON] = " ".join(item.hidden_on)
    row[CONFIDENCE] = item.confidence or ""
    row[NOTE] = item.note or ""
    return row


def _xlsform_type(item: Item) -> str:
    if item.type == "multiple_choice":
        return f"select_multiple {_list_of(item)}"
    if item.type == "single_choice" or (item.type == "scale_1_5" and (item.scale or item.options)):
        return f"select_one {_list_of(item)}"
    return "text" if item.type == "free_text" else "integer"


def _list_of(item: Item) -> str:
    return item.scale if item.scale is not None else item_name(item.code)


def _choice_rows(list_name: str, options: Iterable[Option]) -> list[Row]:
    return [{"list_name": list_name, "name": str(o.value), **text_columns("label", o.label)} for o in options]


def _settings_row(document: InstrumentDocument) -> Row:
    index = document.index
    indicators = index.indicators
    intention = indicators.return_intention if indicators else None
    return {
        "form_title": document.title.vi,
        "form_id": document.code,
        "version": str(document.version),
        "default_language": DEFAULT_LANGUAGE,
        "form_title_en": document.title.en or "",
        "sector": document.sector,
        "confidence": document.confidence,
        "source": document.source,
        "respondent_types": " ".join(document.respondent_types),
        "index_satisfied": " ".join(map(str, index.satisfied)),
        "index_aggregation": index.aggregation,
        "expectation_met": (indicators.expectation_met or "") if indicators else "",
        "return_intention": intention.item if intention else "",
        "return_intention_satisfied": " ".join(map(str, intention.satisfied)) if intention else "",
        "comprehensive": ("yes" if indicators.comprehensive else "no") if indicators else "",
    }


def _index_rows(document: InstrumentDocument) -> list[Row]:
    """One row per element (with its group), per group, then the overall level."""
    index = document.index
    group_of = {element: group.code for group in index.groups for element in group.elements}
    rows = [
        {"level": "element", "code": e.code, **text_columns("label", e.label), "group": group_of.get(e.code, "")}
        for e in index.elements
    ]
    rows += [{"level": "group", "code": g.code, **text_columns("label", g.label), "group": ""} for g in index.groups]
    rows.append({"level": "overall", "code": index.overall.code, **text_columns("label", index.overall.label)})
    return rows


def workbook_bytes(sheets: Sheets) -> bytes:
    """The sheets as an .xlsx file; every sheet's header is the union of its rows' columns, in order of use."""
    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        headers = list(dict.fromkeys(key for row in rows for key in row)) or _EMPTY_HEADERS.get(name, ["id"])
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(header) or None for header in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_EMPTY_HEADERS = {
    CHOICES: ["list_name", "name", column("label", "vi")],
    SOURCES: ["id", "text", "grade"],
    CELLS: ["variable", "item", "value", "min", "max", "level"],
}


def export_xlsform(document: InstrumentDocument) -> bytes:
    """The instrument as an XLSForm workbook (.xlsx bytes)."""
    return workbook_bytes(document_sheets(document))
