"""Responses with their design columns and weights, and the instrument's codebook, as CSV or XLSX.

The rows are read by a session of their own in chunks of columns (``_read``: one binary record per row
through a server-side cursor on PostgreSQL) and written many rows at a time (``_cells``), so a million
responses stream in bounded memory. The CSV is accepted by ``survey import`` as it is (``stratum`` and
``design_weight`` are the design; ``weight`` is the analysis weight of the current weighting run, the same
numbers an index uses), and ``survey estimate --strata stratum --cluster psu --nest --weight weight --fpc fpc``
gives the API's weighted numbers. The XLSX workbook is written as it is sent (``_xlsx``); a sheet holds at
most 1,048,576 rows (Excel's limit), so a bigger export continues on sheets ``responses_2``, ``responses_3``…,
each with the header, before the codebook. A text cell a spreadsheet would run as a formula carries a leading
apostrophe (``_cells.neutralise``), in the codebook too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, groupby
from operator import itemgetter

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session, sessionmaker

from survey_api.db.models import User
from survey_api.estimates.current import current_weights
from survey_api.estimates.params import SelectionParams
from survey_api.estimates.scope import resolve
from survey_api.exports import _labelled, _rbundle, _read, _values, _xlsx
from survey_api.exports._cells import CSV, XLSX, Columns, RowWriter, neutralise
from survey_api.exports._pipeline import Ahead
from survey_api.instruments.document import InstrumentDocument
from survey_api.settings import Settings

CHUNK_SIZE = 10_000
RESPONSE_COLUMNS = (
    "id",
    "instrument_version",
    "service_point",
    "unit",
    "channel",
    "observed_on",
    "received_at",
    "stratum",
    "psu",
    "design_weight",
    "fpc",
    "sex",
    "age_group",
)
CODEBOOK_COLUMNS = ("item", "section", "type", "text_vi", "text_en", "options", "element", "group")


@dataclass(frozen=True)
class Export:
    """A prepared export: its header, its rows (read lazily, in chunks), the weighting run it cites."""

    header: list[str]
    columns: Columns
    chunks: Ahead[_read.Chunk]
    weighting_run: int | None
    codebook: list[list[str]]
    document: InstrumentDocument


def responses(
    session: Session,
    factory: sessionmaker[Session],
    params: SelectionParams,
    *,
    viewer: User,
    settings: Settings,
    chunk_size: int = CHUNK_SIZE,
) -> Export:
    """The non-excluded responses of the selection, one row each, ordered by id.

    Checks the request (instrument, version, unit, a unit manager's scope), starts reading the rows with a
    session of their own from ``factory`` (in a thread, so that the database sorts them while the weights
    are computed) and computes the weights.
    """
    scope = resolve(session, params, viewer)
    document, version = scope.document, scope.version
    items = [item for section in document.sections for item in section.items]
    position = {code: k for k, code in enumerate(version.score_items)}
    texts = [_read.TextItem(i.code, i.type == "multiple_choice") for i in items if i.code not in position]
    conditions = scope.selection.conditions()
    chunks = Ahead(partial(_chunks, factory, conditions, len(position), texts, chunk_size), name="export-read")
    try:
        weights = current_weights(session, scope, viewer=viewer, settings=settings)
    except BaseException:
        chunks.close()
        raise
    header = [*RESPONSE_COLUMNS, *(["weight"] if weights else []), *(item.code for item in items)]
    columns = Columns(
        version=version.version,
        weight=weights.weight if weights else None,
        items=[(item.code, position.get(item.code)) for item in items],
    )
    return Export(header, columns, chunks, weights.run_id if weights else None, codebook(document), document)


def _chunks(
    factory: sessionmaker[Session],
    conditions: list[ColumnElement[bool]],
    width: int,
    texts: list[_read.TextItem],
    chunk_size: int,
) -> Iterator[_read.Chunk]:
    with factory() as session:
        yield from _read.chunks(session, conditions, width, texts, chunk_size)


def csv_rows(export: Export) -> Iterator[bytes]:
    """UTF-8 CSV (with a byte-order mark, for spreadsheets): the header, then one piece per chunk of rows."""
    writer = RowWriter(CSV, export.columns)
    formatted = Ahead(lambda: map(writer.rows, export.chunks), name="export-format")
    try:
        yield ("\ufeff" + _csv_line(export.header)).encode()
        yield from formatted
    finally:
        export.chunks.close()
        formatted.close()


def xlsx_file(export: Export, *, sheet_rows: int = _xlsx.SHEET_ROWS) -> Iterator[bytes]:
    """The export as an XLSX workbook, in pieces as it is written: sheet ``responses`` (continued on
    ``responses_2``… past ``sheet_rows`` rows a sheet, header included), then ``codebook``."""
    if sheet_rows < 2:
        raise ValueError("a sheet holds the header and at least one row")
    writer = RowWriter(XLSX, export.columns)
    formatted = Ahead(lambda: _sheet_pieces(export.chunks, writer, sheet_rows), name="export-format")
    header = _xml_row(export.header, 1)
    codebook_rows = [_xml_row(list(CODEBOOK_COLUMNS), 1)]
    codebook_rows += [_xml_row(line, k) for k, line in enumerate(export.codebook, start=2)]
    book = ("codebook", [_xlsx.SHEET_START, *codebook_rows, _xlsx.SHEET_END])
    try:
        yield from _xlsx.workbook(chain(_response_sheets(formatted, header), [book]))
    finally:
        export.chunks.close()
        formatted.close()


def labelled_file(export: Export, kind: _labelled.Format) -> bytes:
    """The export as an SPSS (``sav``) or Stata (``dta``) file with variable and value labels (``_labelled``)."""
    try:
        rows = _values.rows(RowWriter(_values.JSON, export.columns), export.chunks)
        found = _labelled.variables(export.header, rows, export.document)
    finally:
        export.chunks.close()
    return _labelled.write(kind, found, export.document.title.vi)


def r_bundle(export: Export, name: str, lonely_psu: str) -> Iterator[bytes]:
    """A zip of the CSV export (``name``.csv) and an R script computing its weighted index (``_rbundle``)."""
    script = _rbundle.r_script(export.document, f"{name}.csv", f"{name}.R", lonely_psu)
    return _rbundle.bundle(csv_rows(export), f"{name}.csv", f"{name}.R", script)


def _sheet_pieces(chunks: Iterable[_read.Chunk], writer: RowWriter, sheet_rows: int) -> Iterator[tuple[int, bytes]]:
    """The rows in pieces, each with the number of its sheet: a sheet holds at most ``sheet_rows`` rows with
    its header, and fewer bytes than a zip entry holds without Zip64."""
    sheet, rows, size = 1, 1, 0
    for chunk in chunks:
        start = 0
        while start < chunk.n:
            if rows == sheet_rows or size >= _xlsx.SHEET_BYTES:
                sheet, rows, size = sheet + 1, 1, 0
            end = min(chunk.n, start + sheet_rows - rows)
            data = writer.rows(chunk[start:end], first_row=rows + 1)
            yield sheet, data
            rows, size, start = rows + end - start, size + len(data), end


def _response_sheets(pieces: Iterable[tuple[int, bytes]], header: bytes) -> Iterator[tuple[str, Iterable[bytes]]]:
    """Sheets ``responses``, ``responses_2``… of the pieces; one sheet, the header only, when there are none."""
    empty = True
    for number, group in groupby(pieces, key=itemgetter(0)):
        empty = False
        name = "responses" if number == 1 else f"responses_{number}"
        yield name, chain([_xlsx.SHEET_START + header], (data for _, data in group), [_xlsx.SHEET_END])
    if empty:
        yield "responses", [_xlsx.SHEET_START + header, _xlsx.SHEET_END]


def _xml_row(values: Sequence[str], number: int) -> bytes:
    cells = b"".join(XLSX.string(v) if v else XLSX.missing for v in values)
    return b'<row r="%d">' % number + cells + XLSX.row_end


def _csv_line(values: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(map(neutralise, values))  # quotes a lone "\r" too
    return buffer.getvalue()[:-2] + "\n"


def codebook(document: InstrumentDocument) -> list[list[str]]:
    """One row per item: code, section, type, texts, options ("1=…; 2=…") and its index element and group."""
    index = document.index
    element_of = {code: e.code for e in index.elements for code in e.items}
    group_of = {e: g.code for g in index.groups for e in g.elements}
    rows = []
    for section in document.sections:
        for item in section.items:
            options = item.options or (document.scales.get(item.scale, []) if item.scale else [])
            element = element_of.get(item.code, "")
            rows.append(
                [
                    item.code,
                    section.code,
                    item.type,
                    item.text.vi,
                    item.text.en or "",
                    "; ".join(f"{o.value}={o.label.vi}" for o in options),
                    element,
                    group_of.get(element, ""),
                ]
            )
    return rows


def codebook_for(session: Session, instrument: str, *, viewer: User, version: int | None = None) -> list[list[str]]:
    """The codebook of an instrument version (default: the latest published)."""
    return codebook(resolve(session, SelectionParams(instrument=instrument, version=version), viewer).document)


def codebook_csv(rows: list[list[str]]) -> Iterator[bytes]:
    """The codebook as UTF-8 CSV with a byte-order mark."""
    yield ("\ufeff" + _csv_line(CODEBOOK_COLUMNS) + "".join(_csv_line(row) for row in rows)).encode()
