"""The form built from an instrument document: tablet-hidden items left out, codes made XML names."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import fromstring

from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.loader import load_instrument_file, official_instrument_files
from survey_api.openrosa.form import build_spec, xml_name
from survey_api.openrosa.xform import render


def sipas() -> InstrumentDocument:
    path = next(p for p in official_instrument_files() if Path(p).stem == "sipas")
    return load_instrument_file(path)


def test_items_hidden_on_tablets_are_not_in_the_form() -> None:
    document = sipas()
    section = document.sections[0]
    hidden = next(item for item in section.items if not item.required)
    changed = section.model_copy(
        update={"items": [i.model_copy(update={"hidden_on": ["tablet"]}) if i is hidden else i for i in section.items]}
    )
    document = document.model_copy(update={"sections": [changed, *document.sections[1:]]})
    spec = build_spec(
        assignment_id=3, instrument_version_id=9, document=document, place=None, service_point=None, sample=[]
    )
    codes = {q.item.code for g in spec.groups for q in g.questions}
    assert hidden.code not in codes and len(codes) == len(document.items_by_code()) - 1
    assert f"/{xml_name(hidden.code)}".encode() not in render(spec)


def test_codes_become_xml_names_and_the_same_form_renders_the_same_bytes() -> None:
    assert xml_name("Q1.2") == "Q1.2"
    assert xml_name("1a") == "_1a"
    assert xml_name("xml-thing") == "_xml-thing"
    assert xml_name("meta", frozenset({"meta"})) == "_meta"
    spec = build_spec(
        assignment_id=3, instrument_version_id=9, document=sipas(), place="Một cửa", service_point="d1", sample=[]
    )
    first, second = render(spec), render(spec)
    assert first == second
    fromstring(first)
