"""How fast is the unweighted index over many responses? Packed scores vs the JSON answers baseline.

    .venv/bin/python benchmarks/index_read.py [--rows 1000000] [--url sqlite:////tmp/bench.db]

Loads N synthetic SIPAS responses (39 index items + the other numeric items) straight into the database, then
times two ways of computing every level of the index for all of them, in the same run:
- baseline "json": read each response's `answers` JSON and count in Python (what a naive design would do);
- ours "packed": `survey_api.estimates.service.indices`, which reads the one-byte-per-item `scores` column.
Prints both times and the ratio. Timings are for reading here, not for tests.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import insert, select

from survey_api import migrations
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import OrgUnit, Response, User
from survey_api.estimates.params import IndexParams
from survey_api.estimates.service import indices
from survey_api.instruments.service import document_of, load_official


def load(url: str, rows: int, seed: int = 7) -> int:
    migrations.upgrade(url)
    factory = make_sessionmaker(make_engine(url))
    with transaction(factory) as session:
        version = next(v for v in load_official(session) if v.instrument.code == "sipas")
        existing = session.query(Response).filter_by(instrument_version_id=version.id).count()
        if existing >= rows:
            return version.id
        items = version.score_items
        document = document_of(version)
        scale = {c for c, i in document.items_by_code().items() if i.type == "scale_1_5"}
        rng = np.random.default_rng(seed)
        now = datetime.now(UTC)
        unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "bench-unit"))
        if unit_id is None:  # every response belongs to a unit
            unit = OrgUnit(code="bench-unit", name="Bench unit", kind="district", valid_from=date(2004, 1, 1))
            session.add(unit)
            session.flush()
            unit_id = unit.id
        batch = 20_000
        for start in range(existing, rows, batch):
            size = min(batch, rows - start)
            values = rng.integers(1, 6, size=(size, len(items)), dtype=np.uint8)
            values[rng.random(values.shape) < 0.05] = 255
            records = []
            for row in values:
                answers = {c: int(v) for c, v in zip(items, row, strict=True) if v != 255 and c in scale}
                packed = bytes(v if c in scale else 255 for c, v in zip(items, row, strict=True))
                records.append(
                    {
                        "id": uuid.uuid4(),
                        "instrument_version_id": version.id,
                        "unit_id": unit_id,
                        "channel": "import",
                        "respondent_type": "person",
                        "answers": answers,
                        "scores": packed,
                        "content_hash": "bench",
                        "received_at": now,
                        "observed_on": date(2026, 1, 1),
                        "flags": [],
                        "excluded": False,
                    }
                )
            session.execute(insert(Response), records)
            session.commit()
    if url.startswith("postgresql"):
        # As autovacuum would: statistics and the visibility map that index-only scans need.
        with make_engine(url).execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE responses")
    return version.id


def json_baseline(url: str, version_id: int, satisfied: set[int]) -> float:
    factory = make_sessionmaker(make_engine(url))
    with transaction(factory) as session:
        counts: dict[str, list[int]] = {}
        for answers in session.scalars(select(Response.answers).where(Response.instrument_version_id == version_id)):
            if isinstance(answers, str):
                answers = json.loads(answers)
            for code, value in answers.items():
                c = counts.setdefault(code, [0, 0])
                c[0] += 1
                c[1] += value in satisfied
        return sum(s / n for n, s in counts.values()) / len(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--url", default="sqlite:////tmp/survey-bench.db")
    args = parser.parse_args()
    started = time.perf_counter()
    version_id = load(args.url, args.rows)
    print(f"loaded {args.rows:,} responses in {time.perf_counter() - started:.1f} s ({args.url})")

    factory = make_sessionmaker(make_engine(args.url))
    viewer = User(username="bench", display_name="bench", role="analyst")
    timings = {}
    for name in ("packed", "json"):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            if name == "packed":
                with transaction(factory) as session:
                    result = indices(session, IndexParams(instrument="sipas"), viewer=viewer)
                    overall = result.overall.satisfied
            else:
                overall = json_baseline(args.url, version_id, {4, 5})
            best = min(best, time.perf_counter() - t0)
        timings[name] = best
        print(f"{name:>7}: {best:8.3f} s   overall satisfied {overall:.4f}")
    print(f"ratio json/packed: {timings['json'] / timings['packed']:.1f}x faster")


if __name__ == "__main__":
    main()
