"""A small test instrument and a response file built from R's ``apistrat`` data (strata, PSUs, weights, fpc)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import import_document
from tests.conftest import TEST_POINT, Db, ensure_test_point

APISTRAT = Path(__file__).resolve().parent.parent / "data" / "api" / "apistrat.csv"
CODE = "api-test"
ITEMS = ("Q1", "Q2", "Q3")
PERIOD_DAY = "2026-03-15"
# Population margins with the total of apistrat's weights (6194), for raking.
MARGINS = {"sex": {"F": 3100.0, "M": 3094.0}, "age_group": {"18-34": 2000.0, "35-59": 2500.0, "60+": 1694.0}}

_SCALE = [{"value": v, "label": {"vi": str(v)}} for v in range(1, 6)]
DOCUMENT: dict[str, Any] = {
    "code": CODE,
    "sector": "education",
    "version": 1,
    "title": {"vi": "Phiếu thử"},
    "source": "tests",
    "confidence": "draft",
    "respondent_types": ["person"],
    "scales": {"SAT5": _SCALE},
    "sections": [
        {
            "code": "S",
            "title": {"vi": "S"},
            "items": [
                {"code": "Q1", "type": "scale_1_5", "required": True, "scale": "SAT5", "text": {"vi": "Q1"}},
                {"code": "Q2", "type": "scale_1_5", "scale": "SAT5", "text": {"vi": "Q2"}},
                {"code": "Q3", "type": "scale_1_5", "scale": "SAT5", "text": {"vi": "Q3"}},
                {"code": "C", "type": "free_text", "text": {"vi": "Ý kiến"}},
            ],
        }
    ],
    "index": {
        "satisfied": [4, 5],
        "aggregation": "item_mean",
        "elements": [
            {"code": "E1", "label": {"vi": "E1"}, "items": ["Q1", "Q2"]},
            {"code": "E2", "label": {"vi": "E2"}, "items": ["Q3"]},
        ],
        "groups": [
            {"code": "G1", "label": {"vi": "G1"}, "elements": ["E1"]},
            {"code": "G2", "label": {"vi": "G2"}, "elements": ["E2"]},
        ],
        "overall": {"code": "IDX", "label": {"vi": "IDX"}, "groups": ["G1", "G2"]},
    },
}


def publish_test_instrument(db: Db) -> int:
    """Import and publish the test instrument; its version id."""
    with db() as session:
        version, _ = import_document(session, InstrumentDocument.model_validate(DOCUMENT), user=None, publish=True)
        ensure_test_point(session)  # every row answers there unless a test says otherwise
        return version.id


def _quintile(values: np.ndarray) -> np.ndarray:
    cuts = np.quantile(values, [0.2, 0.4, 0.6, 0.8])
    return 1 + np.searchsorted(cuts, values, side="right")


def api_rows() -> list[dict[str, str]]:
    """One response per apistrat school: Q1–Q3 from api00, api99 and meals quintiles, design and cells."""
    with APISTRAT.open(newline="") as fh:
        schools = list(csv.DictReader(fh))
    q1 = _quintile(np.array([float(s["api00"]) for s in schools]))
    q2 = _quintile(np.array([float(s["api99"]) for s in schools]))
    q3 = 6 - _quintile(np.array([float(s["meals"]) for s in schools]))
    ages = ("18-34", "35-59", "60+")
    return [
        {
            "Q1": str(q1[i]),
            "Q2": str(q2[i]),
            "Q3": str(q3[i]),
            "C": "",
            "strata": s["stype"],
            "psu": s["dnum"],
            "weight": s["pw"],
            "fpc": s["fpc"],
            "completed_at": PERIOD_DAY,
            "service_point": TEST_POINT,
            "sex": "F" if int(s["snum"]) % 2 == 0 else "M",
            "age_group": ages[int(s["cnum"]) % 3],
        }
        for i, s in enumerate(schools)
    ]


def to_csv(rows: list[dict[str, str]]) -> bytes:
    """Rows as CSV bytes (header from the first row)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()
