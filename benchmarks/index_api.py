"""The weighted SIPAS index over 1M designed responses through the HTTP API, against `survey estimate`.

    .venv/bin/python benchmarks/index_api.py [--rows 1000000] [--url postgresql+psycopg://…/survey_bench_api]

Loads N synthetic SIPAS responses with design columns (40 strata, 2,000 PSUs nested in them, design weights,
fpc, sex and age group; PSUs spread over the 8 demo districts) into PostgreSQL with COPY (the database is
created when missing), VACUUM ANALYZE, then starts the real app with uvicorn in a subprocess and over HTTP:
- times `GET /api/v1/indices?instrument=sipas&weighted=true&by=unit` (every level, SEs, CIs, and the
  breakdown by unit): the first call, warm (best of 3: the responses read and summarised stay in memory while
  the instrument gets no new response), and right after one new response is stored (read again);
- exports `GET /api/v1/exports/responses.csv` to a file (fresh server process; its peak RSS is reported);
- times the named baseline `survey estimate` on the exported CSV for the same estimate (% satisfied of one
  item, overall and by unit, same design) and checks that the numbers agree with the API's.
Timings are for reading here, not for tests.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import func, make_url, select, text

from survey_api import migrations
from survey_api.auth.service import create_user, issue_token
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import Response, ServicePoint
from survey_api.demo import load_demo
from survey_api.instruments.service import document_of, load_official

DISTRICT_POINTS = "-mot-cua"
STRATA, PSUS = 40, 2000
ITEM = "I.A.1"


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
        load_demo(session, responses_per_point=0)
        version = next(v for v in load_official(session) if v.instrument.code == "sipas")
        version_id, items = version.id, list(version.score_items)
        document = document_of(version)
        existing = session.scalar(select(func.count()).where(Response.instrument_version_id == version_id)) or 0
        points = session.execute(
            select(ServicePoint.id, ServicePoint.unit_id).where(ServicePoint.code.like(f"%{DISTRICT_POINTS}"))
        ).all()
    if existing >= rows:
        # The data is reused, but a migration may have rebuilt the covering index: VACUUM (cheap when nothing
        # changed) keeps the visibility map current so that the index-only scan needs no heap fetches.
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


def _vacuum(engine: Any) -> None:
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE responses")
    engine.dispose()


def add_response(url: str) -> None:
    """Store one more response (a copy of one with a new id), as a submission would between two requests."""
    columns = [c.name for c in Response.__table__.columns if c.name != "id"]
    listed = ", ".join(columns)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO responses (id, {listed}) SELECT gen_random_uuid(), {listed} FROM responses LIMIT 1"
        )
    engine.dispose()


def token(url: str) -> str:
    factory = make_sessionmaker(make_engine(url))
    with transaction(factory) as session:
        user = create_user(session, username=f"bench-{uuid.uuid4().hex[:6]}", role="analyst")
        return issue_token(session, user, name="bench")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``uvicorn survey_api.app:create_app`` in a subprocess (real HTTP on a local port)."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        env = {**os.environ, "SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": "bench-" + "x" * 40}
        command = [sys.executable, "-m", "uvicorn", "--factory", "survey_api.app:create_app"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port), "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                httpx.get(self.base + "/healthz", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)


def best_of(count: int, action: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(count):
        t0 = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/survey_bench_api")
    args = parser.parse_args()
    started = time.perf_counter()
    load(args.url, args.rows)
    print(
        f"loaded {args.rows:,} SIPAS responses ({STRATA} strata, {PSUS} PSUs) in {time.perf_counter() - started:.1f} s"
    )
    headers = {"Authorization": f"Bearer {token(args.url)}"}
    params = {"instrument": "sipas", "weighted": "true", "by": "unit"}

    server = Server(args.url)
    try:
        with httpx.Client(base_url=server.base, headers=headers, timeout=600) as client:

            def index() -> dict[str, Any]:
                reply = client.get("/api/v1/indices", params=params)
                reply.raise_for_status()
                body: dict[str, Any] = reply.json()
                return body

            cold, _ = best_of(1, index)
            api_time, body = best_of(3, index)
            add_response(args.url)
            fresh, body = best_of(1, index)
        index_peak = server.peak_rss_mb()
    finally:
        server.stop()
    print(
        f"API weighted index + CIs + by=unit: first call {cold:.3f} s, warm best of 3 {api_time:.3f} s, "
        f"right after a new response (responses read again) {fresh:.3f} s; server peak RSS {index_peak:.0f} MB"
    )

    export_path = Path(tempfile.mkdtemp()) / "responses.csv"
    server = Server(args.url)
    try:
        t0 = time.perf_counter()
        with (
            httpx.Client(base_url=server.base, headers=headers, timeout=3600) as client,
            client.stream("GET", "/api/v1/exports/responses.csv", params={"instrument": "sipas"}) as reply,
            export_path.open("wb") as fh,
        ):
            reply.raise_for_status()
            for chunk in reply.iter_bytes():
                fh.write(chunk)
        export_time = time.perf_counter() - t0
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    size_mb = export_path.stat().st_size / 2**20
    print(f"CSV export: {export_time:.1f} s, {size_mb:.0f} MB, server peak RSS {peak:.0f} MB")

    survey = Path(sys.executable).with_name("survey")
    design = ["--strata", "stratum", "--cluster", "psu", "--nest", "--weight", "weight", "--fpc", "fpc"]
    command = [str(survey), "estimate", str(export_path), "--var", ITEM, "--satisfied", "4,5", *design]

    def cli(*extra: str) -> list[dict[str, Any]]:
        out = subprocess.run([*command, *extra, "--format", "json"], check=True, capture_output=True, text=True)
        estimates: list[dict[str, Any]] = json.loads(out.stdout)["estimates"]
        return estimates

    cli_time, cli_by = best_of(1, lambda: cli("--by", "unit"))
    cli_overall = cli()
    print(f"baseline `survey estimate` ({ITEM} by unit) on the exported CSV: {cli_time:.3f} s")
    print(f"ratio survey estimate / API: {cli_time / api_time:.1f}x")

    worst = 0.0
    api_item = next(x for x in body["items"] if x["code"] == ITEM)
    pairs = [(api_item, cli_overall[0])]
    api_units = {b["group"]["unit"]: next(x for x in b["items"] if x["code"] == ITEM) for b in body["breakdown"]}
    for estimate in cli_by:
        pairs.append((api_units[estimate["group"]["unit"]], estimate))
    for ours, theirs in pairs:
        for a, b in ((ours["satisfied"], theirs["estimate"]), (ours["satisfied_se"], theirs["se"])):
            worst = max(worst, abs(a - b) / max(abs(b), 1e-300))
    print(f"largest relative difference API vs survey estimate ({len(pairs)} estimates, value and SE): {worst:.2e}")
    units = sorted(api_units)
    print(f"overall {ITEM} satisfied {api_item['satisfied']:.4f} (SE {api_item['satisfied_se']:.5f}); units {units}")
    if worst > 1e-9:
        raise SystemExit("the numbers disagree")


if __name__ == "__main__":
    main()
