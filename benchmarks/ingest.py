"""Sustained intake under a crowd: acknowledged submissions per second, latency, errors, stored = acknowledged.

Starts the real server (`survey serve`, on SQLite or PostgreSQL, with N workers) on a fresh database with the
official instruments, then runs C concurrent clients for S seconds; each posts complete SIPAS questionnaires to
`POST /api/v1/responses` with a volunteer's token, one at a time on a kept-alive connection, and retries an
unanswered one with the same id until it is acknowledged. Afterwards every acknowledged id must be stored
exactly once. With `--kill` the server gets SIGKILL halfway and is started again; with `--restart-db`
PostgreSQL is restarted halfway.

Named baselines, measured in the same run at the same concurrency: `GET /healthz` on the same server (the
HTTP ceiling of the stack), and on PostgreSQL pgbench committing one-row inserts (the database's ceiling).

    .venv/bin/python benchmarks/ingest.py                                  # SQLite, 1 worker, 64 clients
    .venv/bin/python benchmarks/ingest.py --db postgresql --workers 2 --clients 200
    .venv/bin/python benchmarks/ingest.py --kill                           # SIGKILL mid-run
    .venv/bin/python benchmarks/ingest.py --db postgresql --workers 2 --clients 200 --restart-db
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ingest_load import Tally, load

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--kill", action="store_true", help="SIGKILL the server halfway and start it again")
    parser.add_argument("--restart-db", action="store_true", help="restart PostgreSQL halfway")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--skip-baselines", action="store_true")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ingest-"))
    url = _database(args.db, workdir)
    port = args.port or _free_port()
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": url,
        "SURVEY_SECRET_KEY": "bench-" + "k" * 40,
        "SURVEY_ENVIRONMENT": "development",
        "SURVEY_ESTIMATE_CACHE_MB": "0",
    }
    _run([BIN / "survey", "db", "upgrade"], env)
    token, version, point = _prepare(env)
    body_template = _answers_body(env, version, point)
    server = _start(env, port, args.workers)
    try:
        baseline = None if args.skip_baselines else asyncio.run(load(port, args.clients, 5.0, None, None))
        tally = Tally()
        disruption = _disruption(args, env, port, server)
        cpu_before = _cpu_seconds(server.pid)
        started = time.perf_counter()
        asyncio.run(load(port, args.clients, args.seconds, (token, body_template), tally, disruption))
        elapsed = time.perf_counter() - started
        tally.server_cpu = _cpu_seconds(server.pid) - cpu_before if disruption is None else None
        server = disruption.server if disruption else server
        stored = _stored(env, tally.sent)
        _stop(server)
        pgbench = _pgbench(args.clients) if args.db == "postgresql" and not args.skip_baselines else None
    finally:
        _stop(server)
        if args.db == "postgresql":
            _drop_pg(url)
        shutil.rmtree(workdir, ignore_errors=True)
    _report(args, tally, elapsed, stored, baseline, pgbench)
    ok = stored == len(tally.acknowledged) and not tally.errors
    return 0 if ok else 1


def _database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'ingest.db'}"
    name = f"survey_bench_ingest_{os.getpid()}"
    _psql(f'DROP DATABASE IF EXISTS "{name}"')
    _psql(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop_pg(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


def _run(cmd: list[object], env: dict[str, str]) -> str:
    done = subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{done.stderr}")
    return done.stdout


def _prepare(env: dict[str, str]) -> tuple[str, int, str]:
    """Official instruments, one service point, and a volunteer's token."""
    script = """
import sys
from datetime import date
from survey_api.auth.service import create_user, issue_token
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import OrgUnit, ServicePoint
from survey_api.instruments.service import load_official
from survey_api.settings import get_settings
with transaction(make_sessionmaker(make_engine(get_settings().database_url))) as session:
    versions = {v.instrument.code: v.id for v in load_official(session)}
    unit = OrgUnit(code="bench", name="Bench", kind="district", valid_from=date(2020, 1, 1))
    session.add(unit)
    session.flush()
    session.add(ServicePoint(code="bench-desk", name="Bench desk", unit_id=unit.id, kind="one_stop_counter"))
    user = create_user(session, username="bench-volunteer", role="volunteer", unit_id=unit.id)
    print(issue_token(session, user, name="bench"), versions["sipas"])
"""
    token, version = _run([BIN / "python", "-c", script], env).split()
    return token, int(version), "bench-desk"


def _answers_body(env: dict[str, str], version: int, point: str) -> bytes:
    """A complete SIPAS response with ``{ID}`` where each request puts its own id."""
    script = f"""
import json
from survey_api.db.engine import make_engine, make_sessionmaker, transaction
from survey_api.db.models import InstrumentVersion
from survey_api.instruments.service import document_of
from survey_api.settings import get_settings
with transaction(make_sessionmaker(make_engine(get_settings().database_url))) as session:
    document = document_of(session.get(InstrumentVersion, {version}))
    answers = {{}}
    for item in document.items_by_code().values():
        if item.type == "scale_1_5":
            answers[item.code] = 4
        elif item.type == "score_0_100":
            answers[item.code] = 80
        elif item.type == "single_choice":
            answers[item.code] = document.options_of(item)[0].value
        elif item.type == "multiple_choice":
            answers[item.code] = [document.options_of(item)[0].value]
        elif item.required:
            answers[item.code] = "ok"
    print(json.dumps(answers))
"""
    answers = json.loads(_run([BIN / "python", "-c", script], env))
    body = {"id": "{ID}", "instrument_version": version, "service_point": point, "answers": answers}
    return json.dumps(body).encode()


def _start(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [str(BIN / "survey"), "serve", "--port", str(port), "--workers", str(workers)]
    log = open(os.environ.get("INGEST_SERVER_LOG", os.devnull), "ab")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (the server's workers)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    total = 0.0
    for each in [str(pid), *found]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


@dataclass
class Disruption:
    at: float
    action: str
    env: dict[str, str]
    port: int
    workers: int
    server: subprocess.Popen[bytes]

    async def run(self) -> None:
        await asyncio.sleep(self.at)
        if self.action == "kill":
            _kill_children(self.server.pid)
            self.server.kill()
            self.server.wait()
            self.server = await asyncio.to_thread(_start, self.env, self.port, self.workers)
        else:
            await asyncio.to_thread(_restart_postgresql)


def _kill_children(pid: int) -> None:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for child in found:
        try:
            os.kill(int(child), signal.SIGKILL)
        except ProcessLookupError:
            pass


def _restart_postgresql() -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True)


def _disruption(
    args: argparse.Namespace, env: dict[str, str], port: int, server: subprocess.Popen[bytes]
) -> Disruption | None:
    if args.kill:
        return Disruption(args.seconds / 2, "kill", env, port, args.workers, server)
    if args.restart_db:
        return Disruption(args.seconds / 2, "restart-db", env, port, args.workers, server)
    return None


def _stored(env: dict[str, str], ids: set[str]) -> int:
    script = """
import sys, uuid
from sqlalchemy import func, select
from survey_api.db.engine import make_engine
from survey_api.db.models import Response
from survey_api.settings import get_settings
ids = [uuid.UUID(line) for line in sys.stdin.read().split()]
engine = make_engine(get_settings().database_url)
total = 0
with engine.connect() as conn:
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        total += conn.scalar(select(func.count()).select_from(Response).where(Response.id.in_(chunk)))
print(total)
"""
    done = subprocess.run(
        [str(BIN / "python"), "-c", script], env=env, input="\n".join(ids), capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def _pgbench(clients: int) -> float | None:
    """Commits per second of one-row inserts by pgbench at the same concurrency (the database's ceiling)."""
    if shutil.which("pgbench") is None:
        return None
    name = f"survey_bench_pgbench_{os.getpid()}"
    _psql(f'DROP DATABASE IF EXISTS "{name}"')
    _psql(f'CREATE DATABASE "{name}"')
    try:
        conn = ["-h", "127.0.0.1", "-U", "postgres", name]
        subprocess.run(["psql", *conn, "-qc", "CREATE TABLE t (id uuid PRIMARY KEY, body jsonb)"], check=True)
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
            script.write("INSERT INTO t VALUES (gen_random_uuid(), '{\"a\": 1}');\n")
        done = subprocess.run(
            ["pgbench", "-n", "-c", str(min(clients, 80)), "-j", "2", "-T", "10", "-f", script.name, *conn],
            capture_output=True,
            text=True,
        )
        os.unlink(script.name)
        if done.returncode != 0:
            print(f"pgbench failed: {done.stderr.strip()[-300:]}", file=sys.stderr)
            return None
        for line in done.stdout.splitlines():
            if line.startswith("tps ="):
                return float(line.split()[2])
        return None
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _report(
    args: argparse.Namespace,
    tally: Tally,
    elapsed: float,
    stored: int,
    baseline: float | None,
    pgbench: float | None,
) -> None:
    rate = len(tally.acknowledged) / elapsed
    lat = np.array(tally.latencies) * 1000 if tally.latencies else np.array([np.nan])
    what = f"{args.db}, {args.workers} worker(s), {args.clients} clients, {args.seconds:.0f} s"
    if args.kill:
        what += ", server SIGKILLed halfway"
    if args.restart_db:
        what += ", PostgreSQL restarted halfway"
    print(f"ingest: {what}")
    print(f"  acknowledged submissions/s : {rate:8.1f}  ({len(tally.acknowledged)} in {elapsed:.1f} s)")
    print(
        f"  latency ms                 : p50 {np.percentile(lat, 50):.0f}  p99 {np.percentile(lat, 99):.0f}"
        f"  max {lat.max():.0f}"
    )
    if tally.server_cpu is not None and tally.acknowledged:
        per = 1000 * tally.server_cpu / len(tally.acknowledged)
        print(f"  server CPU per submission  : {per:8.2f} ms  (all server processes, user + system)")
    errors = tally.errors or "none"
    print(f"  errors                     : {errors} (retries after a broken connection: {tally.retries})")
    lost = len(tally.acknowledged) - stored if stored <= len(tally.acknowledged) else 0
    extra = stored - len(tally.acknowledged) if stored > len(tally.acknowledged) else 0
    acknowledged = len(tally.acknowledged)
    print(f"  stored / acknowledged      : {stored} / {acknowledged}  (lost {lost}, unacknowledged stored {extra})")
    if baseline:
        print(f"  baseline GET /healthz/s    : {baseline:8.1f}  (submissions at {rate / baseline:.2f}x of it)")
    if pgbench:
        print(f"  baseline pgbench commits/s : {pgbench:8.1f}  (submissions at {rate / pgbench:.2f}x of it)")
    sys.stdout.flush()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    raise SystemExit(main())
