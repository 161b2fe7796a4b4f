"""response cells and units: respondent cells from answers, and every response belongs to a unit

Cells: the shipped instruments declare which items give the respondent cells (``cells`` in the instrument
document). Their versions stored before this revision get the declaration of the time (``SHIPPED_CELLS``,
a frozen copy: later edits of the data files never change what this revision did), added to the stored
document only where the items exist with those options (the one change a published version accepts: it
adds no question and changes no answer). Then the empty ``sex`` / ``age_group`` of every response of a
version that declares cells are filled from its answers; cells stored explicitly (imports, plan frames)
stay as they are.

Units: a response without a unit gets its service point's unit, else its assignment's, else the unit of
the volunteer who interviewed (their account's). Responses none of these place (an import or a paper form
keyed without a service point) are put under a unit created for them, ``chua-xac-dinh`` ("Chưa xác định
đơn vị"), at the top of the map, so that they stay counted and visible; an admin may look at them there.
Then ``responses.unit_id`` is NOT NULL. Downgrade drops the constraint only (cells and units stay).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:40:00
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

from survey_api.db.types import JSONDocument

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEX = {"levels": {"1": "1", "2": "2"}}
_ADULT_BANDS = [
    {"min": 18, "max": 24, "level": "18-24"},
    {"min": 25, "max": 34, "level": "25-34"},
    {"min": 35, "max": 49, "level": "35-49"},
    {"min": 50, "max": 60, "level": "50-60"},
    {"min": 61, "level": "61+"},
]
SHIPPED_CELLS: dict[str, dict[str, Any]] = {
    "sipas": {
        "sex": {"item": "A.1", **_SEX},
        "age_group": {
            "item": "A.3",
            "levels": {"1": "18-24", "2": "25-34", "3": "35-49", "4": "50-60", "5": "61+"},
        },
    },
    "education-parents": {"sex": {"item": "P.2", **_SEX}},
    "health-inpatient": {
        "sex": {"item": "info.A1", **_SEX},
        "age_group": {"item": "info.A2", "bands": _ADULT_BANDS},
    },
    "health-outpatient": {
        "sex": {"item": "info.A1", **_SEX},
        "age_group": {"item": "info.A2", "bands": _ADULT_BANDS},
    },
    "health-workers": {
        "sex": {"item": "info.A1", **_SEX},
        "age_group": {"item": "info.A2", "bands": _ADULT_BANDS},
    },
}
PLACEHOLDER_UNIT = ("chua-xac-dinh", "Chưa xác định đơn vị", "Unit not known")
_SQLITE_ARRIVALS_TRIGGER = """
    CREATE TRIGGER responses_arrived AFTER INSERT ON responses BEGIN
        INSERT INTO response_arrivals (instrument_version_id, responses) VALUES (NEW.instrument_version_id, 1);
    END
"""
_BATCH = 2000

_versions = sa.table(
    "instrument_versions",
    sa.column("id", sa.Integer),
    sa.column("instrument_id", sa.Integer),
    sa.column("content", JSONDocument),
    sa.column("content_hash", sa.String),
)
_instruments = sa.table("instruments", sa.column("id", sa.Integer), sa.column("code", sa.String))
_responses = sa.table(
    "responses",
    sa.column("id", sa.Uuid),
    sa.column("instrument_version_id", sa.Integer),
    sa.column("answers", JSONDocument),
    sa.column("sex", sa.String),
    sa.column("age_group", sa.String),
)


def upgrade() -> None:
    bind = op.get_bind()
    for version_id, content in _declare_shipped_cells(bind):
        _fill_cells(bind, version_id, content["cells"])
    _place_responses(bind)
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.alter_column("unit_id", existing_type=sa.Integer(), nullable=False)
    if bind.dialect.name == "sqlite":  # the table was rebuilt, and its trigger went with the old one
        op.execute("DROP TRIGGER IF EXISTS responses_arrived")
        op.execute(_SQLITE_ARRIVALS_TRIGGER)


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.alter_column("unit_id", existing_type=sa.Integer(), nullable=True)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS responses_arrived")
        op.execute(_SQLITE_ARRIVALS_TRIGGER)


def _declare_shipped_cells(bind: sa.Connection) -> list[tuple[int, dict[str, Any]]]:
    """Every version with a cell declaration (adding the shipped one where it fits), with its content."""
    declared = []
    rows = bind.execute(
        sa.select(_versions.c.id, _versions.c.content, _instruments.c.code).join(
            _instruments, _instruments.c.id == _versions.c.instrument_id
        )
    ).all()
    for version_id, content, code in rows:
        if "cells" not in content:
            cells = SHIPPED_CELLS.get(code)
            if cells is None or not _fits(content, cells):
                continue
            content = {**content, "cells": cells}
            bind.execute(
                _versions.update()
                .where(_versions.c.id == version_id)
                .values(content=content, content_hash=_digest(content))
            )
        declared.append((version_id, content))
    return declared


def _fits(content: dict[str, Any], cells: dict[str, Any]) -> bool:
    items = {item["code"]: item for section in content.get("sections", []) for item in section.get("items", [])}
    for source in cells.values():
        item = items.get(source["item"])
        if item is None:
            return False
        if "levels" in source:
            options = item.get("options") or content.get("scales", {}).get(item.get("scale"), [])
            values = {str(option["value"]) for option in options}
            if item.get("type") != "single_choice" or not set(source["levels"]) <= values:
                return False
        elif item.get("type") != "integer":
            return False
    return True


def _digest(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _level(source: dict[str, Any], answer: Any) -> str | None:
    if type(answer) is not int:
        return None
    if "levels" in source:
        level: str | None = source["levels"].get(str(answer))
        return level
    for band in source["bands"]:
        if band["min"] <= answer and (band.get("max") is None or answer <= band["max"]):
            return str(band["level"])
    return None


def _fill_cells(bind: sa.Connection, version_id: int, cells: dict[str, Any]) -> None:
    statement = (
        _responses.update()
        .where(_responses.c.id == sa.bindparam("row_id"))
        .values(sex=sa.bindparam("new_sex"), age_group=sa.bindparam("new_age_group"))
    )
    after = None
    while True:
        query = sa.select(_responses.c.id, _responses.c.answers, _responses.c.sex, _responses.c.age_group).where(
            _responses.c.instrument_version_id == version_id,
            sa.or_(_responses.c.sex.is_(None), _responses.c.age_group.is_(None)),
        )
        if after is not None:
            query = query.where(_responses.c.id > after)
        rows = bind.execute(query.order_by(_responses.c.id).limit(_BATCH)).all()
        if not rows:
            return
        changed = []
        for response_id, answers, sex, age_group in rows:
            found = {"sex": sex, "age_group": age_group}
            for name, source in cells.items():
                if found.get(name) is None:
                    found[name] = _level(source, (answers or {}).get(source["item"]))
            if (found["sex"], found["age_group"]) != (sex, age_group):
                changed.append({"row_id": response_id, "new_sex": found["sex"], "new_age_group": found["age_group"]})
        if changed:
            bind.execute(statement, changed)
        after = rows[-1][0]


def _place_responses(bind: sa.Connection) -> None:
    for source in (
        "SELECT unit_id FROM service_points WHERE service_points.id = responses.service_point_id",
        "SELECT unit_id FROM assignments WHERE assignments.id = responses.assignment_id",
        "SELECT unit_id FROM users WHERE users.id = responses.interviewer_id",
    ):
        bind.execute(sa.text(f"UPDATE responses SET unit_id = ({source}) WHERE unit_id IS NULL"))
    unplaced = bind.scalar(sa.text("SELECT min(observed_on) FROM responses WHERE unit_id IS NULL"))
    if unplaced is None:
        return
    code, name, name_en = PLACEHOLDER_UNIT
    unit_id = bind.scalar(sa.text("SELECT id FROM org_units WHERE code = :code"), {"code": code})
    if unit_id is None:
        first = unplaced if isinstance(unplaced, date) else date.fromisoformat(str(unplaced)[:10])
        bind.execute(
            sa.text(
                "INSERT INTO org_units (code, name, name_en, kind, valid_from) "
                "VALUES (:code, :name, :name_en, 'unassigned', :valid_from)"
            ),
            {"code": code, "name": name, "name_en": name_en, "valid_from": min(first, date(2000, 1, 1))},
        )
        unit_id = bind.scalar(sa.text("SELECT id FROM org_units WHERE code = :code"), {"code": code})
    bind.execute(sa.text("UPDATE responses SET unit_id = :unit WHERE unit_id IS NULL"), {"unit": unit_id})
