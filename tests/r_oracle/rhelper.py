"""Run R's survey package from tests: one script per test module, results read back from stdout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

PRELUDE = r"""
suppressMessages(library(survey))
out <- function(name, ...) cat("@@", name, sprintf("%.17g", as.numeric(c(...))), "\n")
est_se <- function(name, s) out(name, coef(s), SE(s))
"""


def require_r() -> str:
    """Path of Rscript; skip (or fail when SURVEY_REQUIRE_R=1) when it is missing."""
    exe = shutil.which("Rscript")
    if exe is None:
        if os.environ.get("SURVEY_REQUIRE_R") == "1":
            pytest.fail("Rscript is required (SURVEY_REQUIRE_R=1) but was not found")
        pytest.skip("Rscript not available")
    probe = subprocess.run([exe, "-e", "library(survey)"], capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        if os.environ.get("SURVEY_REQUIRE_R") == "1":
            pytest.fail(f"R package survey is not installed: {probe.stderr.strip()[-300:]}")
        pytest.skip("R package survey not installed")
    return exe


def run_r(script: str, workdir: Path) -> dict[str, np.ndarray]:
    """Run ``script`` (after the prelude) and return every ``out(name, ...)`` line as an array."""
    exe = require_r()
    path = workdir / "oracle.R"
    path.write_text(PRELUDE + script)
    proc = subprocess.run([exe, str(path)], capture_output=True, text=True, timeout=300, cwd=workdir)
    if proc.returncode != 0:
        raise AssertionError(f"R failed:\n{proc.stderr[-3000:]}")
    results: dict[str, np.ndarray] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("@@ "):
            parts = line.split()
            results[parts[1]] = np.array([float(v) for v in parts[2:]])
    return results


def write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    """Write columns to CSV with NA for missing numbers."""
    names = list(columns)
    n = len(columns[names[0]])
    cols = []
    for name in names:
        a = np.asarray(columns[name])
        if a.dtype.kind == "f":
            cols.append(["NA" if np.isnan(v) else repr(float(v)) for v in a])
        else:
            cols.append([str(v) for v in a])
    with open(path, "w") as fh:
        fh.write(",".join(names) + "\n")
        for i in range(n):
            fh.write(",".join(c[i] for c in cols) + "\n")
