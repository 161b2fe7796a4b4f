"""The weighted SIPAS index over 1M designed responses through the real server over HTTP, warm and while answers
keep arriving, the yearly report and ranking, against named baselines measured in the same run.

    .venv/bin/python benchmarks/index_api.py [--rows 1000000] [--url postgresql+psycopg://…/survey_bench_api]
        [--seconds 30] [--every 0.5] [--no-cli]

Loads N synthetic SIPAS responses with design columns (40 strata, 2,000 PSUs nested in them, design weights,
fpc, sex and age group; PSUs spread over the 8 demo districts) into PostgreSQL with COPY (the database is
created when missing), VACUUM ANALYZE, then starts the real server (`survey serve`) in a subprocess and over
HTTP:
- baseline `GET /healthz` (the HTTP stack alone), median of 50 calls;
- `GET /api/v1/indices?instrument=sipas&weighted=true&by=unit` (every level, SEs, CIs, the breakdown by unit):
  the first call, warm (median and best of 5), and right after one new response is stored;
- the CSV export and the baseline `survey estimate` on it for the same estimate, whose numbers must agree
  (skipped with `--no-cli`);
- on a fresh server: the same index requested again and again for `--seconds` while a background client posts
  a tablet answer (`POST /api/v1/responses`, a volunteer's token) every `--every` seconds: median and 95th
  percentile of the index requests; then, with no answer arriving, the index of the warm server must equal
  the one a new server computes from scratch (every number, and the weighting run);
- the staff dashboard (`GET /staff/results?instrument=sipas&period=2026`, and `period=2026-Q2`, whose trend
  and previous period hold answers too) for an analyst signed in through the staff form: first call and warm
  (median of 3), then the year's again and again for `--seconds` while answers arrive;
- the yearly report `GET /api/v1/reports?instrument=sipas&period=2026&format=xlsx` and the ranking
  `GET /api/v1/rankings?instrument=sipas&from=2026-01-01&to=2026-12-31`: first call and warm (best of 3).
Timings are for reading here, not for tests. Each run adds the responses it stores.
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
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from index_data import PSUS, STRATA, add_response, load
from tablet import Arrivals

from survey_api.auth.service import create_user, issue_token
from survey_api.db.engine import make_engine, make_sessionmaker, transaction

# export_api.py loads the same data and starts the same server.
__all__ = ["Server", "load", "main", "token"]
ITEM = "I.A.1"
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-mat-khau-123"


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
    """``survey serve`` in a subprocess (real HTTP on a local port)."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        env = {**os.environ, "SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": "bench-" + "x" * 40}
        # The code of this checkout, whichever one the environment's editable install points at.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
        command = [str(Path(sys.executable).with_name("survey")), "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                httpx.get(self.base + "/healthz", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("the server did not start")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """CPU seconds (user + system) the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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


def timings(count: int, action: Any) -> list[float]:
    out = []
    for _ in range(count):
        t0 = time.perf_counter()
        action()
        out.append(time.perf_counter() - t0)
    return out


def _ms(values: list[float], q: float) -> str:
    return f"{1000 * float(np.percentile(values, q)):.0f} ms"


def fetch(client: httpx.Client, path: str, params: dict[str, str]) -> Any:
    reply = client.get(path, params=params)
    reply.raise_for_status()
    return reply.json() if reply.headers["content-type"].startswith("application/json") else reply.content


INDEX = {"instrument": "sipas", "weighted": "true", "by": "unit"}
REPORT = {"instrument": "sipas", "period": "2026", "format": "xlsx"}
RANKING = {"instrument": "sipas", "from": "2026-01-01", "to": "2026-12-31"}
# The staff dashboard: the year, and a quarter whose trend and previous period hold answers too.
DASHBOARDS = {
    "2026": {"instrument": "sipas", "period": "2026"},
    "2026-Q2": {"instrument": "sipas", "period": "2026-Q2"},
}


def analyst(url: str) -> str:
    """A new analyst account (signs in through the staff form with ``PASSWORD``)."""
    factory = make_sessionmaker(make_engine(url))
    with transaction(factory) as session:
        user = create_user(session, username=f"bench-a-{uuid.uuid4().hex[:6]}", role="analyst", password=PASSWORD)
        return user.username


def sign_in(staff: httpx.Client, username: str) -> None:
    """Sign ``staff`` in through the staff sign-in form; the client keeps the session cookie."""
    reply = staff.post("/staff/", data={"username": username, "password": PASSWORD})
    if reply.status_code != 303:
        raise SystemExit(f"the staff sign-in failed: {reply.status_code} {reply.text[:300]}")


def dashboard(client: httpx.Client, params: dict[str, str]) -> str:
    reply = client.get("/staff/results", params=params)
    reply.raise_for_status()
    if 'id="overall"' not in reply.text:
        raise SystemExit("the dashboard shows no index")
    return reply.text


def dashboards_warm(server: Server, staff: httpx.Client, names: tuple[str, ...]) -> None:
    """These dashboards: first call and warm (median and best of 3, and the server's CPU per request)."""
    for name in names:
        params = DASHBOARDS[name]
        first, _ = best_of(1, lambda q=params: dashboard(staff, q))
        cpu = server.cpu_seconds()
        warm = timings(3, lambda q=params: dashboard(staff, q))
        cpu = (server.cpu_seconds() - cpu) / len(warm)
        print(
            f"staff dashboard {name}: first call {first:.3f} s, warm median {_ms(warm, 50)} (best {min(warm):.3f} s; "
            f"server CPU {cpu:.3f} s per request)"
        )


def first_and_warm(url: str, headers: dict[str, str]) -> dict[str, Any]:
    """Baseline, then the index: first call, warm, right after one new response; its last answer."""
    server = Server(url)
    try:
        with httpx.Client(base_url=server.base, headers=headers, timeout=600) as client:
            health = timings(50, lambda: client.get("/healthz").raise_for_status())
            print(f"baseline GET /healthz: median {_ms(health, 50)}")
            cold, _ = best_of(1, lambda: fetch(client, "/api/v1/indices", INDEX))
            cpu = server.cpu_seconds()
            warm = timings(5, lambda: fetch(client, "/api/v1/indices", INDEX))
            cpu = (server.cpu_seconds() - cpu) / len(warm)
            add_response(url)
            fresh, body = best_of(1, lambda: fetch(client, "/api/v1/indices", INDEX))
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    print(
        f"weighted index + CIs + by=unit: first call {cold:.3f} s, warm median {_ms(warm, 50)} (best "
        f"{min(warm):.3f} s; server CPU {cpu:.3f} s per request), right after a new response {fresh:.3f} s; "
        f"server peak RSS {peak:.0f} MB"
    )
    result: dict[str, Any] = body
    return result


def arriving(server: Server, url: str, seconds: float, every: float, name: str, action: Any) -> None:
    """``action`` again and again for ``seconds`` while a tablet answer arrives every ``every`` s."""
    arrivals = Arrivals(server.base, url, every)
    arrivals.start()
    times: list[float] = []
    cpu = server.cpu_seconds()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        times += timings(1, action)
    arrivals.stop.set()
    arrivals.join()
    cpu = server.cpu_seconds() - cpu
    if arrivals.refused:
        raise SystemExit(f"an answer was refused: {arrivals.refused}")
    print(
        f"{name} while a tablet answer arrives every {every:g} s ({arrivals.stored} answers in "
        f"{seconds:g} s): {len(times)} requests, median {_ms(times, 50)}, p95 {_ms(times, 95)}, "
        f"max {_ms(times, 100)}; server CPU {cpu / len(times):.3f} s per request (answers included)"
    )


def while_arriving(url: str, headers: dict[str, str], seconds: float, every: float) -> None:
    """The index and the staff dashboard while answers arrive, then the same numbers as a new server's; the
    report and ranking."""
    server = Server(url)
    try:
        with (
            httpx.Client(base_url=server.base, headers=headers, timeout=600) as client,
            httpx.Client(base_url=server.base, timeout=600, headers={"Origin": server.base}) as staff,
        ):
            sign_in(staff, analyst(url))
            fetch(client, "/api/v1/indices", INDEX)
            arriving(server, url, seconds, every, "weighted index", lambda: fetch(client, "/api/v1/indices", INDEX))
            dashboards_warm(server, staff, ("2026",))
            year = DASHBOARDS["2026"]
            arriving(server, url, seconds, every, "staff dashboard 2026", lambda: dashboard(staff, year))
            kept = fetch(client, "/api/v1/indices", INDEX)
            for name, path, params in (
                ("yearly report (xlsx)", "/api/v1/reports", REPORT),
                ("ranking (year)", "/api/v1/rankings", RANKING),
            ):
                first, _ = best_of(1, lambda p=path, q=params: fetch(client, p, q))
                again, _ = best_of(3, lambda p=path, q=params: fetch(client, p, q))
                print(f"{name}: first call {first:.3f} s, warm best of 3 {again:.3f} s")
            # Last: its periods' rows take room in the cache that the year's would need.
            dashboards_warm(server, staff, ("2026-Q2",))
    finally:
        server.stop()
    server = Server(url)
    try:
        with httpx.Client(base_url=server.base, headers=headers, timeout=600) as client:
            scratch = fetch(client, "/api/v1/indices", INDEX)
    finally:
        server.stop()
    same = "identical to" if kept == scratch else "DIFFERENT FROM"
    print(f"the warm server's index after the arrivals is {same} a new server's ({kept['responses']:,} responses)")
    if kept != scratch:
        raise SystemExit("the index kept up to date differs from one computed from scratch")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/survey_bench_api")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long answers arrive")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between two arriving answers")
    parser.add_argument("--no-cli", action="store_true", help="skip the export and `survey estimate`")
    args = parser.parse_args()
    started = time.perf_counter()
    load(args.url, args.rows)
    print(
        f"loaded {args.rows:,} SIPAS responses ({STRATA} strata, {PSUS} PSUs) in {time.perf_counter() - started:.1f} s"
    )
    headers = {"Authorization": f"Bearer {token(args.url)}"}
    body = first_and_warm(args.url, headers)
    if not args.no_cli:
        against_cli(args.url, headers, body)
    while_arriving(args.url, headers, args.seconds, args.every)


def against_cli(url: str, headers: dict[str, str], body: dict[str, Any]) -> None:
    """The CSV export, and `survey estimate` on it: time, and the largest difference from the API's numbers."""
    export_path = Path(tempfile.mkdtemp()) / "responses.csv"
    server = Server(url)
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
    if worst > 1e-9:
        raise SystemExit("the numbers disagree")


if __name__ == "__main__":
    main()
