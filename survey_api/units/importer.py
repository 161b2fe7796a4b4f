"""Importing a map from a CSV file: all rows or none, every problem named with its row.

Columns ``code, name, level, parent, valid_from, valid_to, successors`` (optional ``name_en``, ``sector``).
``level`` is the unit's kind (province, district, commune, ward, …); ``successors`` of a closed unit are
``CODE:0.6;CODE2:0.4`` (a single successor may omit its share, 1). A row whose unit exists already is
unchanged when it says the same, closes the unit when it only adds ``valid_to`` (and successors), and is
an error otherwise. Importing the same file twice changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from survey_api import audit
from survey_api.db.models import OrgUnit, User
from survey_api.errors import DomainError, InvalidInput
from survey_api.tabular import read_table
from survey_api.units import repository
from survey_api.units.changes import (
    CODE,
    KIND,
    SECTORS,
    SHARE_TOLERANCE,
    NewUnit,
    close_unit,
    crosswalk_rows,
    insert_unit,
    move,
)

REQUIRED = ("code", "name", "level", "parent", "valid_from", "valid_to", "successors")
OPTIONAL = ("name_en", "sector")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: rows read, units created, units closed, rows that changed nothing."""

    rows: int
    created: int
    closed: int
    unchanged: int


@dataclass(frozen=True)
class _Row:
    line: int
    unit: NewUnit
    valid_from: date
    valid_to: date | None
    successors: tuple[tuple[str, float], ...]


def import_csv(
    session: Session, actor: User | None, data: bytes, filename: str | None = None, *, move_children: bool = False
) -> ImportSummary:
    """Import the units of a CSV (or XLSX) file; :class:`InvalidInput` lists every row problem and nothing
    is stored (the caller's transaction rolls back).

    With ``move_children``, stored units below a unit the file closes that the file does not close too
    (agencies, schools) are moved under its successor with the largest share from the day after; otherwise
    they make the close an error."""
    table = read_table(data, filename)
    header, records = table.padded()
    errors: list[dict[str, Any]] = []
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    for name in missing:
        errors.append({"row": 1, "item": name, "problem": "missing column"})
    for name in unknown:
        errors.append({"row": 1, "item": name, "problem": f"unknown column; use {', '.join(REQUIRED + OPTIONAL)}"})
    if errors:
        raise InvalidInput("the file's columns are not those of a unit list", errors=errors)
    rows: dict[str, _Row] = {}
    broken: set[str] = set()  # codes of rows with errors: other rows may still name them
    for line, cells in records:
        named = dict(zip(header, (c.strip() for c in cells), strict=True))
        row = _parse(line, named, errors)
        if row is None:
            broken.add(named["code"])
            continue
        if row.unit.code in rows:
            errors.append(
                {"row": line, "item": "code", "problem": f"{row.unit.code} is on row {rows[row.unit.code].line} too"}
            )
            continue
        rows[row.unit.code] = row
    plan = _check(session, rows, errors, broken)
    if errors or plan is None:
        raise InvalidInput(f"the file has {len(errors)} problem(s); nothing was imported", errors=errors)
    summary = _apply(session, actor, rows, *plan, move_children=move_children)
    if summary.unchanged < summary.rows:  # a file that changed nothing is no change to audit
        audit.record(
            session, actor, "unit.import", "units", rows=summary.rows, created=summary.created, closed=summary.closed
        )
    return summary


def _parse(line: int, cells: dict[str, str], errors: list[dict[str, Any]]) -> _Row | None:
    before = len(errors)

    def bad(item: str, problem: str) -> None:
        errors.append({"row": line, "item": item, "problem": problem})

    code, kind, sector = cells["code"], cells["level"], cells.get("sector") or None
    if not CODE.fullmatch(code):
        bad("code", "use 1-64 lowercase letters, digits, - or _")
    if not cells["name"] or len(cells["name"]) > 255:
        bad("name", "a name needs 1-255 characters")
    if len(cells.get("name_en") or "") > 255:
        bad("name_en", "an English name has at most 255 characters")
    if not KIND.fullmatch(kind):
        bad("level", "use lowercase letters and _, e.g. district, commune, ward")
    if sector is not None and sector not in SECTORS:
        bad("sector", f"use one of {', '.join(SECTORS)} or leave it blank")
    valid_from = _day(cells["valid_from"], "valid_from", bad, required=True)
    valid_to = _day(cells["valid_to"], "valid_to", bad, required=False)
    if valid_from and valid_to and valid_to < valid_from:
        bad("valid_to", f"{valid_to} is before valid_from {valid_from}")
    successors = _parse_successors(cells["successors"], bad)
    if successors and not cells["valid_to"]:
        bad("successors", "only a closed unit (with valid_to) has successors")
    if len(errors) > before or valid_from is None:
        return None
    unit = NewUnit(
        code, " ".join(cells["name"].split()), kind, cells["parent"] or None, sector, cells.get("name_en") or None
    )
    return _Row(line, unit, valid_from, valid_to, successors)


def _day(text: str, item: str, bad: Any, *, required: bool) -> date | None:
    if not text:
        if required:
            bad(item, "a day is needed, YYYY-MM-DD")
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        bad(item, f"{text!r} is not a day; write YYYY-MM-DD")
        return None
    if not FIRST_DAY <= day <= LAST_DAY or len(text) != 10:
        bad(item, f"{text!r}: write YYYY-MM-DD between 1900 and 2999")
        return None
    return day


def _parse_successors(text: str, bad: Any) -> tuple[tuple[str, float], ...]:
    found: list[tuple[str, float]] = []
    parts = [part.strip() for part in text.split(";") if part.strip()]
    for part in parts:
        code, _, share_text = part.partition(":")
        code = code.strip()
        try:
            share = float(share_text) if share_text.strip() else (1.0 if len(parts) == 1 else math.nan)
        except ValueError:
            share = math.nan
        if not CODE.fullmatch(code) or not (math.isfinite(share) and 0 < share <= 1):
            bad("successors", f"{part!r}: write CODE:SHARE with a share above 0 and at most 1, separated by ;")
            return ()
        found.append((code, share))
    if found and abs(sum(share for _, share in found) - 1) > SHARE_TOLERANCE:
        bad("successors", f"the shares add up to {sum(s for _, s in found):g}, not 1")
    if len({code for code, _ in found}) != len(found):
        bad("successors", "a successor is named twice")
    return tuple(found)


def _check(
    session: Session, rows: dict[str, _Row], errors: list[dict[str, Any]], broken: set[str]
) -> tuple[list[_Row], list[_Row]] | None:
    """Rows to create and rows that close existing units; row problems appended to ``errors``."""
    stored = {u.code: u for u in repository.all_units(session)}

    def span(code: str) -> tuple[date, date | None] | None:
        if code in rows:
            return rows[code].valid_from, rows[code].valid_to
        if code in stored:
            return stored[code].valid_from, stored[code].valid_to
        return None

    creates, closes = [], []
    for row in rows.values():
        bad = len(errors)
        if row.unit.parent is not None and row.unit.parent not in broken:
            parent = span(row.unit.parent)
            if parent is None:
                errors.append(
                    {"row": row.line, "item": "parent", "problem": f"no unit {row.unit.parent} in the file or stored"}
                )
            elif parent[0] > row.valid_from or not (
                parent[1] is None or (row.valid_to is not None and row.valid_to <= parent[1])
            ):
                errors.append(
                    {
                        "row": row.line,
                        "item": "parent",
                        "problem": f"{row.unit.parent} is not valid over this unit's days",
                    }
                )
        for code, _share in row.successors:
            if code in broken:
                continue
            successor = span(code)
            first = row.valid_to + timedelta(days=1) if row.valid_to else None
            if successor is None:
                errors.append(
                    {"row": row.line, "item": "successors", "problem": f"no unit {code} in the file or stored"}
                )
            elif first is not None and not (successor[0] <= first and (successor[1] is None or successor[1] >= first)):
                errors.append({"row": row.line, "item": "successors", "problem": f"{code} is not valid on {first}"})
        existing = stored.get(row.unit.code)
        if existing is not None and len(errors) == bad:
            change = _change_of(existing, row, stored)
            if change == "error":
                errors.append(
                    {
                        "row": row.line,
                        "item": "code",
                        "problem": f"{row.unit.code} exists with another name, level, parent or dates; "
                        "change it with rename, move or close",
                    }
                )
            elif change == "close":
                closes.append(row)
        elif existing is None:
            creates.append(row)
    return None if errors else (creates, closes)


def _change_of(existing: OrgUnit, row: _Row, stored: dict[str, OrgUnit]) -> str:
    parent_code = next((u.code for u in stored.values() if u.id == existing.parent_id), None)
    same = (existing.name, existing.kind, parent_code, existing.valid_from) == (
        row.unit.name,
        row.unit.kind,
        row.unit.parent,
        row.valid_from,
    )
    if not same:
        return "error"
    if existing.valid_to == row.valid_to:
        return "same"
    return "close" if existing.valid_to is None and row.valid_to is not None else "error"


def _apply(
    session: Session,
    actor: User | None,
    rows: dict[str, _Row],
    creates: list[_Row],
    closes: list[_Row],
    *,
    move_children: bool,
) -> ImportSummary:
    """Create parents before children, link successors, then close stored units, children before parents."""
    depth = {code: _depth(code, rows) for code in rows}
    current = None
    try:
        made = []
        for current in sorted(creates, key=lambda r: depth[r.unit.code]):
            made.append((current, insert_unit(session, current.unit, current.valid_from, current.valid_to)))
        for current, unit in made:
            if current.valid_to is not None:
                session.add_all(crosswalk_rows(session, unit, current.valid_to, current.successors))
        for current in sorted(closes, key=lambda r: -depth[r.unit.code]):
            stored = repository.unit_by_code(session, current.unit.code)
            assert stored is not None and current.valid_to is not None
            if move_children and current.successors:
                heir = max(current.successors, key=lambda s: s[1])[0]
                for child in repository.children_open_after(session, stored.id, current.valid_to):
                    if child.code not in rows:
                        move(session, actor, child.code, parent=heir, valid_from=current.valid_to + timedelta(days=1))
            close_unit(session, stored, current.valid_to, current.successors)
        session.flush()
    except DomainError as exc:
        line = current.line if current is not None else 1
        raise InvalidInput(
            "nothing was imported", errors=[{"row": line, "item": "code", "problem": exc.detail}]
        ) from exc
    unchanged = len(rows) - len(creates) - len(closes)
    return ImportSummary(len(rows), len(creates), len(closes), unchanged)


def _depth(code: str, rows: dict[str, _Row]) -> int:
    depth, seen = 0, {code}
    parent = rows[code].unit.parent
    while parent in rows and parent not in seen:
        seen.add(parent)
        depth, parent = depth + 1, rows[parent].unit.parent
    return depth
