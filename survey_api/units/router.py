"""HTTP endpoints for org units: the map of a day, its dated changes (admins) and the crosswalk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status

from survey_api.db.models import OrgUnit
from survey_api.deps import AdminUser, CurrentUser, SessionDep
from survey_api.params import FIRST_DAY, LAST_DAY, Day
from survey_api.routing import CommittingRoute
from survey_api.units import service
from survey_api.units.schemas import (
    CloseIn,
    CrosswalkOut,
    ImportSummaryOut,
    MergeIn,
    MoveIn,
    NewPart,
    RenameIn,
    SplitIn,
    SuccessorOut,
    UnitIn,
    UnitOut,
)

router = APIRouter(prefix="/api/v1/units", tags=["units"], route_class=CommittingRoute)

DayQuery = Annotated[
    Day | None,
    Query(
        alias="date",
        ge=FIRST_DAY,
        le=LAST_DAY,
        description="The map valid on this day (YYYY-MM-DD): its units in tree order (parents first, "
        "children by name), with the names and parents of that day",
    ),
]
OnQuery = Annotated[Day | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="Same as `date` (older name)")]


@router.get("", response_model=list[UnitOut])
def list_units(session: SessionDep, _user: CurrentUser, day: DayQuery = None, on: OnQuery = None) -> list[UnitOut]:
    """The org units: the tree valid on `date`, or every unit ever (by code) without it. Closed units
    list their successors and shares (the crosswalk)."""
    chosen = day or on
    if chosen is None:
        every = service.units_valid_on(session, None)
        codes = {u.id: u.code for u in every}
        successors: dict[str, list[SuccessorOut]] = {}
        for row in service.crosswalk(session):
            successors.setdefault(row.unit, []).append(SuccessorOut(unit=row.successor, share=row.share))
        return [_unit_out(u, codes, successors.get(u.code, [])) for u in every]
    return [_node_out(node) for node in _walk(service.tree_on(session, chosen))]


@router.get("/crosswalk", response_model=list[CrosswalkOut])
def get_crosswalk(session: SessionDep, _user: CurrentUser) -> list[CrosswalkOut]:
    """Every closed unit with each successor and the share of the closed unit it received."""
    return [CrosswalkOut(**row.__dict__) for row in service.crosswalk(session)]


@router.post("", response_model=UnitOut, status_code=status.HTTP_201_CREATED)
def create_unit(session: SessionDep, user: AdminUser, body: UnitIn) -> UnitOut:
    """Create a unit valid from `valid_from` (audit-logged)."""
    unit = service.create(session, user, _new(body), valid_from=body.valid_from, valid_to=body.valid_to)
    return _one(session, unit)


@router.post("/import", response_model=ImportSummaryOut, status_code=status.HTTP_201_CREATED)
def import_units(session: SessionDep, user: AdminUser, file: UploadFile) -> ImportSummaryOut:
    """Import a unit list (CSV or XLSX: code, name, level, parent, valid_from, valid_to, successors as
    `CODE:0.6;CODE2:0.4`; optional name_en, sector): all rows or none; 422 lists every row problem."""
    summary = service.import_csv(session, user, file.file.read(), file.filename)
    return ImportSummaryOut(**summary.__dict__)


@router.post("/merge", response_model=UnitOut)
def merge_units(session: SessionDep, user: AdminUser, body: MergeIn) -> UnitOut:
    """Merge units into one from `valid_from` (each closes the day before; crosswalk share 1)."""
    into = _new(body.into) if isinstance(body.into, NewPart) else body.into
    return _one(session, service.merge(session, user, body.units, into, valid_from=body.valid_from))


@router.post("/{code}/rename", response_model=UnitOut)
def rename_unit(session: SessionDep, user: AdminUser, code: str, body: RenameIn) -> UnitOut:
    """Give a unit a new name from `valid_from`; the map of earlier days keeps the old name."""
    unit = service.rename(session, user, code, name=body.name, name_en=body.name_en, valid_from=body.valid_from)
    return _one(session, unit)


@router.post("/{code}/move", response_model=UnitOut)
def move_unit(session: SessionDep, user: AdminUser, code: str, body: MoveIn) -> UnitOut:
    """Put a unit under another parent from `valid_from`; the map of earlier days keeps the old one."""
    return _one(session, service.move(session, user, code, parent=body.parent, valid_from=body.valid_from))


@router.post("/{code}/close", response_model=UnitOut)
def close_unit(session: SessionDep, user: AdminUser, code: str, body: CloseIn) -> UnitOut:
    """Close a unit after `valid_to`, naming its successors and shares (the crosswalk)."""
    successors = [(s.unit, s.share) for s in body.successors]
    return _one(session, service.close(session, user, code, valid_to=body.valid_to, successors=successors))


@router.post("/{code}/split", response_model=list[UnitOut])
def split_unit(session: SessionDep, user: AdminUser, code: str, body: SplitIn) -> list[UnitOut]:
    """Split a unit from `valid_from` into parts (created or existing), each with its share."""
    parts = [(_new(p.unit) if isinstance(p.unit, NewPart) else p.unit, p.share) for p in body.parts]
    return [_one(session, u) for u in service.split(session, user, code, parts, valid_from=body.valid_from)]


def _new(body: UnitIn | NewPart) -> service.NewUnit:
    return service.NewUnit(body.code, body.name, body.kind, body.parent, body.sector, body.name_en)


def _one(session: SessionDep, unit: OrgUnit) -> UnitOut:
    parent = service.units_by_id(session, [unit.parent_id]).get(unit.parent_id) if unit.parent_id else None
    successors = [
        SuccessorOut(unit=r.successor, share=r.share) for r in service.crosswalk(session) if r.unit == unit.code
    ]
    return _unit_out(unit, {parent.id: parent.code} if parent else {}, successors)


def _unit_out(unit: OrgUnit, codes: dict[int, str], successors: list[SuccessorOut]) -> UnitOut:
    return UnitOut(
        code=unit.code,
        name=unit.name,
        name_en=unit.name_en,
        kind=unit.kind,
        sector=unit.sector,
        parent=codes.get(unit.parent_id) if unit.parent_id else None,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
        successors=successors,
    )


def _walk(nodes: list[service.UnitNode]) -> list[service.UnitNode]:
    found: list[service.UnitNode] = []
    for node in nodes:
        found.append(node)
        found.extend(_walk(node.children))
    return found


def _node_out(node: service.UnitNode) -> UnitOut:
    return UnitOut(
        code=node.code,
        name=node.name,
        name_en=node.name_en,
        kind=node.kind,
        sector=node.sector,
        parent=node.parent,
        valid_from=node.valid_from,
        valid_to=node.valid_to,
        successors=[SuccessorOut(unit=c, share=s) for c, s in node.successors],
    )
