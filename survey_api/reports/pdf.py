"""Render a report as PDF with fpdf2 in the same Nghị định 30/2020 layout as the DOCX, embedding a serif
TrueType font that covers Vietnamese (Liberation Serif, Times New Roman metrics; else DejaVu Serif)."""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from survey_api.reports import layout
from survey_api.reports.chart import render_png
from survey_api.reports.fonts import find_family
from survey_api.reports.lexicon import WORDS
from survey_api.reports.model import Report
from survey_api.reports.vnformat import long_date

LEFT, RIGHT, TOP, BOTTOM = 30.0, 15.0, 20.0, 20.0
TEXT_W = 210.0 - LEFT - RIGHT
PT = 0.3528  # mm per point
FAMILY = "serif"


def _lh(size: float) -> float:
    """Line height in mm for a font size in points (1.2 line spacing)."""
    return size * PT * 1.2


class _Document(FPDF):
    """A4 page with the decree's margins; page numbers centred in the top margin from page 2 on."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM)
        family = find_family("serif")
        for style, path in (("", family.regular), ("B", family.bold), ("I", family.italic), ("BI", family.bold_italic)):
            self.add_font(FAMILY, style, str(path))
        self.set_font(FAMILY, "", 13)

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FAMILY, "", 13)
            self.set_y(10)
            self.cell(0, 5, str(self.page_no()), align="C")
            self.set_y(TOP)

    def text_line(
        self, text: str, size: float = 13, style: str = "", align: str = "C", x: float | None = None, w: float = 0
    ) -> None:
        """A wrapped paragraph, in a box from x (default the left margin) w wide (default to the right margin)."""
        self.set_font(FAMILY, style, size)
        if x is not None:
            self.set_x(x)
        self.multi_cell(w, _lh(size), text, align=Align.coerce(align), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rule(self, centre: float, width: float, gap: float = 0.8) -> None:
        y = self.get_y() + gap
        self.set_line_width(0.3)
        self.line(centre - width / 2, y, centre + width / 2, y)
        self.set_y(y + gap)


def _header(pdf: _Document, report: Report) -> None:
    h, w = report.header, WORDS[report.language]
    left_w, right_w = 65.0, TEXT_W - 65.0
    right_x = LEFT + left_w
    top = pdf.get_y()
    *parents, issuer = h.issuing_body or ("",)
    for line in parents:
        pdf.text_line(line.upper(), 13, "", x=LEFT, w=left_w)
    pdf.text_line(issuer.upper(), 13, "B", x=LEFT, w=left_w)
    pdf.rule(LEFT + left_w / 2, min(35.0, left_w * 0.5))
    pdf.text_line(h.number, 13, x=LEFT, w=left_w)
    left_end = pdf.get_y()
    pdf.set_y(top)
    pdf.text_line(w["motto_1"], 12, "B", x=right_x, w=right_w)
    pdf.text_line(w["motto_2"], 13, "B", x=right_x, w=right_w)
    pdf.set_font(FAMILY, "B", 13)
    pdf.rule(right_x + right_w / 2, pdf.get_string_width(w["motto_2"]))
    pdf.set_y(max(pdf.get_y(), left_end - _lh(13)))
    blank = w["date_blank"].format(year=report.period.last.year)
    date_text = long_date(h.issued_on, report.language) if h.issued_on else blank
    pdf.text_line(f"{h.place}, {date_text}", 14, "I", x=right_x, w=right_w)
    pdf.set_y(max(pdf.get_y(), left_end) + 8)
    pdf.text_line(report.title.upper(), 14, "B")
    pdf.text_line(report.subject, 14, "B")
    pdf.rule(LEFT + TEXT_W / 2, 40.0, gap=1.5)
    pdf.ln(4)


def _table(pdf: _Document, block: layout.Table) -> None:
    pdf.ln(1.5)
    pdf.text_line(block.caption, 13, "B")
    pdf.ln(1)
    pdf.set_font(FAMILY, "", 11)
    total = sum(c.width for c in block.columns)
    aligns: Any = tuple(c.align for c in block.columns)
    with pdf.table(
        col_widths=tuple(TEXT_W * c.width / total for c in block.columns),
        width=TEXT_W,
        align=Align.L,
        text_align=aligns,
        line_height=_lh(11),
        headings_style=FontFace(emphasis="BOLD"),
        padding=(0.8, 1.2),
        repeat_headings=1,
    ) as table:
        heading = table.row()
        for column in block.columns:
            heading.cell(column.title, align=Align.C)
        for i, cells in enumerate(block.rows):
            bold = block.total_row and i == len(block.rows) - 1
            row = table.row(style=FontFace(emphasis="BOLD") if bold else None)
            for cell in cells:
                row.cell(cell.text)
    if block.note:
        pdf.ln(1)
        pdf.text_line(block.note, 11, "I", align="J")
    pdf.ln(2)


def _figure(pdf: _Document, block: layout.Figure) -> None:
    png = render_png(block.chart)
    width = 160.0
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        height = width * image.height / image.width
    if pdf.get_y() + _lh(13) + height > pdf.h - BOTTOM:
        pdf.add_page()
    pdf.ln(1.5)
    pdf.text_line(block.caption, 13, "B")
    pdf.ln(1)
    pdf.image(io.BytesIO(png), x=LEFT + (TEXT_W - width) / 2, w=width, h=height)
    pdf.ln(3)


def _signature(pdf: _Document, report: Report) -> None:
    sign = report.signature
    if sign is None:
        return
    if pdf.get_y() + 60 > pdf.h - BOTTOM:
        pdf.add_page()
    pdf.ln(6)
    top = pdf.get_y()
    pdf.text_line(WORDS[report.language]["recipients"], 12, "BI", align="L", x=LEFT, w=75)
    for line in sign.recipients:
        pdf.text_line(f"- {line}", 11, align="L", x=LEFT, w=75)
    pdf.set_y(top)
    for line in sign.titles:
        pdf.text_line(line.upper(), 14, "B", x=LEFT + 75, w=TEXT_W - 75)
    pdf.ln(22)
    pdf.text_line(sign.name, 14, "B", x=LEFT + 75, w=TEXT_W - 75)


def render_pdf(report: Report) -> bytes:
    pdf = _Document()
    pdf.set_title(f"{report.title} {report.subject}")
    pdf.set_lang(report.language)
    pdf.add_page()
    _header(pdf, report)
    for block in layout.blocks(report):
        if isinstance(block, layout.Heading):
            if pdf.get_y() + 30 > pdf.h - BOTTOM:
                pdf.add_page()
            pdf.ln(2)
            pdf.text_line(block.text, 13, "B", align="L")
            pdf.ln(1)
        elif isinstance(block, layout.Paragraph):
            pdf.text_line(block.text, 13, "I" if block.italic else "", align="J")
            pdf.ln(1.5)
        elif isinstance(block, layout.Table):
            _table(pdf, block)
        else:
            _figure(pdf, block)
    _signature(pdf, report)
    return bytes(pdf.output())
