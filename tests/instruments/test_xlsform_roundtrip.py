"""Every shipped instrument goes YAML → XLSForm → YAML unchanged, and pyxform (and ODK Validate) accept the forms."""

from __future__ import annotations

import shutil
import typing
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from pydantic import BaseModel

from survey_api.instruments import document as model
from survey_api.instruments.loader import load_instrument_file, official_instrument_files, parse_document
from survey_api.instruments.xlsform import document_yaml, export_xlsform, import_xlsform, to_xform
from survey_api.instruments.xlsform_read import read_workbook

SHIPPED = official_instrument_files()

# Every field of the document model, as the XLSForm layout carries it. A field added to the model fails
# test_the_layout_carries_every_field_of_the_model until the layout (and this list) carry it too.
CARRIED = {
    "InstrumentDocument": {
        "code",
        "sector",
        "version",
        "title",
        "description",
        "source",
        "confidence",
        "respondent_types",
        "sources",
        "scales",
        "sections",
        "index",
        "cells",
    },
    "Text": {"vi", "en"},
    "Option": {"value", "label"},
    "SourceRef": {"id", "text", "grade"},
    "Section": {"code", "title", "confidence", "source", "items"},
    "Item": {
        "code",
        "type",
        "required",
        "text",
        "scale",
        "options",
        "confidence",
        "note",
        "hidden_on",
        "min",
        "max",
        "shown_if",
    },
    "Condition": {"item", "any_of"},
    "IndexDefinition": {"satisfied", "aggregation", "elements", "groups", "overall", "indicators"},
    "Level": {"code", "label", "items", "elements", "groups"},
    "Indicators": {"expectation_met", "return_intention", "comprehensive"},
    "ReturnIntention": {"item", "satisfied"},
    "CellSource": {"item", "levels", "bands"},
    "AgeBand": {"min", "max", "level"},
}


def _models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [found for arg in typing.get_args(annotation) for found in _models(arg)]


def test_the_layout_carries_every_field_of_the_model() -> None:
    seen: dict[str, set[str]] = {}
    pending: list[type[BaseModel]] = [model.InstrumentDocument]
    while pending:
        current = pending.pop()
        if current.__name__ in seen:
            continue
        seen[current.__name__] = set(current.model_fields)
        for field in current.model_fields.values():
            pending += _models(field.annotation)
    assert seen == CARRIED, "a field of the document model has no place in the XLSForm layout"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_yaml_to_xlsform_to_yaml_gives_the_same_instrument(path: Path) -> None:
    original = load_instrument_file(path)
    back = import_xlsform(export_xlsform(original), path.name)
    assert back == original
    again = parse_document(yaml.safe_load(document_yaml(back)), "exported YAML")
    assert again == original


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_pyxform_turns_the_exported_form_into_an_xform_in_both_languages(path: Path) -> None:
    document = load_instrument_file(path)
    xform = ElementTree.fromstring(to_xform(export_xlsform(document)))
    ns = {"x": "http://www.w3.org/2002/xforms"}
    languages = {t.get("lang") for t in xform.iter("{http://www.w3.org/2002/xforms}translation")}
    assert languages == {"Vietnamese (vi)", "English (en)"}
    binds = {b.get("nodeset", "").rsplit("/", 1)[-1]: b for b in xform.iterfind(".//x:bind", ns)}
    for item in document.items_by_code().values():
        name = item.code if item.code[0].isalpha() else f"_{item.code}"
        assert name in binds, item.code
        assert (binds[name].get("required") == "true()") == item.required
    vietnamese = next(
        t for t in xform.iter("{http://www.w3.org/2002/xforms}translation") if "(vi)" in t.get("lang", "")
    )
    first = document.sections[0].items[0]
    assert any(first.text.vi == value.text for value in vietnamese.iter("{http://www.w3.org/2002/xforms}value"))


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
@pytest.mark.parametrize("code", ["sipas", "health-inpatient"])
def test_odk_validate_accepts_the_exported_form(code: str) -> None:
    document = load_instrument_file(next(p for p in SHIPPED if p.stem == code))
    assert "<h:html" in to_xform(export_xlsform(document), validate=True)  # raises when javarosa refuses it


def test_the_workbook_has_the_standard_sheets_and_the_platform_columns() -> None:
    document = load_instrument_file(next(p for p in SHIPPED if p.stem == "health-inpatient"))
    book = read_workbook(export_xlsform(document))
    assert {"survey", "choices", "settings", "index", "sources", "cells"} <= set(book)
    rows = {row.get("name"): row for row in book["survey"]}
    assert rows["hdr.KKS"].get("hidden_on") == "qr web"
    age = rows["info.A2"]
    assert age.get("type") == "integer" and age.get("constraint").startswith(". >= ")
    assert book["settings"][0].get("default_language") == "Vietnamese (vi)"
    assert any(row.get("index_element") for row in book["survey"])
    assert {row.get("variable") for row in book["cells"]} == set(document.cells or {})
    assert book["settings"][0].get("form_id") == document.code
