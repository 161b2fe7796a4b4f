"""Reading an XLSForm workbook's sheets as numbered rows of text cells, and checking it with pyxform.

pyxform (the XLSForm reference implementation, imported only here and only when a workbook is read) converts
the workbook to an XForm, which checks the XLSForm side: types, names, choice lists, expressions. Its first
error, with the sheet and row it names, joins the platform's own problems.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from survey_api.instruments.xlsform_layout import CHOICES, SETTINGS, SURVEY, Problem

MAX_ROWS = 20_000  # per sheet; an instrument has a few hundred rows at most
_PYXFORM_ROW = re.compile(r"\[row : ([0-9]+)\]")
_PYXFORM_SHEET = re.compile(f"'({SURVEY}|{CHOICES}|{SETTINGS})' sheet")


@dataclass(frozen=True)
class SheetRow:
    """One row of a sheet: its number as a spreadsheet shows it, and its non-empty cells by header."""

    number: int
    cells: dict[str, str]

    def get(self, header: str) -> str:
        return self.cells.get(header, "")


Workbook = dict[str, list[SheetRow]]


def read_workbook(data: bytes) -> Workbook:
    """Every sheet (by lower-case name) as rows with a value; raises a ``Problem`` list when unreadable."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableWorkbook([Problem(None, None, f"the file is not an .xlsx workbook ({exc})")]) from None
    sheets: Workbook = {}
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = [_text(value) for value in next(rows, ())]
            found: list[SheetRow] = []
            for number, values in enumerate(rows, start=2):
                if number > MAX_ROWS:
                    raise UnreadableWorkbook([Problem(sheet.title, None, f"more than {MAX_ROWS} rows")])
                cells = {h: _text(v) for h, v in zip(header, values, strict=False) if h and _text(v)}
                if cells:
                    found.append(SheetRow(number, cells))
            sheets[sheet.title.strip().lower()] = found
    finally:
        book.close()
    return sheets


class UnreadableWorkbook(ValueError):
    """The file cannot be read as a workbook at all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def pyxform_problems(data: bytes) -> list[Problem]:
    """What pyxform finds wrong when converting the workbook to an XForm (it stops at the first error)."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        convert(data, file_type=".xlsx")
    except PyXFormError as exc:
        return [_pyxform_problem(str(exc))]
    except Exception as exc:  # noqa: BLE001 - pyxform fails on some malformed input with plain exceptions
        return [Problem(None, None, f"pyxform cannot convert the workbook: {type(exc).__name__}: {exc}")]
    return []


def to_xform(data: bytes, *, validate: bool = False) -> str:
    """The XForm pyxform builds from the workbook; ``validate`` also runs ODK Validate (needs Java)."""
    from pyxform.xls2xform import convert

    xform: str = convert(data, file_type=".xlsx", validate=validate).xform
    return xform


def _pyxform_problem(message: str) -> Problem:
    match = _PYXFORM_ROW.search(message)
    row = int(match.group(1)) if match else None
    text = _PYXFORM_ROW.sub("", message).strip()
    named = _PYXFORM_SHEET.search(text.lower())  # "On the 'choices' sheet, …"; otherwise a survey row
    return Problem(named.group(1) if named else SURVEY, row, f"pyxform: {text}")
