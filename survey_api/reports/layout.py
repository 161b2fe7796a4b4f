"""The report body as a flat list of blocks (headings, paragraphs, tables, figures) that every renderer walks.

A table cell has the text printed in DOCX/PDF and the raw values written to XLSX; a column may expand into
several XLSX columns (a CI is one printed column, two data columns).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

from survey_api.reports.lexicon import WORDS
from survey_api.reports.model import BarChart, Change, Report, Share, Summary
from survey_api.reports.vnformat import DASH, Numbers, roman

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


@dataclass(frozen=True)
class _Writer:
    """The report's words and number format (its language)."""

    w: dict[str, str]
    n: Numbers

    @classmethod
    def of(cls, report: Report) -> _Writer:
        return cls(WORDS[report.language], Numbers(report.language))

    def share(self, s: Share) -> tuple[Cell, Cell]:
        return Cell(self.n.percent(s.value), (s.value,)), Cell(self.n.interval(s.low, s.high), (s.low, s.high))

    def change(self, c: Change | None) -> Cell:
        if c is None:
            return Cell(DASH, (None, None, None))
        star = "*" if c.significant else ""
        flag = None if c.significant is None else (self.w["yes"] if c.significant else self.w["no"])
        return Cell(self.n.points(c.delta) + star, (c.previous, round(100 * c.delta, 4), flag))

    def count(self, value: int) -> Cell:
        return Cell(self.n.integer(value), (value,))

    @property
    def ci_col(self) -> Column:
        w = self.w
        return Column(w["ci"], 1.5, ((w["ci_low"], PCT), (w["ci_high"], PCT)), "C")

    @property
    def change_col(self) -> Column:
        w = self.w
        return Column(
            w["change"], 1.2, ((w["previous"], PCT), (w["change_points"], PTS), (w["change_significant"], ""))
        )


def _label(report: Report) -> str:
    return report.period.label_en if report.language == "en" else report.period.label_vi


def _lower_first(text: str, language: str) -> str:
    # English sentences keep the capitals of names ("Q2 2026", "Satisfaction index").
    return text if language == "en" or not text else text[0].lower() + text[1:]


def summary_sentences(report: Report) -> Iterator[str]:
    """The opening paragraph: the index, its CI, the target and the change since the previous period."""
    x = _Writer.of(report)
    w, n = x.w, x.n
    s: Summary = report.summary
    what = _lower_first(s.instrument or w["index_name"], report.language)
    scope = w["scope_of"].format(scope=s.scope) if s.scope else ""
    yield w["opening"].format(
        period=_label(report),
        what=what,
        scope=scope,
        value=n.percent(s.index.value),
        ci=n.interval(s.index.low, s.index.high),
        n=n.integer(s.respondents),
    )
    if s.target is not None:
        target = n.percent(s.target, 0)
        if not s.met:
            yield w["target_not_met"].format(target=target)
        elif s.index.low is not None and s.index.low < s.target:
            yield w["target_uncertain"].format(target=target, low=n.percent(s.index.low))
        else:
            yield w["target_met"].format(target=target)
    if s.change is not None:
        previous = report.period.previous()
        before = previous.label_en if report.language == "en" else previous.label_vi
        direction = w["up"] if s.change.delta > 0 else w["down"] if s.change.delta < 0 else w["same"]
        sig = {True: w["sig_yes"], False: w["sig_no"], None: w["sig_none"]}[s.change.significant]
        yield w["compared"].format(
            before=_lower_first(before, report.language),
            previous=n.percent(s.change.previous),
            direction=direction,
            size=n.number(abs(100 * s.change.delta)),
            sig=sig,
        )


def _summary_table(report: Report) -> Table:
    x = _Writer.of(report)
    w, s = x.w, report.summary
    index, ci = x.share(s.index)
    target = Cell(x.n.percent(s.target, 0) if s.target is not None else DASH, (s.target,))
    verdict = {True: w["met"], False: w["not_met"], None: DASH}[s.met]
    cols = (
        _num(w["index_name"], 1.3, PCT),
        x.ci_col,
        _num(w["respondents"], 1.2, INT),
        _num(w["target"], 1.0, PCT),
        _text(w["verdict"], 1.0, "C"),
        x.change_col,
    )
    row = (index, ci, x.count(s.respondents), target, Cell(verdict, (verdict,)))
    return Table(w["summary_caption"], w["summary_sheet"], cols, (row + (x.change(s.change),),))


def _ranking_blocks(report: Report) -> Iterator[Block]:
    r = report.ranking
    if r is None:
        return
    x = _Writer.of(report)
    w = x.w
    if r.method:
        yield Paragraph(r.method)
    cols = (
        _num(w["rank"], 0.75, "0"),
        Column(w["rank_range"], 0.9, ((w["rank_best"], "0"), (w["rank_worst"], "0")), "C"),
        _text(w["unit"], 2.3),
        _num(w["respondents"], 1.0, INT),
        _num(w["satisfied"], 1.0, PCT),
        x.ci_col,
        x.change_col,
        _num(w["tier"], 0.8, "0"),
    )
    rows = []
    for u in r.units:
        value, ci = x.share(u.satisfied)
        span = f"{u.rank_low}{DASH}{u.rank_high}" if u.rank_low != u.rank_high else str(u.rank_low)
        tier = Cell(str(u.tier) if u.tier is not None else DASH, (u.tier,))
        rows.append(
            (
                Cell(str(u.rank), (u.rank,)),
                Cell(span, (u.rank_low, u.rank_high)),
                Cell(u.unit, (u.unit,)),
                x.count(u.respondents),
                value,
                ci,
                x.change(u.change),
                tier,
            )
        )
    note = w["ranking_note"] + w["star"]
    yield Table(w["ranking_caption"], w["ranking_sheet"], cols, tuple(rows), note)
    if r.not_ranked:
        yield Paragraph(w["not_ranked_text"].format(n=x.n.integer(r.min_answers)))
        cols2 = (_text(w["unit"], 3.0), _num(w["respondents"], 1.2, INT))
        rows2 = tuple((Cell(u.unit, (u.unit,)), x.count(u.respondents)) for u in r.not_ranked)
        yield Table(w["not_ranked_caption"], w["not_ranked_sheet"], cols2, rows2)


def _quality_blocks(report: Report) -> Iterator[Block]:
    x = _Writer.of(report)
    w = x.w
    cols: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    if report.elements:
        cols = (_text(w["element"], 3.2), _num(w["satisfied"], 1.1, PCT), x.ci_col, _num(w["respondents"], 1.1, INT))
        rows = tuple((Cell(e.name, (e.name,)), *x.share(e.satisfied), x.count(e.respondents)) for e in report.elements)
        yield Table(w["elements_caption"], w["elements_sheet"], cols, rows)
    if report.weakest_items:
        cols = (
            _text(w["code"], 0.6, "C"),
            _text(w["item"], 3.0),
            _text(w["element"], 2.0),
            _num(w["satisfied"], 1.0, PCT),
            x.ci_col,
        )
        rows = tuple(
            (Cell(i.code, (i.code,)), Cell(i.text, (i.text,)), Cell(i.element, (i.element,)), *x.share(i.satisfied))
            for i in report.weakest_items
        )
        yield Table(w["items_caption"], w["items_sheet"], cols, rows)


def _fieldwork_blocks(report: Report) -> Iterator[Block]:
    f = report.fieldwork
    if f is None:
        return
    x = _Writer.of(report)
    w = x.w
    yield Paragraph(w["fieldwork_text"].format(plan=f.plan))
    cols = (
        _text(w["unit"], 2.8),
        _num(w["sampled"], 1.0, INT),
        _num(w["completed"], 1.2, INT),
        _num("RR1", 0.9, PCT),
        _num("RR3", 0.9, PCT),
    )
    units = f.units + ((f.total,) if f.total is not None else ())
    rows = tuple(
        (
            Cell(u.unit, (u.unit,)),
            x.count(u.sampled),
            x.count(u.completed),
            Cell(x.n.percent(u.rr1), (u.rr1,)),
            Cell(x.n.percent(u.rr3), (u.rr3,)),
        )
        for u in units
    )
    yield Table(w["fieldwork_caption"], w["fieldwork_sheet"], cols, rows, total_row=f.total is not None)


def _feedback_blocks(report: Report) -> Iterator[Block]:
    if not report.feedback:
        return
    x = _Writer.of(report)
    w, n = x.w, x.n
    total = sum(u.received for u in report.feedback)
    on_time = sum(u.answered_on_time for u in report.feedback)
    overdue = sum(u.overdue for u in report.feedback)
    yield Paragraph(
        w["feedback_text"].format(total=n.integer(total), on_time=n.integer(on_time), overdue=n.integer(overdue))
    )
    cols = (
        _text(w["unit"], 2.8),
        _num(w["received"], 1.0, INT),
        _num(w["answered_on_time"], 1.2, INT),
        _num(w["on_time_rate"], 1.1, PCT),
        _num(w["overdue"], 0.9, INT),
    )
    rows = []
    for u in report.feedback:
        rate = u.answered_on_time / u.received if u.received else None
        rows.append(
            (
                Cell(u.unit, (u.unit,)),
                x.count(u.received),
                x.count(u.answered_on_time),
                Cell(n.percent(rate), (rate,)),
                x.count(u.overdue),
            )
        )
    yield Table(w["feedback_caption"], w["feedback_sheet"], cols, tuple(rows))


def _method_blocks(report: Report) -> Iterator[Block]:
    m = report.method
    if m is None:
        return
    yield Paragraph(m.weighting)
    if m.margins:
        yield Paragraph(WORDS[report.language]["margins"].format(margins="; ".join(m.margins)))
    if m.ci_method:
        yield Paragraph(m.ci_method)
    for note in m.notes:
        yield Paragraph(note)


def blocks(report: Report) -> list[Block]:
    """The body after the header and title, sections numbered I, II, … and tables and figures numbered."""
    w = WORDS[report.language]
    sections: list[tuple[str, list[Block]]] = [
        (w["section_summary"], [Paragraph(" ".join(summary_sentences(report))), _summary_table(report)]),
        (w["section_ranking"], [*_ranking_blocks(report), *(Figure(c.title, c) for c in report.charts)]),
        (w["section_quality"], list(_quality_blocks(report))),
        (w["section_fieldwork"], list(_fieldwork_blocks(report))),
        (w["section_feedback"], list(_feedback_blocks(report))),
        (w["section_method"], list(_method_blocks(report))),
        (w["section_remarks"], [Paragraph(text) for text in report.remarks]),
    ]
    out: list[Block] = []
    tables = figures = 0
    for title, body in (s for s in sections if s[1]):
        out.append(Heading(f"{roman(sum(isinstance(b, Heading) for b in out) + 1)}. {title}"))
        for block in body:
            if isinstance(block, Table):
                tables += 1
                block = replace(block, caption=w["table"].format(n=tables, caption=block.caption))
            elif isinstance(block, Figure):
                figures += 1
                block = replace(block, caption=w["figure"].format(n=figures, caption=block.caption))
            out.append(block)
    return out
