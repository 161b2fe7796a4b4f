"""Render a report as DOCX in the layout of Nghị định 30/2020/NĐ-CP (Phụ lục I): A4, Times New Roman,
the issuing body and national motto header, number and date line, BÁO CÁO and its subject, signing block."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Mm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph as DocxParagraph

from survey_api.reports import layout
from survey_api.reports.chart import render_png
from survey_api.reports.lexicon import WORDS
from survey_api.reports.model import Report
from survey_api.reports.vnformat import long_date

FONT = "Times New Roman"
TEXT_WIDTH_MM = 165  # A4 210 mm less 30 mm left and 15 mm right margins
_ALIGN = {"L": WD_ALIGN_PARAGRAPH.LEFT, "C": WD_ALIGN_PARAGRAPH.CENTER, "R": WD_ALIGN_PARAGRAPH.RIGHT}

Where = DocxDocument | _Cell


def _para(
    where: Where,
    text: str = "",
    *,
    size: float = 13,
    bold: bool = False,
    italic: bool = False,
    align: str = "C",
    first: bool = False,
) -> DocxParagraph:
    """A paragraph with one run; `first` reuses the empty paragraph a new table cell starts with."""
    paragraph = where.paragraphs[0] if first else where.add_paragraph()
    paragraph.alignment = _ALIGN.get(align, WD_ALIGN_PARAGRAPH.JUSTIFY)
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if text:
        run = paragraph.add_run(text)
        run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
    return paragraph


def _rule(where: Where, width_mm: float, box_mm: float) -> None:
    """A short horizontal line of `width_mm`, centred in a box `box_mm` wide (under the motto and the issuer)."""
    paragraph = _para(where)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(max((box_mm - width_mm) / 2, 0))
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(2)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().append(border)


def _setup(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(6)
    # Page numbers centred in the top margin, none on the first page (Nghị định 30, Phụ lục I, mục 9).
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    header._p.append(field)


def _header(doc: DocxDocument, report: Report) -> None:
    h, w = report.header, WORDS[report.language]
    left_mm, right_mm = 65.0, TEXT_WIDTH_MM - 65.0
    table = doc.add_table(rows=2, cols=2)
    _widths(table, [Mm(left_mm), Mm(right_mm)])
    left, right = table.rows[0].cells
    *parents, issuer = h.issuing_body or ("",)
    for i, line in enumerate(parents):
        _para(left, line.upper(), size=13, first=i == 0)
    _para(left, issuer.upper(), size=13, bold=True, first=not parents)
    _rule(left, min(35.0, left_mm * 0.5), left_mm)
    _para(right, w["motto_1"], size=12, bold=True, first=True)
    _para(right, w["motto_2"], size=13, bold=True)
    _rule(right, 60.0, right_mm)
    number, dated = table.rows[1].cells
    _para(number, h.number, size=13, first=True).paragraph_format.space_before = Pt(6)
    blank = w["date_blank"].format(year=report.period.last.year)
    date_text = long_date(h.issued_on, report.language) if h.issued_on else blank
    _para(dated, f"{h.place}, {date_text}", size=14, italic=True, first=True).paragraph_format.space_before = Pt(6)
    title = _para(doc, report.title.upper(), size=14, bold=True)
    title.paragraph_format.space_before = Pt(18)
    _para(doc, report.subject, size=14, bold=True)
    _rule(doc, 40.0, TEXT_WIDTH_MM)
    _para(doc).paragraph_format.space_after = Pt(6)


def _widths(table: DocxTable, widths: Sequence[Length]) -> None:
    """Fixed column widths, written both to the grid (LibreOffice reads it) and to every cell (Word does)."""
    table.autofit = False
    for i, width in enumerate(widths):
        table.columns[i].width = width
        for cell in table.columns[i].cells:
            cell.width = width


def _mark_header_row(row: _Row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)


def _table(doc: DocxDocument, block: layout.Table) -> None:
    caption = _para(doc, block.caption, size=13, bold=True)
    caption.paragraph_format.space_before, caption.paragraph_format.keep_with_next = Pt(6), True
    total = sum(c.width for c in block.columns)
    widths = [Mm(TEXT_WIDTH_MM * c.width / total) for c in block.columns]
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, widths)
    _mark_header_row(table.rows[0])
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), "70")  # twips: about 1.2 mm, so narrow number columns keep their headings whole
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table._tbl.tblPr.append(margins)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            column = block.columns[c]
            if r == 0:
                _para(cell, column.title, size=11, bold=True, first=True)
            else:
                bold = block.total_row and r == len(block.rows)
                _para(cell, block.rows[r - 1][c].text, size=11, bold=bold, align=column.align, first=True)
    if block.note:
        _para(doc, block.note, size=12, italic=True, align="J").paragraph_format.space_before = Pt(3)


def _signature(doc: DocxDocument, report: Report) -> None:
    sign = report.signature
    if sign is None:
        return
    _para(doc)
    table = doc.add_table(rows=1, cols=2)
    _widths(table, [Mm(80), Mm(TEXT_WIDTH_MM - 80)])
    left, right = table.rows[0].cells
    _para(left, WORDS[report.language]["recipients"], size=12, bold=True, italic=True, align="L", first=True)
    for line in sign.recipients:
        _para(left, f"- {line}", size=11, align="L")
    for i, line in enumerate(sign.titles):
        _para(right, line.upper(), size=14, bold=True, first=i == 0)
    for _ in range(4):
        _para(right)
    _para(right, sign.name, size=14, bold=True)


def render_docx(report: Report) -> bytes:
    doc = Document()
    _setup(doc)
    _header(doc, report)
    for block in layout.blocks(report):
        if isinstance(block, layout.Heading):
            p = _para(doc, block.text, bold=True, align="L")
            p.paragraph_format.space_before, p.paragraph_format.keep_with_next = Pt(12), True
        elif isinstance(block, layout.Paragraph):
            p = _para(doc, block.text, italic=block.italic, align="J")
            p.paragraph_format.first_line_indent, p.paragraph_format.space_after = Cm(1), Pt(6)
        elif isinstance(block, layout.Table):
            _table(doc, block)
        else:
            caption = _para(doc, block.caption, size=13, bold=True)
            caption.paragraph_format.space_before, caption.paragraph_format.keep_with_next = Pt(6), True
            picture = _para(doc)
            picture.add_run().add_picture(io.BytesIO(render_png(block.chart)), width=Mm(160))
    _signature(doc, report)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
