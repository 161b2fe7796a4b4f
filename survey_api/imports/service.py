"""Import responses from a CSV file: validate every row, then store all of them or none.

One column per item code; optional design columns ``strata``, ``psu``, ``weight``, ``fpc``; optional
``completed_at`` (ISO date or date-time, local time when it has no offset), ``sex``, ``age_group`` (kept
as given; the instrument's declared cell items fill them when blank), and ``service_point`` or ``unit``
(every row needs one: a response belongs to a unit). A blank cell is a missing answer. Rows are numbered
as a spreadsheet shows them (the header is row 1). Each row's id is a UUID derived from the instrument
version, the file's SHA-256 and the row number, so importing the same file again stores nothing new.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sampling import SamplingError, make_design
from survey_api import audit
from survey_api.collection.answers import check_values, pack_scores, settle_answers
from survey_api.collection.cells import fill_from_answers
from survey_api.collection.service import LOCAL_TIME, ResponseDesign
from survey_api.db.base import utcnow
from survey_api.db.inserts import insert_ignoring_conflicts
from survey_api.db.models import InstrumentVersion, Response, User
from survey_api.db.models.instruments import DRAFT
from survey_api.errors import InvalidInput, NotFound
from survey_api.hashing import canonical_digest
from survey_api.imports.places import Places
from survey_api.imports.schemas import ImportOut
from survey_api.instruments import service as instruments
from survey_api.instruments.document import NUMERIC_TYPES, InstrumentDocument
from survey_api.instruments.service import document_of
from survey_api.tabular import listed, read_table

DESIGN_COLUMNS = ("strata", "psu", "weight", "fpc")
RESPONDENT_COLUMNS = ("completed_at", "service_point", "unit", "sex", "age_group")
CHANNEL = "import"
_ID_NAMESPACE = uuid.UUID("6b1f0c1e-4d0a-5c7e-9a51-2f3c1d0e8b77")
_BATCH = 5000
# A file exported by ``GET /api/v1/exports/responses.csv`` imports as it is: its design columns are named
# ``stratum`` and ``design_weight`` (``weight`` is then the derived analysis weight), ``observed_on`` is the
# completion day, and the other columns describe the stored response and are not read.
EXPORT_ALIASES = {"stratum": "strata", "design_weight": "weight", "observed_on": "completed_at"}
EXPORT_ONLY_COLUMNS = ("instrument_version", "channel", "received_at", "weight")
_IGNORED = "\x00ignored:"
# An exported row's response id: imported back, the row is the response already stored (a round trip adds
# nothing), and in another database it keeps its id.
_EXPORTED_ID = "\x00exported:id"


@dataclass(frozen=True)
class _Row:
    number: int
    answers: dict[str, Any]
    design: ResponseDesign
    completed_at: datetime | None
    observed_on: date | None
    service_point_id: int | None
    unit_id: int | None
    response_id: uuid.UUID | None = None


# At most this many problems are collected and reported; checking stops there.
MAX_ERRORS = 1000


def import_csv(session: Session, data: bytes, *, instrument: str, version: int, user: User | None = None) -> ImportOut:
    """Validate every row of ``data`` and store them in one bulk insert, or raise with every row error.

    Raises :class:`InvalidInput` with ``errors`` = [{"row", "item", "problem"}, …] (row None for problems
    of the whole file); nothing is stored then.
    """
    chosen = _published_version(session, instrument, version)
    document = document_of(chosen)
    file_digest = hashlib.sha256(data).hexdigest()
    table = read_table(data)
    header, records = table.header, table.records
    header = _exported_header(header)
    errors: list[dict[str, Any]] = []
    items = document.items_by_code()
    known = set(items) | set(DESIGN_COLUMNS) | set(RESPONDENT_COLUMNS) | {_IGNORED + c for c in EXPORT_ONLY_COLUMNS}
    known.add(_EXPORTED_ID)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append({"row": 1, "item": name, "problem": "the column appears twice"})
        elif name not in known:
            errors.append({"row": 1, "item": name, "problem": f"not an item of {document.code} nor a known column"})
        seen.add(name)
    if errors:
        raise _invalid(errors)

    places = Places(session)
    checker = _Answers(document)
    rows: list[_Row] = []
    for number, record in records:
        if len(record) != len(header):
            problem = f"{len(record)} fields, the header has {len(header)}"
            errors.append({"row": number, "item": None, "problem": problem})
            continue
        row = _parse_row(places, checker, number, dict(zip(header, record, strict=True)), errors)
        if row is not None:
            rows.append(row)
        if len(errors) >= MAX_ERRORS:
            # A bad file of a million rows must not become a hundred million error entries in memory.
            raise _invalid(errors[:MAX_ERRORS], stopped_at=number)
    if not errors and not rows:
        errors.append({"row": None, "item": None, "problem": "the file has no data rows"})
    if not errors:
        errors.extend(_design_problems(rows))
    if errors:
        raise _invalid(errors)

    ids = [row.response_id or uuid.uuid5(_ID_NAMESPACE, f"{chosen.id}:{file_digest}:{row.number}") for row in rows]
    existing = _existing_ids(session, ids)
    received_at = utcnow()
    values = [
        _values(chosen, document, row, response_id, received_at, file_digest)
        for row, response_id in zip(rows, ids, strict=True)
        if response_id not in existing
    ]
    _bulk_insert(session, values)
    audit.record(
        session, user, "responses.import", f"{instrument} v{version}", file=file_digest, rows=len(rows), new=len(values)
    )
    return ImportOut(
        instrument=instrument,
        version=version,
        rows=len(rows),
        new=len(values),
        already_imported=len(rows) - len(values),
        file_digest=file_digest,
    )


def _published_version(session: Session, code: str, version: int) -> InstrumentVersion:
    found = instruments.instrument_by_code(session, code)
    if found is None:
        raise NotFound(f"no instrument {code!r}")
    chosen = instruments.version_of(session, found.id, version)
    if chosen is None or chosen.status == DRAFT:
        raise InvalidInput(f"{code} version {version} does not exist or is not published")
    return chosen


def _invalid(errors: list[dict[str, Any]], stopped_at: int | None = None) -> InvalidInput:
    count = f"{len(errors)} problems"
    if stopped_at is not None:
        count = f"checking stopped at row {stopped_at} after the first {len(errors)} problems (fix them, then import)"
    return InvalidInput(f"nothing was imported: {count}: {listed(errors)}", errors=errors)


def _exported_header(header: list[str]) -> list[str]:
    """The header of an exported file in import terms (unchanged for any other file)."""
    if "design_weight" not in header:
        return header
    renamed = []
    for name in header:
        if name == "id":
            renamed.append(_EXPORTED_ID)
        elif name in EXPORT_ONLY_COLUMNS:
            renamed.append(_IGNORED + name)
        elif name in EXPORT_ALIASES and (name != "observed_on" or "completed_at" not in header):
            renamed.append(EXPORT_ALIASES[name])
        else:
            renamed.append(name)
    return renamed


class _Answers:
    """``check_answers`` with its verdict on each (item, cell) remembered: a file repeats the same few values."""

    def __init__(self, document: InstrumentDocument) -> None:
        self.document = document
        self.items = document.items_by_code()
        self.verdicts: dict[tuple[str, str], tuple[Any, list[dict[str, str]]]] = {}

    def check(self, cells: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
        """Cleaned answers and problems of one row, exactly as ``check_answers`` gives them."""
        cleaned: dict[str, Any] = {}
        problems: list[dict[str, str]] = []
        for code, item in self.items.items():
            cell = cells.get(code)
            if cell is None:
                continue
            cell = cell.strip()
            verdict = self.verdicts.get((code, cell))
            if verdict is None:
                value = _cell_value(item.type, cell)
                if value is None:
                    verdict = (None, [])
                else:
                    answer, found = check_values(self.document, {code: value})
                    verdict = (answer.get(code), [p for p in found if p["item"] == code])
                if item.type != "free_text":
                    self.verdicts[(code, cell)] = verdict
            if verdict[1]:
                problems.extend(verdict[1])
            elif verdict[0] is not None:
                cleaned[code] = verdict[0]
        return settle_answers(self.document, cleaned, problems)


def _parse_row(
    places: Places, checker: _Answers, number: int, cells: dict[str, str], errors: list[dict[str, Any]]
) -> _Row | None:
    answers, answer_problems = checker.check(cells)
    problems: list[dict[str, Any]] = [{"item": p["item"], "problem": p["problem"]} for p in answer_problems]

    def text(name: str, limit: int) -> str | None:
        value = cells.get(name, "").strip()
        if len(value) > limit:
            problems.append({"item": name, "problem": f"longer than {limit} characters"})
        return value or None

    def positive(name: str) -> float | None:
        value = cells.get(name, "").strip()
        if not value:
            return None
        try:
            number_ = float(value)
        except ValueError:
            number_ = math.nan
        if not math.isfinite(number_) or number_ <= 0:
            problems.append({"item": name, "problem": f"{value!r} is not a positive number"})
            return None
        return number_

    design = ResponseDesign(
        stratum=text("strata", 64),
        psu=text("psu", 64),
        design_weight=positive("weight"),
        fpc=positive("fpc"),
        sex=text("sex", 16),
        age_group=text("age_group", 16),
    )
    completed_at, observed_on = None, None
    when = cells.get("completed_at", "").strip()
    if when:
        try:
            completed_at, observed_on = _completion(when)
        except ValueError:
            problems.append({"item": "completed_at", "problem": f"{when!r} is not an ISO date (YYYY-MM-DD)"})
    point_id, unit_id, place_problem = places.place(
        cells.get("service_point", "").strip(), cells.get("unit", "").strip()
    )
    if place_problem is not None:
        problems.append(place_problem)
    response_id = None
    if exported := cells.get(_EXPORTED_ID, "").strip():
        try:
            response_id = uuid.UUID(exported)
        except ValueError:
            problems.append({"item": "id", "problem": f"{exported[:40]!r} is not a response id (a UUID)"})
    errors.extend({"row": number, **p} for p in problems)
    if problems:
        return None
    return _Row(
        number,
        answers,
        design,
        completed_at,
        observed_on,
        point_id,
        unit_id,
        response_id,
    )


def _cell_value(item_type: str, value: str) -> Any:
    """A cell as the API would receive it: whole numbers for numeric items, lists for multiple choice."""
    if not value:
        return None
    if item_type in NUMERIC_TYPES or item_type == "integer":
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    if item_type == "multiple_choice":
        parts = [p.strip() for p in value.replace(",", ";").split(";") if p.strip()]
        return [int(p) if p.lstrip("-").isdigit() else p for p in parts]
    return value


def _completion(value: str) -> tuple[datetime, date]:
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime.combine(day, time(12), LOCAL_TIME), day
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TIME)
    return moment, moment.astimezone(LOCAL_TIME).date()


def _design_problems(rows: Sequence[_Row]) -> list[dict[str, Any]]:
    """Whole-file design checks (fpc constant within a stratum, no sampling fraction over 1, …)."""
    designs = [row.design for row in rows]
    fpc = [d.fpc for d in designs]
    problems: list[dict[str, Any]] = []
    for name, values in (("weight", [d.design_weight for d in designs]), ("fpc", fpc)):
        given = [v is not None for v in values]
        if any(given) and not all(given):
            row = rows[given.index(False)].number
            problems.append({"row": row, "item": name, "problem": f"blank, but other rows give {name}"})
    if problems or not any(d.stratum or d.psu or d.fpc for d in designs):
        return problems
    weights = [d.design_weight or 0.0 for d in designs]
    fpcs = [value or 0.0 for value in fpc]
    try:
        make_design(
            len(rows),
            weights=weights if designs[0].design_weight is not None else None,
            strata=[d.stratum or "" for d in designs],
            clusters=[d.psu or f"row {row.number}" for d, row in zip(designs, rows, strict=True)],
            fpc=fpcs if fpc[0] is not None else None,
            nest=True,
            lonely_psu="adjust",
        )
    except SamplingError as exc:
        problems.append({"row": None, "item": "design", "problem": str(exc)})
    return problems


def _existing_ids(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        found.update(session.scalars(select(Response.id).where(Response.id.in_(chunk))))
    return found


def _values(
    version: InstrumentVersion,
    document: InstrumentDocument,
    row: _Row,
    response_id: uuid.UUID,
    received_at: datetime,
    file_digest: str,
) -> dict[str, Any]:
    content = {"file": file_digest, "row": row.number, "answers": row.answers, **row.design.values()}
    values = {
        "id": response_id,
        "instrument_version_id": version.id,
        "service_point_id": row.service_point_id,
        "unit_id": row.unit_id,
        "channel": CHANNEL,
        "respondent_type": "person" if "person" in document.respondent_types else document.respondent_types[0],
        "answers": row.answers,
        "scores": pack_scores(version.score_items, row.answers),
        "content_hash": canonical_digest(content),
        "started_at": None,
        "completed_at": row.completed_at,
        "received_at": received_at,
        "observed_on": row.observed_on or received_at.astimezone(LOCAL_TIME).date(),
        "device_hash": None,
        "flags": [],
        "excluded": False,
        "interviewer_id": None,
        "replaces_id": None,
        **row.design.values(),
    }
    fill_from_answers(document, row.answers, values)
    return values


def _bulk_insert(session: Session, values: list[dict[str, Any]]) -> None:
    """One executemany per batch; a row another import stored meanwhile is skipped, not an error."""
    if not values:
        return
    statement = insert_ignoring_conflicts(session, Response)
    for start in range(0, len(values), _BATCH):
        session.execute(statement, values[start : start + _BATCH])
