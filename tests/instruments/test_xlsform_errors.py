"""A bad workbook is refused with every problem named by sheet and row; nothing is guessed or dropped."""

from __future__ import annotations

import copy

import pytest

from survey_api.instruments.loader import InstrumentFileError, load_instrument_file, official_instrument_files
from survey_api.instruments.xlsform import XLSFormError, export_checked, import_xlsform
from survey_api.instruments.xlsform_write import Sheets, document_sheets, workbook_bytes

ONE_STOP = next(p for p in official_instrument_files() if p.stem == "one-stop-dossier")


def sheets() -> Sheets:
    return copy.deepcopy(document_sheets(load_instrument_file(ONE_STOP)))


def problems(book: Sheets) -> list[tuple[str | None, int | None, str]]:
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(workbook_bytes(book), "form.xlsx")
    assert str(caught.value).startswith("form.xlsx: ")
    return [(p.sheet, p.row, p.problem) for p in caught.value.problems]


def row_of(book: Sheets, name: str) -> int:
    """The spreadsheet row of the survey row named ``name`` (the header is row 1)."""
    return next(k for k, row in enumerate(book["survey"], start=2) if row.get("name") == name)


def first_item(book: Sheets, kind: str = "select_one") -> str:
    return next(row["name"] for row in book["survey"] if row["type"].startswith(kind))


def test_unsupported_types_and_columns_are_refused_on_their_rows() -> None:
    book = sheets()
    choice = first_item(book)
    book["survey"][row_of(book, choice) - 2]["calculation"] = "1 + 1"
    integer = next(row for row in book["survey"] if row["type"] == "integer" and not row.get("item_type"))
    integer["type"] = "decimal"
    found = problems(book)
    assert ("survey", row_of(book, choice), "column calculation is not kept by the platform; leave it empty") in found
    assert any(p[:2] == ("survey", row_of(book, integer["name"])) and "whole numbers" in p[2] for p in found)


def test_an_unknown_choice_list_is_named_by_the_platform_and_by_pyxform() -> None:
    book = sheets()
    choice = first_item(book)
    book["survey"][row_of(book, choice) - 2]["type"] = "select_one no_such_list"
    found = problems(book)
    assert ("survey", row_of(book, choice), "choice list 'no_such_list' is not on the choices sheet") in found
    assert any(p[0] == "survey" and p[1] == row_of(book, choice) and p[2].startswith("pyxform:") for p in found)


def test_an_integer_needs_its_bounds() -> None:
    book = sheets()
    integer = next(row for row in book["survey"] if row["type"] == "integer" and not row.get("item_type"))
    integer["constraint"] = ". > 3"
    found = problems(book)
    assert found[0][:2] == ("survey", row_of(book, integer["name"]))
    assert "`. >= MIN and . <= MAX`" in found[0][2]


def test_a_choice_value_must_be_a_number() -> None:
    book = sheets()
    book["choices"][2]["name"] = "yes"
    assert problems(book)[0] == ("choices", 4, "choice name 'yes' must be the option's number (0–254)")


def test_model_errors_are_traced_to_their_rows() -> None:
    book = sheets()
    items = [row for row in book["survey"] if row["type"].startswith("select_one")]
    items[2]["hidden_on"] = "qr"  # a required item cannot be hidden
    items[2]["required"] = "yes"
    items[3]["label::Vietnamese (vi)"] = ""  # no Vietnamese text
    found = problems(book)
    third, fourth = (row_of(book, row["name"]) for row in items[2:4])
    assert [(sheet, row) for sheet, row, _ in found] == [("survey", third), ("survey", fourth)]
    assert "cannot be hidden" in found[0][2] and found[1][2].startswith("text.vi: ")


def test_a_code_used_twice_is_named_on_its_second_row() -> None:
    book = sheets()
    items = [row for row in book["survey"] if row["type"].startswith("select_one")]
    second = row_of(book, items[1]["name"])
    items[1]["name"] = items[0]["name"]
    found = problems(book)
    assert any(p[:2] == ("survey", second) and "used twice" in p[2] for p in found), found


def test_an_element_not_on_the_index_sheet_and_a_missing_sheet() -> None:
    book = sheets()
    scale = next(row for row in book["survey"] if row.get("index_element"))
    scale["index_element"] = "Z9"
    assert ("survey", row_of(book, scale["name"]), "index element 'Z9' is not on the index sheet") in problems(book)
    del book["choices"]
    assert problems(book)[0] == ("choices", None, "the workbook has no choices sheet")


def test_a_file_that_is_no_workbook() -> None:
    with pytest.raises(XLSFormError) as caught:
        import_xlsform(b"PK\x03\x04 not really a zip", "form.xlsx")
    assert "not an .xlsx workbook" in caught.value.problems[0].problem


def test_a_document_the_layout_cannot_carry_exactly_is_not_exported() -> None:
    document = load_instrument_file(next(p for p in official_instrument_files() if p.stem == "sipas"))
    assert import_xlsform(export_checked(document), "ok.xlsx") == document
    first, *others = document.index.elements
    assert len(first.items) > 1
    elements = [first.model_copy(update={"items": list(reversed(first.items))}), *others]
    odd = document.model_copy(update={"index": document.index.model_copy(update={"elements": elements})})
    with pytest.raises(InstrumentFileError, match="questionnaire order"):
        export_checked(odd)


def test_a_cell_from_an_item_that_cannot_give_one_is_named_on_the_cells_sheet() -> None:
    document = load_instrument_file(next(p for p in official_instrument_files() if p.stem == "sipas"))
    book = copy.deepcopy(document_sheets(document))
    text_item = next(row["name"] for row in book["survey"] if row["type"] == "text")
    first = next(k for k, row in enumerate(book["cells"], start=2) if row["variable"] == "sex")
    for row in book["cells"]:
        if row["variable"] == "sex":
            row["item"] = text_item.removeprefix("_")
    found = problems(book)
    assert found[0][:2] == ("cells", first) and "a cell comes from a single_choice or integer item" in found[0][2]
