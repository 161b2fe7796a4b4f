"""Benchmark: the same raked estimate in ``sampling`` and in R's survey package, in one run.

Generated data (default 1M rows, 2,000 PSUs in 40 strata), raking on two margins, a proportion
(answers 4–5) overall and by 8 domains with Taylor SEs, timed twice on each side:

- in memory (data loading excluded): ``sampling`` in this process against R's ``svydesign`` … ``svyby``;
- whole processes on the same CSV file (reading included): ``survey estimate FILE.csv --by dom --overall
  --rake margins.json …`` against ``Rscript`` with ``read.csv`` and the same calls.

Prints the times, the ratios, the peak memory of each process (max RSS) and the largest relative
difference of the numbers (estimates and CI bounds) between the CLI's JSON and R.

    .venv/bin/python benchmarks/estimate_vs_r.py [--rows 1000000] [--psus 2000] [--strata 40] [--no-r]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sampling import by_domain, make_design, proportion, rake  # noqa: E402

REGION_SHARES = np.array([0.2, 0.15, 0.25, 0.1, 0.2, 0.1])
AGE_SHARES = np.array([0.3, 0.25, 0.2, 0.15, 0.1])

R_SCRIPT = r"""
suppressMessages(library(survey))
t_start <- proc.time()[["elapsed"]]
df <- read.csv("bench.csv")
pop <- read.csv("pop.csv")
pop_region <- data.frame(region=0:5, Freq=pop$region[1:6])
pop_age <- data.frame(age=0:4, Freq=pop$age[1:5])
invisible(gc(reset=TRUE))
t0 <- proc.time()[["elapsed"]]
d <- svydesign(id=~psu, strata=~stratum, weights=~w, data=df)
r <- rake(d, list(~region, ~age), list(pop_region, pop_age), control=list(epsilon=1e-11, maxit=100))
ra <- subset(r, !is.na(y))
p <- svyciprop(~I(y >= 4), ra, method="logit")
b <- svyby(~I(y >= 4), ~dom, ra, svyciprop, vartype=c("se", "ci"))
t1 <- proc.time()[["elapsed"]]
g <- gc()
cat("@@ time", t1 - t0, "\n")
cat("@@ read", t0 - t_start, "\n")
cat("@@ mem", sum(g[, ncol(g)]), "\n")
cat("@@ overall", sprintf("%.17g", c(coef(p), SE(p), attr(p, "ci"))), "\n")
cat("@@ by_est", sprintf("%.17g", coef(b)), "\n")
cat("@@ by_lo", sprintf("%.17g", b[["ci_l"]]), "\n")
cat("@@ by_hi", sprintf("%.17g", b[["ci_u"]]), "\n")
"""


def generate(rows: int, psus: int, strata: int, seed: int = 20261125) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    psu = np.sort(rng.integers(0, psus, rows))
    effect = rng.normal(0, 0.4, psus)[psu]
    y = np.clip(np.round(3.3 + effect + rng.normal(0, 1.1, rows)), 1, 5)
    y[rng.random(rows) < 0.05] = np.nan
    return {
        "psu": psu,
        "stratum": psu % strata,
        "w": np.round(rng.uniform(50, 150, rows), 4),
        "region": rng.integers(0, 6, rows),
        "age": rng.integers(0, 5, rows),
        "dom": rng.integers(0, 8, rows),
        "y": y,
    }


def margins(data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    total = round(float(data["w"].sum()) * 1.1)
    return np.round(REGION_SHARES * total, 2), np.round(AGE_SHARES * total, 2)


def run_ours(data: dict[str, np.ndarray]) -> tuple[float, float, np.ndarray, np.ndarray]:
    pop_region, pop_age = margins(data)
    tracemalloc.start()
    t0 = time.perf_counter()
    design = make_design(weights=data["w"], strata=data["stratum"], clusters=data["psu"])
    raked = rake(design, [data["region"], data["age"]], [dict(enumerate(pop_region)), dict(enumerate(pop_age))]).design
    overall = proportion(raked, data["y"], satisfied=[4, 5])
    by = by_domain(raked, data["y"], [data["dom"]], statistic="proportion", satisfied=[4, 5])
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    ov = np.array([overall.estimate, overall.se, overall.ci_low, overall.ci_high])
    return elapsed, peak, ov, np.array([[e.estimate, e.ci_low, e.ci_high] for e in by])


def write_inputs(data: dict[str, np.ndarray], work: Path) -> None:
    """The CSV both sides read, R's population file and the CLI's margins."""
    cols = ["psu", "stratum", "w", "region", "age", "dom", "y"]
    mat = np.column_stack([data[c] for c in cols])
    fmt = ["%d", "%d", "%.4f", "%d", "%d", "%d", "%.0f"]
    with open(work / "bench.csv", "w") as fh:
        fh.write(",".join(cols) + "\n")
        np.savetxt(fh, mat, fmt=fmt, delimiter=",")
    text = (work / "bench.csv").read_text().replace(",nan\n", ",NA\n")
    (work / "bench.csv").write_text(text)
    pop_region, pop_age = margins(data)
    with open(work / "pop.csv", "w") as fh:
        fh.write("region,age\n")
        for i in range(6):
            fh.write(f"{float(pop_region[i])!r},{float(pop_age[i]) if i < 5 else 0.0!r}\n")
    rake_json = {
        "region": {str(i): float(v) for i, v in enumerate(pop_region)},
        "age": {str(i): float(v) for i, v in enumerate(pop_age)},
    }
    (work / "margins.json").write_text(json.dumps(rake_json))
    (work / "bench.R").write_text(R_SCRIPT)


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall time, max RSS (MiB) and stdout of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{err[-2000:]}")
    rss = _child_max_rss(proc.pid)
    return elapsed, rss, out


def _child_max_rss(pid: int) -> float:
    # communicate() has reaped the child; RUSAGE_CHILDREN keeps the largest max RSS over them, so the caller
    # runs the smaller process first.
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_cli(work: Path) -> tuple[float, float, np.ndarray]:
    """``survey estimate`` as an analyst runs it; returns time, max RSS and the numbers."""
    exe = Path(sys.executable).with_name("survey")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "survey_api.cli"]
    cmd += CLI_ARGS + ["--format", "json"]
    elapsed, rss, out = timed(cmd, work)
    rows = json.loads(out)["estimates"]
    numbers = np.array([[r["estimate"], r["ci_low"], r["ci_high"]] for r in rows], dtype=float)
    return elapsed, rss, numbers


CLI_ARGS = [
    "estimate",
    "bench.csv",
    "--var",
    "y",
    "--satisfied",
    "4,5",
    "--by",
    "dom",
    "--overall",
    "--strata",
    "stratum",
    "--cluster",
    "psu",
    "--weight",
    "w",
    "--rake",
    "margins.json",
]


def run_r(work: Path) -> tuple[float, float, dict[str, np.ndarray]]:
    """The R script as one process; returns wall time, max RSS and its printed numbers."""
    elapsed, rss, stdout = timed(["Rscript", "bench.R"], work)
    out: dict[str, np.ndarray] = {}
    for line in stdout.splitlines():
        if line.startswith("@@ "):
            parts = line.split()
            out[parts[1]] = np.array([float(v) for v in parts[2:]])
    return elapsed, rss, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--psus", type=int, default=2000)
    ap.add_argument("--strata", type=int, default=40)
    ap.add_argument("--no-r", action="store_true", help="time our code only")
    args = ap.parse_args()
    data = generate(args.rows, args.psus, args.strata)
    ours_t, ours_mem, ov, by = run_ours(data)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"data: {args.rows:,} rows, {args.psus:,} PSUs, {args.strata} strata; rake on 2 margins; "
        "proportion overall and by 8 domains"
    )
    print(f"in memory  sampling: {ours_t:.3f} s, peak traced memory {ours_mem:.0f} MiB (max RSS {rss:.0f} MiB)")
    print(f"  overall p = {ov[0]:.8f}, SE {ov[1]:.8f}, CI [{ov[2]:.8f}, {ov[3]:.8f}]")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_inputs(data, work)
        del data
        size = (work / "bench.csv").stat().st_size / 2**20
        cli_t, cli_rss, cli_numbers = run_cli(work)
        print(
            f"process    survey estimate ({size:.0f} MiB CSV, reading included): {cli_t:.3f} s, "
            f"max RSS {cli_rss:.0f} MiB"
        )
        print("  command: survey " + " ".join(CLI_ARGS) + " --format json")
        if args.no_r or shutil.which("Rscript") is None:
            print("R side skipped" if args.no_r else "Rscript not found: R side skipped")
            return 0
        r_wall, r_rss, r = run_r(work)
    r_t = float(r["time"][0])
    print(f"in memory  R survey: {r_t:.3f} s, max memory used by R objects {float(r['mem'][0]):.0f} MiB")
    print(f"process    Rscript (read.csv {float(r['read'][0]):.1f} s): {r_wall:.3f} s, max RSS {r_rss:.0f} MiB")
    print(f"speed-up in memory: {r_t / ours_t:.1f}x; whole process: {r_wall / cli_t:.1f}x")
    theirs = np.concatenate([r["overall"][:4], np.column_stack([r["by_est"], r["by_lo"], r["by_hi"]]).ravel()])
    ours = np.concatenate([ov, by.ravel()])
    print(f"largest relative difference from R, in memory: {_largest_difference(ours, theirs):.2e}")
    theirs_cli = np.concatenate([r["overall"][[0, 2, 3]], theirs[4:]])
    print(f"largest relative difference from R, CLI JSON: {_largest_difference(cli_numbers.ravel(), theirs_cli):.2e}")
    return 0


def _largest_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    ok = np.isfinite(theirs)
    return float(np.max(np.abs(ours[ok] - theirs[ok]) / np.abs(theirs[ok])))


if __name__ == "__main__":
    raise SystemExit(main())
