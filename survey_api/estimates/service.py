"""Index computation for an instrument over a unit, service point and period."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from survey_api.collection.repository import service_point_by_code
from survey_api.db.models import User
from survey_api.errors import InvalidInput, NotFound
from survey_api.estimates import repository
from survey_api.estimates.levels import LevelResult, compute_levels
from survey_api.estimates.schemas import IndicesOut, LevelOut
from survey_api.instruments import repository as instruments
from survey_api.instruments.service import document_of
from survey_api.units.repository import unit_by_code
from survey_api.units.scope import require_visible, subtree, visible_units


def indices(
    session: Session,
    instrument_code: str,
    *,
    viewer: User,
    version: int | None = None,
    unit: str | None = None,
    service_point: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> IndicesOut:
    """The index at every level for the responses that match the filters (each response weighs 1).

    A unit manager sees only their own unit and the units below it.
    """
    instrument = instruments.instrument_by_code(session, instrument_code)
    if instrument is None:
        raise NotFound(f"no instrument {instrument_code!r}")
    chosen = (
        instruments.version_of(session, instrument.id, version)
        if version is not None
        else instruments.latest_published(session, instrument.id)
    )
    if chosen is None:
        raise NotFound(f"{instrument_code} has no {'version ' + str(version) if version else 'published version'}")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"from ({date_from}) is after to ({date_to})")

    unit_ids = visible_units(session, viewer)
    if unit is not None:
        found = unit_by_code(session, unit)
        if found is None:
            raise NotFound(f"no unit {unit!r}")
        require_visible(session, viewer, found.id, f"unit {unit}")
        unit_ids = subtree(session, found.id)
    service_point_id = None
    if service_point is not None:
        point = service_point_by_code(session, service_point)
        if point is None:
            raise NotFound(f"no service point {service_point!r}")
        service_point_id = point.id

    document = document_of(chosen)
    matrix = repository.score_matrix(
        session,
        chosen.id,
        len(chosen.score_items),
        unit_ids=unit_ids,
        service_point_id=service_point_id,
        date_from=date_from,
        date_to=date_to,
    )
    items = document.items_by_code()
    result = compute_levels(
        matrix,
        {code: i for i, code in enumerate(chosen.score_items)},
        document.index,
        {code: item.text for code, item in items.items()},
    )
    return IndicesOut(
        instrument=instrument_code,
        version=chosen.version,
        filters={
            "unit": unit,
            "service_point": service_point,
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
        },
        weighted=False,
        responses=int(matrix.shape[0]),
        overall=_level_out(result.overall),
        groups=[_level_out(x) for x in result.groups],
        elements=[_level_out(x) for x in result.elements],
        items=[_level_out(x) for x in result.items],
    )


def _level_out(level: LevelResult) -> LevelOut:
    return LevelOut(
        code=level.code,
        label=level.label.vi,
        label_en=level.label.en,
        satisfied=level.satisfied,
        mean=level.mean,
        n=level.n,
    )
