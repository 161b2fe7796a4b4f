"""Responses with their design columns and weights, and the instrument's codebook, as CSV or XLSX.

Rows are read in chunks (``yield_per``: a server-side cursor on PostgreSQL) by a session of their own, so a
million responses stream without being held in memory. The CSV is accepted by ``survey import`` as it is
(``stratum`` and ``design_weight`` are the design; ``weight`` is the analysis weight of the current
weighting run, the same numbers an index uses), and ``survey estimate --strata stratum --cluster psu
--nest --weight weight --fpc fpc`` gives the API's weighted numbers. An XLSX file cannot be written to the
socket as it grows (a zip whose directory comes last): it is written to a spooled temporary file (in
memory up to 16 MB, then on disk) and streamed from there.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from survey_api.db.models import OrgUnit, Response, ServicePoint, User
from survey_api.estimates import repository as estimates
from survey_api.estimates.service import CurrentWeights, current_weights, resolve_selection
from survey_api.instruments.document import InstrumentDocument
from survey_api.settings import Settings

CHUNK_SIZE = 5000
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
_SPOOL = 16 * 2**20


@dataclass(frozen=True)
class Export:
    """A prepared export: its header, its rows (read lazily, in chunks) and the weighting run it cites."""

    header: list[str]
    rows: Iterator[list[Any]]
    weighting_run: int | None
    codebook: list[list[str]]


def responses(
    session: Session,
    factory: sessionmaker[Session],
    instrument: str,
    *,
    viewer: User,
    version: int | None = None,
    unit: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    settings: Settings,
    chunk_size: int = CHUNK_SIZE,
) -> Export:
    """The non-excluded responses of the selection, one row each, oldest id first.

    Checks the request (instrument, version, unit, a unit manager's scope) and computes the weights now;
    the rows are read when iterated, with a session of their own from ``factory``.
    """
    selection = resolve_selection(session, instrument, viewer, version, unit, date_from, date_to)
    document = selection.document
    weights = current_weights(
        session,
        instrument,
        viewer=viewer,
        version=selection.version.version,
        unit=unit,
        date_from=date_from,
        date_to=date_to,
        settings=settings,
    )
    items = [item for section in document.sections for item in section.items]
    header = [*RESPONSE_COLUMNS, *(["weight"] if weights else []), *(item.code for item in items)]
    conditions = estimates.selection_conditions(selection.version.id, selection.unit_ids, None, date_from, date_to)
    rows = _rows(factory, conditions, selection.version.version, [i.code for i in items], weights, chunk_size)
    return Export(header, rows, weights.run_id if weights else None, codebook(document))


def _rows(
    factory: sessionmaker[Session],
    conditions: list[Any],
    version_number: int,
    item_codes: list[str],
    weights: CurrentWeights | None,
    chunk_size: int,
) -> Iterator[list[Any]]:
    columns = (
        Response.id,
        Response.service_point_id,
        Response.unit_id,
        Response.channel,
        Response.observed_on,
        Response.received_at,
        Response.stratum,
        Response.psu,
        Response.design_weight,
        Response.fpc,
        Response.sex,
        Response.age_group,
        Response.answers,
    )
    with factory() as session:
        points = {row.id: row.code for row in session.execute(select(ServicePoint.id, ServicePoint.code))}
        units = {row.id: row.code for row in session.execute(select(OrgUnit.id, OrgUnit.code))}
        query = select(*columns).where(*conditions).order_by(Response.id).execution_options(yield_per=chunk_size)
        for row in session.execute(query):
            (rid, point, unit_id, channel, observed, received, stratum, psu, dw, fpc, sex, age, answers) = row
            if isinstance(answers, str):
                answers = json.loads(answers)
            out: list[Any] = [
                str(rid),
                version_number,
                points.get(point) if point is not None else None,
                units.get(unit_id) if unit_id is not None else None,
                channel,
                observed.isoformat(),
                received.isoformat(),
                stratum,
                psu,
                dw,
                fpc,
                sex,
                age,
            ]
            if weights is not None:
                out.append(weights.weight(dw, sex, age))
            out.extend(_cell(answers.get(code)) for code in item_codes)
            yield out


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


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
    return codebook(resolve_selection(session, instrument, viewer, version, None, None, None).document)


def csv_chunks(
    header: list[str] | tuple[str, ...], rows: Iterator[list[Any]], chunk_size: int = CHUNK_SIZE
) -> Iterator[bytes]:
    """UTF-8 CSV (with a byte-order mark, for spreadsheets) in pieces of ``chunk_size`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode()
    while True:
        buffer.seek(0)
        buffer.truncate()
        count = 0
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
            if count == chunk_size:
                break
        if count:
            yield buffer.getvalue().encode()
        if count < chunk_size:
            return


def xlsx_file(export: Export) -> IO[bytes]:
    """The export as an XLSX workbook (sheets ``responses`` and ``codebook``) in a spooled temporary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(export.header)
    for row in export.rows:
        sheet.append(row)
    book = workbook.create_sheet("codebook")
    book.append(list(CODEBOOK_COLUMNS))
    for line in export.codebook:
        book.append(line)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115 - streamed, then closed by the caller
    workbook.save(spool)
    spool.seek(0)
    return spool


def file_chunks(handle: IO[bytes], size: int = 2**20) -> Iterator[bytes]:
    """Read ``handle`` in pieces, closing it at the end."""
    with handle:
        while piece := handle.read(size):
            yield piece
