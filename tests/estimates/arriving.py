"""Responses stored straight into the table (as any insert path would), for tests of rows read as they arrive.

Run as a script (``python -m tests.estimates.arriving URL VERSION UNIT SEED COUNT``) it stores responses from
another process.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, insert, select

from survey_api.db.engine import make_engine
from survey_api.db.models import InstrumentVersion, OrgUnit, Response, ServicePoint
from survey_api.db.models.responses import MISSING_SCORE
from tests.conftest import Db

# Strata with their PSUs, design weight and fpc; "D" appears only in later batches (new levels).
STRATA = {"A": (("A1", "A2", "A3"), 40.0, 200.0), "B": (("B1", "B2"), 25.0, 120.0), "C": (("C1", "C2"), 60.0, 400.0)}
LATER = {"D": (("D1", "D2"), 80.0, 900.0)}


def make_units(db: Db, count: int = 3) -> list[int]:
    """``count`` districts, each with a service point; their ids."""
    ids = []
    with db() as session:
        for k in range(count):
            unit = OrgUnit(code=f"inc-{k}", name=f"Huyện {k}", kind="district", valid_from=date(2020, 1, 1))
            session.add(unit)
            session.flush()
            session.add(ServicePoint(code=f"inc-{k}-point", name=f"Điểm {k}", unit_id=unit.id, kind="one_stop"))
            ids.append(unit.id)
    return ids


def rows_for(
    connection: Connection, version_id: int, unit_ids: list[int], seed: int, count: int, *, designed: bool = True
) -> list[dict[str, Any]]:
    """``count`` responses of ``version_id`` over ``unit_ids`` (with a sample design, or none as QR answers)."""
    items = connection.scalar(select(InstrumentVersion.score_items).where(InstrumentVersion.id == version_id)) or []
    found = connection.execute(select(ServicePoint.unit_id, ServicePoint.id).where(ServicePoint.unit_id.in_(unit_ids)))
    points = {int(unit): int(point) for unit, point in found}
    rng = np.random.default_rng(seed)
    strata = {**STRATA, **(LATER if seed % 2 else {})}
    names = sorted(strata)
    out = []
    for _ in range(count):
        stratum = names[int(rng.integers(len(names)))]
        psus, weight, fpc = strata[stratum]
        scores = np.clip(np.rint(rng.normal(3.8, 1.0, len(items))), 1, 5).astype(np.uint8)
        scores[rng.random(len(items)) < 0.1] = MISSING_SCORE
        unit = unit_ids[int(rng.integers(len(unit_ids)))]
        out.append(
            {
                "id": uuid.uuid4(),
                "instrument_version_id": version_id,
                "service_point_id": points[unit],
                "unit_id": unit,
                "channel": "tablet" if designed else "qr",
                "respondent_type": "person",
                "answers": {c: int(v) for c, v in zip(items, scores.tolist(), strict=True) if v != MISSING_SCORE},
                "scores": scores.tobytes(),
                "content_hash": "test",
                "received_at": datetime.now(UTC),
                "observed_on": date(2026, 3, 1) + timedelta(days=int(rng.integers(60))),
                "flags": [],
                "excluded": False,
                "stratum": stratum if designed else None,
                "psu": psus[int(rng.integers(len(psus)))] if designed else None,
                "design_weight": weight if designed else None,
                "fpc": fpc if designed else None,
                "sex": "FM"[int(rng.integers(2))],
                "age_group": ("18-34", "35-59", "60+")[int(rng.integers(3))],
            }
        )
    return out


def store(connection: Connection, version_id: int, unit_ids: list[int], seed: int, count: int, **kw: Any) -> None:
    """Insert ``count`` responses on ``connection`` (the caller commits)."""
    connection.execute(insert(Response), rows_for(connection, version_id, unit_ids, seed, count, **kw))


if __name__ == "__main__":
    url, version, unit, seed, count = sys.argv[1:6]
    engine = make_engine(url)
    with engine.begin() as conn:
        store(conn, int(version), [int(unit)], int(seed), int(count))
    engine.dispose()
