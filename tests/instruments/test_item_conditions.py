"""Skip logic as instrument data: ``shown_if`` validated by the model, applied by the answer checks, written
as the XForm's ``relevant`` bind and read and written as XLSForm's ``relevant`` column."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from pydantic import ValidationError

from survey_api.collection.answers import check_answers
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.loader import load_instrument_file, official_instrument_files
from survey_api.instruments.xlsform import XLSFormError, import_xlsform
from survey_api.instruments.xlsform_read import to_xform
from survey_api.instruments.xlsform_relevant import condition_of
from survey_api.instruments.xlsform_write import document_sheets, export_xlsform, workbook_bytes
from survey_api.openrosa.form import build_spec, xml_name
from survey_api.openrosa.xform import render


def shipped(stem: str) -> InstrumentDocument:
    return load_instrument_file(next(p for p in official_instrument_files() if Path(p).stem == stem))


PARENTS = shipped("education-parents")


def with_condition(code: str, condition: dict[str, Any] | None) -> dict[str, Any]:
    """The parents' instrument as data, with ``code``'s condition replaced."""
    data = PARENTS.model_dump(mode="json", exclude_none=True)
    for section in data["sections"]:
        for item in section["items"]:
            if item["code"] == code:
                item.pop("shown_if", None)
                if condition is not None:
                    item["shown_if"] = condition
    return data


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        InstrumentDocument.model_validate(data)
    return str(caught.value)


def test_the_shipped_other_specify_items_are_asked_only_after_other() -> None:
    assert PARENTS.items_by_code()["P.4.other"].shown_if is not None
    other = next(o.value for o in PARENTS.options_of(PARENTS.items_by_code()["P.4"]) if o.label.en == "Other")
    assert PARENTS.skipped({"P.4": 1}) == {"P.4.other"}
    assert PARENTS.skipped({"P.4": other}) == set()
    inpatient = shipped("health-inpatient")
    assert {code for code, item in inpatient.items_by_code().items() if item.shown_if} == {
        "hdr.3.other",
        "E7.other",
        "G2.other",
    }


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"item": "P.9"}, "item P.4.other: shown_if names item P.9, which does not exist"),
        ({"item": "P.5", "any_of": [1]}, "names item P.5, which comes later"),
        ({"item": "P.4.other"}, "names item P.4.other, which comes later"),  # itself
        ({"item": "P.4", "any_of": [7]}, "item P.4 has no options [7]"),
        ({"item": "P.4", "any_of": []}, "at least 1 item"),
        ({"item": "P.4", "unknown": 1}, "Extra inputs are not permitted"),
    ],
)
def test_a_condition_must_look_at_an_earlier_option(condition: dict[str, Any], problem: str) -> None:
    assert problem in refusal(with_condition("P.4.other", condition))


def test_a_condition_with_options_needs_a_choice_item_and_is_hidden_where_its_source_is() -> None:
    data = with_condition("P.4.other", None)
    text_item = {"code": "X.1", "type": "free_text", "text": {"vi": "Ghi chú"}}
    follow_up = {"code": "X.2", "type": "free_text", "text": {"vi": "Thêm"}, "shown_if": {"item": "X.1", "any_of": [1]}}
    data["sections"][-1]["items"] += [text_item, follow_up]
    assert "item X.1 is free_text and has no options; leave out `any_of`" in refusal(data)
    follow_up.pop("shown_if")
    follow_up["shown_if"] = {"item": "X.1"}
    InstrumentDocument.model_validate(data)  # "answered at all" needs no options
    text_item["hidden_on"] = ["qr"]
    assert "item X.1 is hidden on ['qr'], so this item must be hidden there too" in refusal(data)


def test_a_skipped_item_is_not_required_and_an_answer_to_it_is_refused() -> None:
    data = with_condition("P.4.other", {"item": "P.4", "any_of": [2]})
    for section in data["sections"]:
        for item in section["items"]:
            if item["code"] == "P.4.other":
                item["required"] = True  # required when asked
    document = InstrumentDocument.model_validate(data)
    base = {"P.1": 1, "P.2": 1, "P.3": 1}
    _, problems = check_answers(document, {**base, "P.4": 1})
    assert "P.4.other" not in {p["item"] for p in problems}  # skipped: not required
    cleaned, problems = check_answers(document, {**base, "P.4": 1, "P.4.other": "Ê Đê"})
    assert {"item": "P.4.other", "problem": "this question is asked only when P.4 is one of [2]; leave it empty"} in (
        problems
    )
    assert "P.4.other" not in cleaned
    _, problems = check_answers(document, {**base, "P.4": 2})
    assert {"item": "P.4.other", "problem": "this question is required and has no answer"} in problems
    cleaned, problems = check_answers(document, {**base, "P.4": 2, "P.4.other": " Ê Đê "})
    assert cleaned["P.4.other"] == "Ê Đê" and "P.4.other" not in {p["item"] for p in problems}
    _, problems = check_answers(document, {**base, "P.4.other": "Ê Đê"})  # P.4 unanswered: skipped too
    assert "P.4.other" in {p["item"] for p in problems}


def test_conditions_chain_and_read_multiple_choices() -> None:
    data = with_condition("P.4.other", {"item": "P.4", "any_of": [2]})
    choices = [{"value": v, "label": {"vi": f"Lựa chọn {v}"}} for v in (1, 2, 3)]
    data["sections"][-1]["items"] += [
        {"code": "M.1", "type": "multiple_choice", "text": {"vi": "Chọn"}, "options": choices},
        {"code": "M.2", "type": "free_text", "text": {"vi": "Vì sao"}, "shown_if": {"item": "M.1", "any_of": [2, 3]}},
        {"code": "M.3", "type": "free_text", "text": {"vi": "Thêm"}, "shown_if": {"item": "M.2"}},
    ]
    document = InstrumentDocument.model_validate(data)
    assert document.skipped({"M.1": [1, 3], "M.2": "x"}) >= {"P.4.other"}
    assert not {"M.2", "M.3"} & document.skipped({"M.1": [1, 3], "M.2": "x"})
    # M.1 without 2 or 3 skips M.2, and an answer to a skipped M.2 does not ask M.3 either.
    assert {"M.2", "M.3"} <= document.skipped({"M.1": [1], "M.2": "x"})


def test_the_xform_carries_the_condition_as_a_relevant_bind() -> None:
    document = shipped("health-inpatient")
    spec = build_spec(
        assignment_id=3, instrument_version_id=9, document=document, place=None, service_point=None, sample=[]
    )
    form = ElementTree.fromstring(render(spec))
    binds = {b.get("nodeset", "").rsplit("/", 1)[-1]: b for b in form.iter("{http://www.w3.org/2002/xforms}bind")}
    relevant = binds[xml_name("hdr.3.other")].get("relevant")
    assert relevant is not None and relevant.endswith(f"/{xml_name('hdr.3')}, '5')")
    assert relevant.startswith("selected(/data/")
    assert binds[xml_name("G2.other")].get("relevant", "").endswith("/G2, '6')")
    assert binds[xml_name("G2")].get("relevant") is None


@pytest.mark.parametrize(
    ("relevant", "condition"),
    [
        ("${P.4} = '2'", {"item": "P.4", "any_of": [2]}),
        ('${P.4}="2"', {"item": "P.4", "any_of": [2]}),
        ("selected(${P.4}, '2')", {"item": "P.4", "any_of": [2]}),
        ("${P.4} = '1' or selected( ${P.4} , '2' )", {"item": "P.4", "any_of": [1, 2]}),
        ("${_1.2} != ''", {"item": "1.2"}),
        ("string-length(${P.4}) > 0", {"item": "P.4"}),
    ],
)
def test_the_simple_forms_of_relevant_are_read(relevant: str, condition: dict[str, Any]) -> None:
    assert condition_of(relevant) == condition


@pytest.mark.parametrize(
    ("relevant", "problem"),
    [
        ("${P.4} = '2' and ${P.1} = '1'", "cannot be kept"),
        ("${P.4} > 1", "cannot be kept"),
        ("${P.4} = 'yes'", "cannot be kept"),
        ("${P.4} = '2' or ${P.1} = '1'", "looks at several questions"),
    ],
)
def test_what_a_condition_cannot_say_is_refused(relevant: str, problem: str) -> None:
    found = condition_of(relevant)
    assert isinstance(found, str) and problem in found


def test_relevant_round_trips_and_pyxform_validates_it() -> None:
    data = with_condition("P.4.other", {"item": "P.4", "any_of": [1, 2]})
    choices = [{"value": v, "label": {"vi": f"Lựa chọn {v}"}} for v in (1, 2, 3)]
    data["sections"][-1]["items"] += [
        {"code": "M.1", "type": "multiple_choice", "text": {"vi": "Chọn"}, "options": choices},
        {"code": "M.2", "type": "free_text", "text": {"vi": "Vì sao"}, "shown_if": {"item": "M.1", "any_of": [3]}},
        {"code": "M.3", "type": "free_text", "text": {"vi": "Thêm"}, "shown_if": {"item": "M.2"}},
    ]
    document = InstrumentDocument.model_validate(data)
    workbook = export_xlsform(document)
    rows = {row.get("name"): row for row in document_sheets(document)["survey"]}
    assert rows["P.4.other"]["relevant"] == "${P.4} = '1' or ${P.4} = '2'"
    assert rows["M.2"]["relevant"] == "selected(${M.1}, '3')"
    assert rows["M.3"]["relevant"] == "${M.2} != ''"
    assert import_xlsform(workbook, "form.xlsx") == document
    xform = to_xform(workbook)  # pyxform accepts the form and writes the conditions as binds
    assert 'relevant="selected( /' in xform and 'relevant=" /' in xform


def test_a_relevant_the_platform_cannot_keep_is_refused_on_its_row() -> None:
    sheets = copy.deepcopy(document_sheets(PARENTS))
    number = next(k for k, row in enumerate(sheets["survey"], start=2) if row.get("name") == "P.4.other")
    sheets["survey"][number - 2]["relevant"] = "${P.4} = '2' and ${P.1} = '1'"
    group = next(k for k, row in enumerate(sheets["survey"], start=2) if row.get("type") == "begin group")
    sheets["survey"][group - 2]["relevant"] = "${P.4} = '2'"
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(workbook_bytes(sheets), "form.xlsx")
    found = [(p.sheet, p.row, p.problem) for p in caught.value.problems]
    assert any(p[:2] == ("survey", number) and "cannot be kept" in p[2] for p in found), found
    assert any(p[:2] == ("survey", group) and "questions only" in p[2] for p in found), found
    # A condition pyxform accepts but the model does not (a later question) is named on its row too.
    sheets = copy.deepcopy(document_sheets(PARENTS))
    sheets["survey"][number - 2]["relevant"] = "${P.5} = '1'"
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(workbook_bytes(sheets), "form.xlsx")
    found = [(p.sheet, p.row, p.problem) for p in caught.value.problems]
    assert any(p[:2] == ("survey", number) and "comes later" in p[2] for p in found), found
