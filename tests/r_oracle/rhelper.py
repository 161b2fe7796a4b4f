"""Run R's survey package from tests and read the results back from the script's output.

Starting R and loading ``survey`` costs seconds, so each test process keeps one R session open and hands it
scripts in turn. Every script runs as if alone: in a fresh environment, in its own working directory, with R's
options, random seed and output sinks put back afterwards; its output and messages go to files of its own.
"""

from __future__ import annotations

import atexit
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

import numpy as np
import pytest

TIMEOUT = 300.0  # seconds, for one script (and for R to start)

PRELUDE = r"""
out <- function(name, ...) cat("@@", name, sprintf("%.17g", as.numeric(c(...))), "\n")
est_se <- function(name, s) out(name, coef(s), SE(s))
"""

# The session: load survey once, then for each line "script<TAB>stdout file<TAB>message file<TAB>directory" on
# stdin run the script and answer "@@DONE OK" or "@@DONE ERROR" on stdout.
SERVER = (
    r"""
loaded <- tryCatch({ suppressMessages(library(survey)); TRUE }, error = function(e) {
  cat("@@NOSURVEY", gsub("\n", " ", conditionMessage(e)), "\n"); FALSE })
if (!loaded) quit(status = 1)
"""
    + PRELUDE
    + r"""
base_options <- options()
run_job <- function(script, stdout_file, message_file, directory) {
  home <- setwd(directory)
  if (exists(".Random.seed", envir = globalenv(), inherits = FALSE)) rm(".Random.seed", envir = globalenv())
  out_con <- file(stdout_file, open = "wt"); msg_con <- file(message_file, open = "wt")
  sink(out_con); sink(msg_con, type = "message")
  ok <- tryCatch({ source(script, local = new.env(parent = globalenv())); TRUE }, error = function(e) {
    message("Error: ", conditionMessage(e)); FALSE })
  sink(type = "message")
  while (sink.number() > 0) sink()
  close(out_con); close(msg_con)
  setwd(home)
  added <- setdiff(names(options()), names(base_options))
  if (length(added) > 0) options(setNames(vector("list", length(added)), added))
  options(base_options)
  ok
}
jobs <- file("stdin"); open(jobs)
cat("@@READY\n"); flush(stdout())
repeat {
  job <- readLines(jobs, n = 1)
  if (length(job) == 0) break
  parts <- strsplit(job, "\t", fixed = TRUE)[[1]]
  ok <- run_job(parts[1], parts[2], parts[3], parts[4])
  cat(if (ok) "@@DONE OK\n" else "@@DONE ERROR\n"); flush(stdout())
}
"""
)


class RUnavailable(Exception):
    """R or its survey package cannot be used."""


class _Session:
    """One long-lived R process with survey loaded, answering scripts one at a time."""

    def __init__(self, exe: str) -> None:
        self.exe = exe
        self.home = Path(tempfile.mkdtemp(prefix="r-oracle-"))
        (self.home / "session.R").write_text(SERVER)
        self.log: IO[bytes] = (self.home / "session.log").open("wb")
        self.proc = subprocess.Popen(
            [exe, str(self.home / "session.R")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=self.home,
            bufsize=0,
        )
        self.pending = b""
        first = self._line()
        if first is None or not first.startswith("@@READY"):
            reason = (first or "").removeprefix("@@NOSURVEY").strip() or self._log_tail()
            self.close()
            raise RUnavailable(reason)

    def _log_tail(self) -> str:
        self.log.flush()
        return (self.home / "session.log").read_text(errors="replace")[-3000:]

    def _line(self) -> str | None:
        """The session's next output line, or None when it ended or took longer than TIMEOUT."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + TIMEOUT
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode()

    def run(self, script: Path, workdir: Path) -> tuple[bool, str, str]:
        """Run one script in ``workdir``: whether it succeeded, its output and its messages."""
        assert self.proc.stdin is not None
        stdout_file, message_file = workdir / "oracle.out", workdir / "oracle.messages"
        job = "\t".join(str(p.resolve()) for p in (script, stdout_file, message_file, workdir))
        try:
            self.proc.stdin.write(job.encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # the session died: reported below
        done = self._line()
        while done is not None and not done.startswith("@@DONE "):
            done = self._line()
        if done is None:
            tail = self._log_tail()
            self.close()
            raise AssertionError(f"R session ended or timed out:\n{tail}")
        messages = message_file.read_text(errors="replace") if message_file.exists() else ""
        return done == "@@DONE OK", stdout_file.read_text(errors="replace"), messages

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


_session: _Session | None = None
_unavailable: str | None = None  # why R cannot be used, once known


def _unusable(reason: str) -> None:
    """Skip, or fail when SURVEY_REQUIRE_R=1."""
    if os.environ.get("SURVEY_REQUIRE_R") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _running_session() -> _Session:
    global _session, _unavailable
    if _session is None or not _session.alive():
        exe = shutil.which("Rscript")
        if exe is None:
            _unusable(
                "Rscript is required (SURVEY_REQUIRE_R=1) but was not found"
                if os.environ.get("SURVEY_REQUIRE_R") == "1"
                else "Rscript not available"
            )
        if _unavailable is None:
            try:
                _session = _Session(exe or "Rscript")
            except RUnavailable as error:
                _unavailable = f"R package survey is not installed: {error}"
        if _unavailable is not None:
            _unusable(_unavailable)
    assert _session is not None
    return _session


@atexit.register
def _close_session() -> None:
    if _session is not None:
        _session.close()


def require_r() -> str:
    """Path of Rscript; skip (or fail when SURVEY_REQUIRE_R=1) when it or the survey package is missing."""
    return _running_session().exe


def run_r(script: str, workdir: Path) -> dict[str, np.ndarray]:
    """Run ``script`` (after the prelude) in ``workdir`` and return every ``out(name, ...)`` line as an array."""
    session = _running_session()
    path = workdir / "oracle.R"
    path.write_text(PRELUDE + script)
    ok, stdout, messages = session.run(path, workdir)
    if not ok:
        raise AssertionError(f"R failed:\n{messages[-3000:]}")
    results: dict[str, np.ndarray] = {}
    for line in stdout.splitlines():
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
