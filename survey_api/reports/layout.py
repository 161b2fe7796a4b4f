"""The report body as a flat list of blocks (headings, paragraphs, tables, figures) that every renderer walks.

A table cell has the text printed in DOCX/PDF and the raw values written to XLSX; a column may expand into
several XLSX columns (a CI is one printed column, two data columns).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

from survey_api.reports import vnformat as vn
from survey_api.reports.model import BarChart, Change, Report, Share, Summary

Value = float | int | str | None
PCT = "0.0%"
INT = "#,##0"
PTS = "+0.0;-0.0;0.0"


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    italic: bool = False


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # relative width in the printed table
    data: tuple[tuple[str, str], ...]  # XLSX (header, number format; "" for text) of each value
    align: Literal["L", "C", "R"] = "R"


@dataclass(frozen=True)
class Cell:
    text: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Table:
    caption: str
    sheet: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    total_row: bool = False  # the last row is a total, printed bold


@dataclass(frozen=True)
class Figure:
    caption: str
    chart: BarChart


Block = Heading | Paragraph | Table | Figure


def _text(title: str, width: float, align: Literal["L", "C", "R"] = "L") -> Column:
    return Column(title, width, ((title, ""),), align)


def _num(title: str, width: float, fmt: str) -> Column:
    return Column(title, width, ((title, fmt),))


def _share(s: Share) -> tuple[Cell, Cell]:
    return Cell(vn.percent(s.value), (s.value,)), Cell(vn.interval(s.low, s.high), (s.low, s.high))


def _change(c: Change | None) -> Cell:
    if c is None:
        return Cell(vn.DASH, (None, None, None))
    star = "*" if c.significant else ""
    flag = None if c.significant is None else ("Có" if c.significant else "Không")
    return Cell(vn.points(c.delta) + star, (c.previous, round(100 * c.delta, 4), flag))


_CI_COL = Column("KTC 95%", 1.5, (("KTC 95% - cận dưới", PCT), ("KTC 95% - cận trên", PCT)), "C")
_CHANGE_COL = Column(
    "Thay đổi (điểm %)",
    1.2,
    (("Kỳ trước", PCT), ("Thay đổi (điểm phần trăm)", PTS), ("Thay đổi có ý nghĩa thống kê", "")),
)
_STAR = "(*) Thay đổi có ý nghĩa thống kê ở mức tin cậy 95% so với kỳ trước."


def summary_sentences(report: Report) -> Iterator[str]:
    """The opening paragraph: the index, its CI, the target and the change since the previous period."""
    s: Summary = report.summary
    what = s.instrument or "Chỉ số hài lòng"
    scope = f" của {s.scope}" if s.scope else ""
    yield (
        f"{report.period.label_vi}, {what[0].lower() + what[1:]}{scope} đạt {vn.percent(s.index.value)} "
        f"(khoảng tin cậy 95%: {vn.interval(s.index.low, s.index.high)}), tính trên "
        f"{vn.integer(s.respondents)} người trả lời."
    )
    if s.target is not None:
        target = vn.percent(s.target, 0)
        if not s.met:
            yield f"Kết quả chưa đạt chỉ tiêu {target} theo kế hoạch của tỉnh."
        elif s.index.low is not None and s.index.low < s.target:
            yield (
                f"Kết quả đạt chỉ tiêu {target}, nhưng cận dưới của khoảng tin cậy ({vn.percent(s.index.low)}) "
                "còn thấp hơn chỉ tiêu, nên chưa thể khẳng định chắc chắn."
            )
        else:
            yield f"Kết quả đạt chỉ tiêu {target} theo kế hoạch của tỉnh, kể cả khi tính đến sai số chọn mẫu."
    if s.change is not None:
        before = report.period.previous().label_vi
        direction = "tăng" if s.change.delta > 0 else "giảm" if s.change.delta < 0 else "không đổi"
        size = vn.number(abs(100 * s.change.delta))
        sig = {True: "có ý nghĩa thống kê", False: "chưa có ý nghĩa thống kê", None: "chưa kiểm định"}
        yield (
            f"So với {before[0].lower() + before[1:]} ({vn.percent(s.change.previous)}), chỉ số {direction} "
            f"{size} điểm phần trăm; thay đổi này {sig[s.change.significant]}."
        )


def _summary_table(report: Report) -> Table:
    s = report.summary
    index, ci = _share(s.index)
    target = Cell(vn.percent(s.target, 0) if s.target is not None else vn.DASH, (s.target,))
    verdict = {True: "Đạt", False: "Chưa đạt", None: vn.DASH}[s.met]
    cols = (
        _num("Chỉ số hài lòng", 1.3, PCT),
        _CI_COL,
        _num("Số người trả lời", 1.2, INT),
        _num("Chỉ tiêu", 1.0, PCT),
        _text("Đánh giá", 1.0, "C"),
        _CHANGE_COL,
    )
    row = (index, ci, Cell(vn.integer(s.respondents), (s.respondents,)), target, Cell(verdict, (verdict,)))
    return Table("Kết quả chung so với chỉ tiêu", "Tổng hợp", cols, (row + (_change(s.change),),))


def _ranking_blocks(report: Report) -> Iterator[Block]:
    r = report.ranking
    if r is None:
        return
    if r.method:
        yield Paragraph(r.method)
    cols = (
        _num("Hạng", 0.75, "0"),
        Column("Khoảng hạng", 0.9, (("Hạng cao nhất có thể", "0"), ("Hạng thấp nhất có thể", "0")), "C"),
        _text("Đơn vị", 2.3),
        _num("Số người trả lời", 1.0, INT),
        _num("Tỷ lệ hài lòng", 1.0, PCT),
        _CI_COL,
        _CHANGE_COL,
        _num("Nhóm", 0.8, "0"),
    )
    rows = []
    for u in r.units:
        value, ci = _share(u.satisfied)
        span = f"{u.rank_low}{vn.DASH}{u.rank_high}" if u.rank_low != u.rank_high else str(u.rank_low)
        tier = Cell(str(u.tier) if u.tier is not None else vn.DASH, (u.tier,))
        rows.append(
            (
                Cell(str(u.rank), (u.rank,)),
                Cell(span, (u.rank_low, u.rank_high)),
                Cell(u.unit, (u.unit,)),
                Cell(vn.integer(u.respondents), (u.respondents,)),
                value,
                ci,
                _change(u.change),
                tier,
            )
        )
    note = (
        "Khoảng hạng: các thứ hạng mà đơn vị có thể có khi tính đến sai số chọn mẫu. Các đơn vị cùng nhóm "
        "chưa phân biệt được với nhau về mặt thống kê. " + _STAR
    )
    yield Table("Xếp hạng các đơn vị theo tỷ lệ hài lòng", "Xếp hạng", cols, tuple(rows), note)
    if r.not_ranked:
        yield Paragraph(
            f"Các đơn vị dưới đây có ít hơn {vn.integer(r.min_answers)} người trả lời nên không xếp hạng; "
            "kết quả của các đơn vị này chưa đủ tin cậy để công bố."
        )
        cols2 = (_text("Đơn vị", 3.0), _num("Số người trả lời", 1.2, INT))
        rows2 = tuple(
            (Cell(u.unit, (u.unit,)), Cell(vn.integer(u.respondents), (u.respondents,))) for u in r.not_ranked
        )
        yield Table("Đơn vị chưa đủ số người trả lời để xếp hạng", "Chưa xếp hạng", cols2, rows2)


def _quality_blocks(report: Report) -> Iterator[Block]:
    cols: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    if report.elements:
        cols = (_text("Yếu tố", 3.2), _num("Tỷ lệ hài lòng", 1.1, PCT), _CI_COL, _num("Số người trả lời", 1.1, INT))
        rows = tuple(
            (Cell(e.name, (e.name,)), *_share(e.satisfied), Cell(vn.integer(e.respondents), (e.respondents,)))
            for e in report.elements
        )
        yield Table("Tỷ lệ hài lòng theo yếu tố", "Yếu tố", cols, rows)
    if report.weakest_items:
        cols = (
            _text("Mã", 0.6, "C"),
            _text("Tiêu chí", 3.0),
            _text("Yếu tố", 2.0),
            _num("Tỷ lệ hài lòng", 1.0, PCT),
            _CI_COL,
        )
        rows = tuple(
            (Cell(i.code, (i.code,)), Cell(i.text, (i.text,)), Cell(i.element, (i.element,)), *_share(i.satisfied))
            for i in report.weakest_items
        )
        yield Table("Các tiêu chí có tỷ lệ hài lòng thấp nhất", "Tiêu chí thấp nhất", cols, rows)


def _fieldwork_blocks(report: Report) -> Iterator[Block]:
    f = report.fieldwork
    if f is None:
        return
    yield Paragraph(
        f"Khảo sát theo kế hoạch chọn mẫu “{f.plan}”. Tỷ lệ phản hồi RR1 tính số phiếu hoàn thành trên toàn bộ "
        "mẫu; RR3 loại trừ phần ước tính không thuộc đối tượng trong số trường hợp chưa liên hệ được (chuẩn AAPOR)."
    )
    cols = (
        _text("Đơn vị", 2.8),
        _num("Số mẫu", 1.0, INT),
        _num("Phiếu hoàn thành", 1.2, INT),
        _num("RR1", 0.9, PCT),
        _num("RR3", 0.9, PCT),
    )
    units = f.units + ((f.total,) if f.total is not None else ())
    rows = tuple(
        (
            Cell(u.unit, (u.unit,)),
            Cell(vn.integer(u.sampled), (u.sampled,)),
            Cell(vn.integer(u.completed), (u.completed,)),
            Cell(vn.percent(u.rr1), (u.rr1,)),
            Cell(vn.percent(u.rr3), (u.rr3,)),
        )
        for u in units
    )
    yield Table("Tiến độ khảo sát và tỷ lệ phản hồi", "Tỷ lệ phản hồi", cols, rows, total_row=f.total is not None)


def _feedback_blocks(report: Report) -> Iterator[Block]:
    if not report.feedback:
        return
    total = sum(u.received for u in report.feedback)
    on_time = sum(u.answered_on_time for u in report.feedback)
    overdue = sum(u.overdue for u in report.feedback)
    yield Paragraph(
        f"Trong kỳ, các đơn vị tiếp nhận {vn.integer(total)} phản ánh, kiến nghị qua phiếu khảo sát; "
        f"{vn.integer(on_time)} phản ánh được trả lời đúng hạn, {vn.integer(overdue)} phản ánh quá hạn chưa trả lời."
    )
    cols = (
        _text("Đơn vị", 2.8),
        _num("Tiếp nhận", 1.0, INT),
        _num("Trả lời đúng hạn", 1.2, INT),
        _num("Tỷ lệ đúng hạn", 1.1, PCT),
        _num("Quá hạn", 0.9, INT),
    )
    rows = []
    for u in report.feedback:
        rate = u.answered_on_time / u.received if u.received else None
        rows.append(
            (
                Cell(u.unit, (u.unit,)),
                Cell(vn.integer(u.received), (u.received,)),
                Cell(vn.integer(u.answered_on_time), (u.answered_on_time,)),
                Cell(vn.percent(rate), (rate,)),
                Cell(vn.integer(u.overdue), (u.overdue,)),
            )
        )
    yield Table("Tiếp nhận và trả lời phản ánh, kiến nghị", "Phản ánh kiến nghị", cols, tuple(rows))


def _method_blocks(report: Report) -> Iterator[Block]:
    m = report.method
    if m is None:
        return
    yield Paragraph(m.weighting)
    if m.margins:
        yield Paragraph("Các biên dân số dùng để gia quyền: " + "; ".join(m.margins) + ".")
    if m.ci_method:
        yield Paragraph(m.ci_method)
    for note in m.notes:
        yield Paragraph(note)


def blocks(report: Report) -> list[Block]:
    """The body after the header and title, sections numbered I, II, … and tables and figures numbered."""
    sections: list[tuple[str, list[Block]]] = [
        ("KẾT QUẢ CHUNG", [Paragraph(" ".join(summary_sentences(report))), _summary_table(report)]),
        ("XẾP HẠNG CÁC ĐƠN VỊ", [*_ranking_blocks(report), *(Figure(c.title, c) for c in report.charts)]),
        ("KẾT QUẢ THEO YẾU TỐ VÀ TIÊU CHÍ", list(_quality_blocks(report))),
        ("TIẾN ĐỘ KHẢO SÁT VÀ TỶ LỆ PHẢN HỒI", list(_fieldwork_blocks(report))),
        ("TIẾP NHẬN, TRẢ LỜI PHẢN ÁNH, KIẾN NGHỊ", list(_feedback_blocks(report))),
        ("PHƯƠNG PHÁP", list(_method_blocks(report))),
        ("ĐÁNH GIÁ VÀ KIẾN NGHỊ", [Paragraph(text) for text in report.remarks]),
    ]
    out: list[Block] = []
    tables = figures = 0
    for title, body in (s for s in sections if s[1]):
        out.append(Heading(f"{vn.roman(sum(isinstance(b, Heading) for b in out) + 1)}. {title}"))
        for block in body:
            if isinstance(block, Table):
                tables += 1
                block = replace(block, caption=f"Bảng {tables}. {block.caption}")
            elif isinstance(block, Figure):
                figures += 1
                block = replace(block, caption=f"Biểu đồ {figures}. {block.caption}")
            out.append(block)
    return out
