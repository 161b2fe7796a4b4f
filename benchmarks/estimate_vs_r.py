"""Benchmark: the same raked estimate in ``sampling`` and in R's survey package, in one run.

Generated data (default 1M rows, 2,000 PSUs in 40 strata), raking on two margins, a proportion
(answers 4–5) overall and by 8 domains with Taylor SEs. Prints both times (data loading excluded on both
sides), the ratio, the peak memory of each side and the largest relative difference of the numbers.

    .venv/bin/python benchmarks/estimate_vs_r.py [--rows 1000000] [--psus 2000] [--strata 40] [--no-r]
"""

from __future__ import annotations

import argparse
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


def run_r(data: dict[str, np.ndarray], work: Path) -> dict[str, np.ndarray]:
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
    (work / "bench.R").write_text(R_SCRIPT)
    proc = subprocess.run(["Rscript", "bench.R"], cwd=work, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"R failed:\n{proc.stderr[-2000:]}")
    out: dict[str, np.ndarray] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("@@ "):
            parts = line.split()
            out[parts[1]] = np.array([float(v) for v in parts[2:]])
    return out


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
    print(f"sampling: {ours_t:.3f} s, peak traced memory {ours_mem:.0f} MiB (process max RSS {rss:.0f} MiB)")
    print(f"  overall p = {ov[0]:.8f}, SE {ov[1]:.8f}, CI [{ov[2]:.8f}, {ov[3]:.8f}]")
    if args.no_r:
        return 0
    if shutil.which("Rscript") is None:
        print("Rscript not found: R side skipped")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        r = run_r(data, Path(tmp))
    r_t = float(r["time"][0])
    print(f"R survey: {r_t:.3f} s, max memory used by R objects {float(r['mem'][0]):.0f} MiB")
    print(f"speed-up: {r_t / ours_t:.1f}x")
    theirs = np.concatenate([r["overall"][:4], np.column_stack([r["by_est"], r["by_lo"], r["by_hi"]]).ravel()])
    ours = np.concatenate([ov, by.ravel()])
    ok = np.isfinite(theirs)
    diff = float(np.max(np.abs(ours[ok] - theirs[ok]) / np.abs(theirs[ok])))
    print(f"largest relative difference from R over {int(ok.sum())} numbers (p, SE, CIs): {diff:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
