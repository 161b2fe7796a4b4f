"""Render a report as XLSX: a cover sheet, then every table as data on its own sheet (numbers stay numbers)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from survey_api.reports.layout import Table, blocks
from survey_api.reports.lexicon import WORDS
from survey_api.reports.model import Report
from survey_api.reports.vnformat import long_date


def _sheet_title(name: str, taken: set[str]) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31]
    title, n = base, 2
    while title in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    cover = book.active
    assert cover is not None
    w = WORDS[report.language]
    cover.title = w["cover"]
    h = report.header
    issued = f"{h.place}, {long_date(h.issued_on, report.language)}" if h.issued_on else h.place
    info = [
        (w["issuer"], " - ".join(h.issuing_body)),
        (w["number"], h.number),
        (w["place_date"], issued),
        (w["heading"], f"{report.title} {report.subject}"),
        (w["period"], report.period.label_en if report.language == "en" else report.period.label_vi),
        (w["from"], report.period.first),
        (w["to"], report.period.last),
        *report.metadata,
    ]
    for label, value in info:
        cover.append([label, value])
    for row in cover.iter_rows(min_col=1, max_col=1):
        row[0].font = Font(bold=True)
    for row in cover.iter_rows(min_col=2, max_col=2):
        if row[0].is_date:
            row[0].number_format = "DD/MM/YYYY"
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 90
    taken = {cover.title}
    for block in blocks(report):
        if isinstance(block, Table):
            _table_sheet(book, block, taken)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table_sheet(book: Workbook, table: Table, taken: set[str]) -> None:
    sheet = book.create_sheet(_sheet_title(table.sheet, taken))
    sheet.append([table.caption])
    sheet["A1"].font = Font(bold=True)
    headers = [title for col in table.columns for title, _fmt in col.data]
    formats = [fmt for col in table.columns for _title, fmt in col.data]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append([value for cell in row for value in cell.values])
    values = [[value for cell in row for value in cell.values] for row in table.rows]
    for column, (title, fmt) in enumerate(zip(headers, formats, strict=True), start=1):
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=3, min_col=column, max_col=column):
                cell.number_format = fmt
        texts = [str(row[column - 1]) for row in values if isinstance(row[column - 1], str)]
        width = max([len(title) * 0.6 + 2, 10, *(len(t) + 2 for t in texts)])
        sheet.column_dimensions[get_column_letter(column)].width = min(width, 60)
    sheet.freeze_panes = "A3"
    if table.note:
        sheet.append([])
        sheet.append([table.note])
