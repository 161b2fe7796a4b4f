"""The analysts' exports of 1M SIPAS responses through the HTTP API (CSV and XLSX), against PostgreSQL's COPY.

    .venv/bin/python benchmarks/export_api.py [--rows 1000000] [--url postgresql+psycopg://…] [--repeat 3]
        [--formats csv,xlsx] [--naive] [--breakdown] [--keep FOLDER]

Loads N designed SIPAS responses into PostgreSQL with the loader of ``index_api.py`` (same data; the database,
by default ``survey_bench_export`` (``survey_bench_export_<N>`` for other sizes), is created when missing and
loaded once), then, best of ``--repeat`` runs, each against a fresh uvicorn process (so that its peak RSS is
the export's):
- ``GET /api/v1/exports/responses.csv`` and ``GET /api/v1/exports/responses.xlsx``, read to the end over HTTP
  and checked (CSV: one line per response; XLSX: the archive's CRCs and one row per response);
- the named baseline **COPY floor**: ``COPY (SELECT <the stored columns an export reads> … ORDER BY id) TO
  STDOUT WITH CSV`` through psycopg, read and discarded: PostgreSQL reading, sorting and printing the same
  rows with no application code at all, which an export through the app cannot beat;
- with ``--naive``, also the naive baseline: ``csv.writer`` over ORM rows (``Response`` objects, the answers
  JSON per row; no weight column), in this process, once;
- with ``--breakdown``, the peak RSS, each in a fresh process, of the export's weights step alone
  (``current_weights``) and of its rows streamed alone (the weights step skipped).
Prints time, size, server peak RSS (VmHWM) and the ratio to the COPY floor. Timings are for reading here, not
for tests.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import psycopg
from index_api import Server, load, token  # type: ignore[import-not-found]  # run as benchmarks/export_api.py
from sqlalchemy import make_url, select

from survey_api.db.engine import make_engine, make_sessionmaker
from survey_api.db.models import Response, User
from survey_api.instruments.service import document_of, load_official
from survey_api.settings import Settings

BASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# The stored columns an export reads: ids, places, days, design, cells, packed answers, non-numeric answers.
STORED = (
    "id, service_point_id, unit_id, channel, observed_on, received_at, stratum, psu, design_weight, fpc, sex, "
    "age_group, scores"
)


def _version_id(url: str) -> tuple[int, list[str], list[str]]:
    """The SIPAS version id, its item codes and its non-numeric item codes."""
    factory = make_sessionmaker(make_engine(url))
    with factory() as session:
        version = next(v for v in load_official(session) if v.instrument.code == "sipas")
        document = document_of(version)
        items = list(document.items_by_code())
        numeric = set(version.score_items)
        session.rollback()
        return version.id, items, [code for code in items if code not in numeric]


def copy_floor(url: str, version_id: int, text_items: list[str]) -> tuple[int, int]:
    """COPY of the stored columns, sorted by id, to nothing; (bytes, lines)."""
    texts = "".join(f", answers ->> '{code}'" for code in text_items)
    query = f"SELECT {STORED}{texts} FROM responses WHERE instrument_version_id = {version_id} ORDER BY id"
    size = lines = 0
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY ({query}) TO STDOUT WITH CSV") as copy:
            for block in copy:
                size += len(block)
                lines += bytes(block).count(b"\n")
    return size, lines


def naive(url: str, version_id: int, items: list[str]) -> tuple[int, int]:
    """csv.writer over ORM rows, as an export written without care would be; (bytes, lines)."""

    class Sink:
        size = 0

        def write(self, text: str) -> int:
            self.size += len(text.encode())
            return len(text)

    sink = Sink()
    writer = csv.writer(sink, lineterminator="\n")
    factory = make_sessionmaker(make_engine(url))
    lines = 0
    with factory() as session:
        query = (
            select(Response)
            .where(Response.instrument_version_id == version_id)
            .order_by(Response.id)
            .execution_options(yield_per=5000)
        )
        for response in session.scalars(query):
            answers = response.answers
            writer.writerow(
                [
                    response.id,
                    response.service_point_id,
                    response.unit_id,
                    response.channel,
                    response.observed_on,
                    response.received_at.isoformat(),
                    response.stratum,
                    response.psu,
                    response.design_weight,
                    response.fpc,
                    response.sex,
                    response.age_group,
                    *(answers.get(code) for code in items),
                ]
            )
            lines += 1
    return sink.size, lines


def _csv_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(2**24):
            count += block.count(b"\n")
    return count


def _xlsx_rows(path: Path) -> int:
    """Data rows over every ``responses*`` sheet, read through the archive (which checks each CRC)."""
    rows = 0
    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {link.get("Id"): link.get("Target", "") for link in links}
        for sheet in book.iter(f"{{{MAIN}}}sheet"):
            if not sheet.get("name", "").startswith("responses"):
                continue
            target = targets[sheet.get(f"{{{RELATIONSHIPS}}}id")].lstrip("/").removeprefix("xl/")
            with archive.open(f"xl/{target}") as handle:
                count = 0
                while block := handle.read(2**24):
                    count += block.count(b"<row")
                rows += count - 1  # the header row of each sheet
    return rows


def _download(server: Server, headers: dict[str, str], path: str, target: Path) -> int:
    with (
        httpx.Client(base_url=server.base, headers=headers, timeout=3600) as client,
        client.stream("GET", path, params={"instrument": "sipas"}) as reply,
        target.open("wb") as handle,
    ):
        reply.raise_for_status()
        for chunk in reply.iter_bytes():  # decoded: the server compresses (gzip) as a browser would get it
            handle.write(chunk)
    return target.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", help="default: survey_bench_export (survey_bench_export_<rows> for other sizes)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="csv,xlsx", help="which exports to time (csv, xlsx)")
    parser.add_argument("--naive", action="store_true", help="also time csv.writer over ORM rows (slow)")
    parser.add_argument("--keep", type=Path, help="a folder to keep the exported files in (default: deleted)")
    parser.add_argument(
        "--breakdown", action="store_true", help="also the peak RSS of the weights step and of the streaming alone"
    )
    args = parser.parse_args()
    name = "survey_bench_export" if args.rows == 1_000_000 else f"survey_bench_export_{args.rows}"
    url = args.url or BASE_URL + name
    started = time.perf_counter()
    load(url, args.rows)
    print(f"{args.rows:,} SIPAS responses ready in {time.perf_counter() - started:.1f} s ({make_url(url).database})")
    with tempfile.TemporaryDirectory(prefix="export_api-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(exist_ok=True)
        _measure(args, url, folder)


def _measure(args: argparse.Namespace, url: str, folder: Path) -> None:
    version_id, items, text_items = _version_id(url)
    headers = {"Authorization": f"Bearer {token(url)}"}

    floor_times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        floor_size, floor_lines = copy_floor(url, version_id, text_items)
        floor_times.append(time.perf_counter() - t0)
    floor = min(floor_times)
    print(
        f"baseline COPY floor (COPY (SELECT stored columns ORDER BY id) TO STDOUT WITH CSV, psycopg): best "
        f"{floor:.2f} s of {_list(floor_times)}; {floor_size / 2**20:.0f} MB, {floor_lines:,} lines"
    )
    if args.naive:
        t0 = time.perf_counter()
        naive_size, naive_lines = naive(url, version_id, items)
        naive_time = time.perf_counter() - t0
        print(
            f"baseline naive (csv.writer over ORM rows, in-process, 1 run): {naive_time:.1f} s; "
            f"{naive_size / 2**20:.0f} MB, {naive_lines:,} lines"
        )

    for kind in args.formats.split(","):
        target = folder / f"responses.{kind}"
        times, peaks = [], []
        size = 0
        for _ in range(args.repeat):
            server = Server(url)
            try:
                started_rss = server.peak_rss_mb()
                t0 = time.perf_counter()
                size = _download(server, headers, f"/api/v1/exports/responses.{kind}", target)
                times.append(time.perf_counter() - t0)
                peaks.append(server.peak_rss_mb())
            finally:
                server.stop()
        found = _csv_lines(target) - 1 if kind == "csv" else _xlsx_rows(target)
        if found != args.rows:
            raise SystemExit(f"{kind}: {found:,} rows exported, expected {args.rows:,}")
        best = min(times)
        print(
            f"API {kind.upper()} export: best {best:.2f} s of {_list(times)}; {size / 2**20:.0f} MB, "
            f"{found:,} rows checked; server peak RSS {_list(peaks, '.0f')} MB (started at {started_rss:.0f} MB); "
            f"ratio to the COPY floor {best / floor:.2f}x"
        )
    if args.breakdown:
        for step in ("weights", *args.formats.split(",")):
            print(f"peak RSS of {_STEPS[step]} in a fresh process: {_in_child(url, step)}")


_STEPS = {
    "weights": "the weights step alone (estimates.current.current_weights, as an export calls it)",
    "csv": "the CSV rows streamed alone (service.csv_rows, weights step skipped)",
    "xlsx": "the XLSX streamed alone (service.xlsx_file, weights step skipped)",
}


def _in_child(url: str, step: str) -> str:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_step, args=(url, step, results))
    child.start()
    result: str = results.get()
    child.join()
    return result


def _step(url: str, step: str, results: Any) -> None:
    """In a fresh process: VmHWM after start-up, then after ``step``."""
    from survey_api.estimates import current as estimates
    from survey_api.estimates.params import SelectionParams
    from survey_api.exports import service

    factory = make_sessionmaker(make_engine(url))
    viewer = User(username="bench", role="admin")
    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40)
    before = _hwm()
    t0 = time.perf_counter()
    with factory() as session:
        if step == "weights":
            estimates.current_weights(session, SelectionParams(instrument="sipas"), viewer=viewer, settings=settings)
        else:
            service.current_weights = lambda *args, **kwargs: None  # type: ignore[assignment]  # rows only
            export = service.responses(
                session, factory, SelectionParams(instrument="sipas"), viewer=viewer, settings=settings
            )
            for _ in service.csv_rows(export) if step == "csv" else service.xlsx_file(export):
                pass
        session.rollback()
    results.put(f"{_hwm() - before:.0f} MB over {before:.0f} MB at start ({time.perf_counter() - t0:.1f} s)")


def _hwm() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _list(values: list[float], spec: str = ".2f") -> str:
    return "[" + ", ".join(format(v, spec) for v in values) + "]"


if __name__ == "__main__":
    main()
