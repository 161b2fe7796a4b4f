"""The one reader of uploaded tables (responses to import, sampling frames, margins): CSV or XLSX.

Rows are numbered as a spreadsheet shows them (the header is row 1; a CSV record's number is the line it
ends on) and read lazily, so a large CSV streams; blank rows are skipped. A CSV is UTF-8 (a byte-order
mark is allowed), separated by commas or, when its first line has more of them, semicolons.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from survey_api.errors import InvalidInput

_XLSX_MAGIC = b"PK\x03\x04"

Record = tuple[int, list[str]]
"""A data row: its spreadsheet row number and its cells."""


@dataclass(frozen=True)
class Table:
    """A file's header (names stripped) and its non-blank data rows, as read (not padded)."""

    header: list[str]
    records: Iterator[Record]

    def padded(self) -> tuple[list[str], list[Record]]:
        """The header without trailing blank names, and every row cut or padded to its length."""
        header = list(self.header)
        while header and not header[-1]:
            header.pop()
        width = len(header)
        return header, [(n, cells[:width] + [""] * (width - len(cells))) for n, cells in self.records]


def read_table(data: bytes, filename: str | None = None) -> Table:
    """The table in ``data``: XLSX (its first sheet) when it is a zip or named ``.xlsx``, CSV otherwise.

    Raises :class:`InvalidInput` for a file that is neither readable nor has a header row.
    """
    if data.startswith(_XLSX_MAGIC) or (filename or "").lower().endswith(".xlsx"):
        rows = _xlsx_rows(data)
    else:
        rows = _csv_rows(data)
    try:
        _, first = next(rows)
    except StopIteration:
        raise InvalidInput("the file is empty; the first row must name the columns") from None
    return Table([name.strip() for name in first], (row for row in rows if any(c.strip() for c in row[1])))


def _csv_rows(data: bytes) -> Iterator[Record]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8 or XLSX") from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return ((reader.line_num, record) for record in reader)


def _xlsx_rows(data: bytes) -> Iterator[Record]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(f"the file is not a readable XLSX workbook: {exc}") from None
    try:
        rows = [
            (number, [_cell(v) for v in values])
            for number, values in enumerate(book.worksheets[0].iter_rows(min_row=1, values_only=True), 1)
        ]
    finally:
        book.close()
    return iter(rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe_error(error: dict[str, Any]) -> str:
    """One line for a row error: "row 12, item I.A.1: 7 is not on the 1–5 scale …"."""
    where = [f"row {error['row']}"] if error.get("row") is not None else []
    if error.get("item"):
        where.append(f"item {error['item']}" if error.get("row") != 1 else f"column {error['item']}")
    return f"{', '.join(where) or 'file'}: {error['problem']}"


def listed(errors: list[dict[str, Any]], shown: int = 20) -> str:
    """The first ``shown`` row errors on one line, and how many more there are."""
    more = f"; … and {len(errors) - shown} more" if len(errors) > shown else ""
    return "; ".join(describe_error(e) for e in errors[:shown]) + more


def not_stored(errors: list[dict[str, Any]]) -> InvalidInput:
    """The error of a file with problems, of which nothing was stored."""
    return InvalidInput(f"nothing was stored: {len(errors)} problems: {listed(errors)}", errors=errors)
