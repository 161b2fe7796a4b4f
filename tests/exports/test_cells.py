"""The bulk row writer against references: ``csv.writer`` over the same values as Python objects (the CSV an
export wrote row by row before), and an XML parser for the XLSX rows."""

from __future__ import annotations

import csv
import io
import math
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest

from survey_api.exports._cells import CSV, XLSX, Columns, RowWriter
from survey_api.exports._read import Chunk, Texts

TEXTS: list[str | None] = [
    None,
    "",
    "plain",
    "a,b",
    'say "hi"',
    "two\nlines",
    "carriage\rreturn",
    " spaced ",
    "Tiếng Việt: Hài lòng ✓",
    "<&>",
    "tab\there",
    "vertical\x0btab",
]
FLOATS = [math.nan, 1.0, 500.0, 0.1 + 0.2, 1e16, 1e-5, 123456789.123, 2.5e-7, 26.829880192318747, -0.0]
FACTORS = {("F", "18-34"): 1.25, ("M", None): 0.8, (None, None): 2.0}
Key = tuple[str | None, str | None, float | None, str | None, str | None, int | None]


def weigh(key: Key) -> float:
    """A weight that depends on every part of its key (stratum, PSU, design weight, sex, age group, unit)."""
    stratum, psu, design_weight, sex, age_group, unit = key
    base = 1.0 if design_weight is None else design_weight
    factor = FACTORS.get((sex, age_group), 1.0) * (1.5 if stratum == "S1" else 1.0) * (3.0 if psu is None else 1.0)
    return base * factor * (1 + (unit or 0))


def _rows(n: int, rng: np.random.Generator) -> tuple[Chunk, list[dict[str, Any]]]:
    """A chunk of n rows covering every score byte, odd floats and texts, and the same rows as Python values."""
    ids = [uuid.UUID(bytes=rng.bytes(16)) for _ in range(n)]
    days = [date(2026, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 400, n)]
    micros = rng.integers(0, 10**6, n) * (rng.random(n) < 0.5)
    received = [
        datetime(2026, 3, 1, tzinfo=UTC) + timedelta(seconds=int(s), microseconds=int(m))
        for s, m in zip(rng.integers(0, 10**7, n), micros, strict=True)
    ]
    weights = [FLOATS[i] for i in rng.integers(0, len(FLOATS), n)]
    fpcs = [FLOATS[i] for i in rng.integers(0, len(FLOATS), n)]
    units = [None if u < 0 else int(u) for u in rng.integers(-1, 3, n)]
    points = [None if p < 0 else int(p) for p in rng.integers(-1, 3, n)]
    scores = np.arange(n * 5, dtype=np.int64).reshape(n, 5) % 256
    rng.shuffle(scores.ravel())
    pick = {
        name: [rng.choice(np.array(values, dtype=object)) for _ in range(n)]
        for name, values in {
            "channel": ["qr", "web", "import"],
            "stratum": [None, "S1", "S,2", "", "Tầng lớp dài"],  # over 7 bytes: hashed, not packed
            "psu": [None, "P1", 'P"2', "P-0000000000001", "P-0000000000002"],
            "sex": [None, "F", "M"],
            "age_group": [None, "18-34", "60+"],
            "A": TEXTS,
            "B": [None, "1;3", "2"],
        }.items()
    }
    chunk = Chunk(
        np.frombuffer(b"".join(i.bytes for i in ids), np.uint8).reshape(n, 16),
        np.array([-1 if p is None else p for p in points], np.int64),
        np.array([-1 if u is None else u for u in units], np.int64),
        np.array(days, dtype="datetime64[D]"),
        np.array([r.replace(tzinfo=None) for r in received], dtype="datetime64[us]"),
        np.array(weights),
        np.array(fpcs),
        scores.astype(np.uint8),
        {
            "service_point": Texts.of([None if p is None else ["d1-desk", "p,2", "Điểm 3"][p] for p in points]),
            "unit": Texts.of([None if u is None else ["d1", "d2", 'u"3'][u] for u in units]),
            **{name: Texts.of(values) for name, values in pick.items()},
        },
    )
    python = [
        {
            "id": ids[i],
            "unit_id": units[i],
            "service_point": None if points[i] is None else ["d1-desk", "p,2", "Điểm 3"][points[i]],
            "unit": None if units[i] is None else ["d1", "d2", 'u"3'][units[i]],
            "observed_on": days[i],
            "received_at": received[i],
            "design_weight": None if math.isnan(weights[i]) else weights[i],
            "fpc": None if math.isnan(fpcs[i]) else fpcs[i],
            "scores": [None if v == 255 else int(v) for v in scores[i]],
            **{name: values[i] for name, values in pick.items()},
        }
        for i in range(n)
    ]
    return chunk, python


# Items in questionnaire order: score columns and text answers mixed, ending with a score or with a text.
LAYOUTS = {
    "ends with a score": [("Q1", 0), ("A", None), ("Q2", 1), ("Q3", 2), ("B", None), ("Q4", 3), ("Q5", 4)],
    "ends with a text": [("Q5", 4), ("Q1", 0), ("B", None), ("Q2", 1), ("A", None)],
}


def _reference(row: dict[str, Any], items: list[tuple[str, int | None]], weighted: bool) -> list[Any]:
    """The row as the previous, row-by-row export built it."""
    out: list[Any] = [
        str(row["id"]),
        7,
        row["service_point"],
        row["unit"],
        row["channel"],
        row["observed_on"].isoformat(),
        row["received_at"].isoformat(),
        row["stratum"],
        row["psu"],
        row["design_weight"],
        row["fpc"],
        row["sex"],
        row["age_group"],
    ]
    if weighted:
        out.append(
            weigh((row["stratum"], row["psu"], row["design_weight"], row["sex"], row["age_group"], row["unit_id"]))
        )
    out += [row[code] if at is None else row["scores"][at] for code, at in items]
    return out


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_csv_rows_equal_csv_writer_over_the_same_values(layout: str, weighted: bool) -> None:
    chunk, python = _rows(600, np.random.default_rng(5))
    items = LAYOUTS[layout]
    writer = RowWriter(CSV, Columns(version=7, weight=weigh if weighted else None, items=items))
    expected = io.StringIO()
    # "\r\n" as the writer's line end makes it quote a lone "\r" too; each row then ends with "\n".
    reference = csv.writer(expected, lineterminator="\r\n")
    for row in python:
        reference.writerow(["" if v is None else v for v in _reference(row, items, weighted)])
        expected.seek(expected.tell() - 2)
        expected.write("\n")
        expected.truncate()
    assert '"carriage\rreturn"' in expected.getvalue()
    assert writer.rows(chunk).decode() == expected.getvalue()
    # In pieces (as a chunk split across blocks or sheets), the same text
    assert (writer.rows(chunk[:250]) + writer.rows(chunk[250:])).decode() == expected.getvalue()


def test_long_answers_are_written_in_blocks_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    chunk, _ = _rows(300, np.random.default_rng(8))
    long = ["x" * 5000 if i % 7 == 0 else None for i in range(300)]
    chunk.texts["A"] = Texts.of(long)
    writer = RowWriter(CSV, Columns(version=7, weight=None, items=LAYOUTS["ends with a text"]))
    whole = writer.rows(chunk)
    monkeypatch.setattr("survey_api.exports._cells.BLOCK_BYTES", 64 * 1024)  # a few rows per block
    assert writer.rows(chunk) == whole
    assert whole.count(b"x" * 5000) == len([v for v in long if v])


def _cell(cell: ElementTree.Element) -> Any:
    value = cell.find("v")
    if value is not None:
        return float(value.text or "")
    text = cell.find("is/t")
    return None if text is None else (text.text or "")


def test_xlsx_rows_parse_to_the_same_values() -> None:
    chunk, python = _rows(400, np.random.default_rng(6))
    items = LAYOUTS["ends with a score"]
    writer = RowWriter(XLSX, Columns(version=7, weight=weigh, items=items))
    sheet = ElementTree.fromstring(b"<sheetData>" + writer.rows(chunk, first_row=2) + b"</sheetData>")
    rows = list(sheet)
    assert [r.get("r") for r in rows] == [str(i) for i in range(2, 402)]
    for row, values in zip(rows, python, strict=True):
        expected = []
        for v in _reference(values, items, weighted=True):
            if isinstance(v, str):
                v = v.replace("\x0b", "\ufffd")  # XML 1.0 cannot carry it
            expected.append(float(v) if isinstance(v, int | float) else v)
        assert [_cell(c) for c in row] == expected
