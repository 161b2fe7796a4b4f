"""Load the R ``api`` datasets exported as CSV (``NA`` = missing)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data" / "api"


@cache
def _load(name: str) -> dict[str, np.ndarray[Any, Any]]:
    with open(DATA / f"{name}.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def col(name: str, column: str) -> np.ndarray[Any, Any]:
    """A text column."""
    return _load(name)[column]


def num(name: str, column: str) -> np.ndarray[Any, Any]:
    """A numeric column with NA as NaN."""
    return np.array([np.nan if v == "NA" else float(v) for v in _load(name)[column]])


def path(name: str) -> Path:
    """Path of the CSV file."""
    return DATA / f"{name}.csv"
