"""The data of `index_api.py` and `export_api.py`: N synthetic designed SIPAS responses in PostgreSQL, loaded once
with COPY and kept; and one more response stored as a submission would between two requests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, func, make_url, select, text

from survey_api import migrations
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import Instrument, InstrumentVersion, Response, ServicePoint
from survey_api.demo import load_demo
from survey_api.instruments.service import document_of

DISTRICT_POINTS = "-mot-cua"
STRATA, PSUS = 40, 2000


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` when it does not exist."""
    target = make_url(url)
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    with admin.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database})
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def load(url: str, rows: int, seed: int = 11) -> None:
    """N designed SIPAS responses (kept when already there), copied in with COPY."""
    ensure_database(url)
    migrations.upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        # A database loaded before keeps its instruments (the files may have changed since).
        version = sipas(session)
        if version is None:
            load_demo(session, responses_per_point=0, weighting=False)
            version = sipas(session)
        assert version is not None
        version_id, items = version.id, list(version.score_items)
        document = document_of(version)
        existing = session.scalar(select(func.count()).where(Response.instrument_version_id == version_id)) or 0
        points = session.execute(
            select(ServicePoint.id, ServicePoint.unit_id).where(ServicePoint.code.like(f"%{DISTRICT_POINTS}"))
        ).all()
    if existing >= rows:
        # The data is reused without the tablet answers an earlier run posted (they carry no design, and
        # `survey estimate` compares the designed ones). A migration may have rebuilt the covering index:
        # VACUUM keeps the visibility map current so that the index-only scan needs no heap fetches.
        with engine.begin() as connection:  # the rows COPY loaded arrived first: the index finds the others
            ours = Response.instrument_version_id == version_id
            first = select(func.min(Response.arrival)).where(ours).scalar_subquery()
            later = ours & (Response.arrival > first)
            connection.execute(delete(Response).where(later, Response.channel == "tablet"))
        _vacuum(engine)
        return
    if existing:
        raise SystemExit(f"{url} holds {existing} SIPAS responses, fewer than {rows}: drop the database first")
    scale = [c for c, i in document.items_by_code().items() if i.type == "scale_1_5"]
    numeric = set(scale)
    rng = np.random.default_rng(seed)
    # 40 strata of 50 PSUs; each PSU in one district (its service point); weights vary by stratum.
    psu_of = rng.integers(0, PSUS, size=rows)
    psu_of.sort()
    stratum_of_psu = np.arange(PSUS) // (PSUS // STRATA)
    point_of_psu = rng.integers(0, len(points), size=PSUS)
    stratum_weight = rng.uniform(20, 200, size=STRATA)
    psu_quality = rng.normal(0, 0.6, size=PSUS)
    columns = [
        "id",
        "instrument_version_id",
        "service_point_id",
        "unit_id",
        "channel",
        "respondent_type",
        "answers",
        "scores",
        "content_hash",
        "received_at",
        "observed_on",
        "flags",
        "excluded",
        "stratum",
        "psu",
        "design_weight",
        "fpc",
        "sex",
        "age_group",
    ]
    now = datetime.now(UTC)
    start_day = date(2026, 1, 1)
    ages = ("18-34", "35-59", "60+")
    batch = 50_000
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY responses ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, rows, batch):
                size = min(batch, rows - start)
                psu = psu_of[start : start + size]
                latent = 3.9 + psu_quality[psu][:, None] + rng.normal(0, 1.0, size=(size, len(items)))
                values = np.clip(np.rint(latent), 1, 5).astype(np.uint8)
                values[rng.random(values.shape) < 0.04] = 255
                is_scale = np.array([c in numeric for c in items])
                values[:, ~is_scale] = 255
                days = rng.integers(0, 180, size=size)
                sexes = rng.integers(1, 3, size=size)
                age = rng.integers(0, 3, size=size)
                for r in range(size):
                    row = values[r]
                    p = int(psu[r])
                    point_id, unit_id = points[point_of_psu[p]]
                    answers = json.dumps({c: int(v) for c, v in zip(items, row.tolist(), strict=True) if v != 255})
                    stratum = int(stratum_of_psu[p])
                    copy.write_row(
                        (
                            uuid.uuid4(),
                            version_id,
                            point_id,
                            unit_id,
                            "import",
                            "person",
                            answers,
                            row.tobytes(),
                            "bench",
                            now,
                            start_day + timedelta(days=int(days[r])),
                            "[]",
                            False,
                            f"S{stratum:02d}",
                            f"P{p:04d}",
                            float(stratum_weight[stratum]),
                            500.0,
                            str(sexes[r]),
                            ages[age[r]],
                        )
                    )
        raw.commit()
    finally:
        raw.close()
    _vacuum(engine)


def sipas(session: Any) -> InstrumentVersion | None:
    """The latest published SIPAS version, if any."""
    found: InstrumentVersion | None = session.scalars(
        select(InstrumentVersion)
        .join(Instrument)
        .where(Instrument.code == "sipas", InstrumentVersion.published_at.is_not(None))
        .order_by(InstrumentVersion.version.desc())
    ).first()
    return found


def _vacuum(engine: Any) -> None:
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE responses")
    engine.dispose()


def add_response(url: str) -> None:
    """Store one more response (a copy of one with a new id), as a submission would between two requests."""
    columns = [c.name for c in Response.__table__.columns if c.name not in ("id", "arrival")]
    listed = ", ".join(columns)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO responses (id, {listed}) SELECT gen_random_uuid(), {listed} FROM responses LIMIT 1"
        )
    engine.dispose()
