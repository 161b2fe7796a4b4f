"""Writing chunks of exported rows as CSV lines or XLSX ``<row>`` elements, many rows at a time.

Every column of a chunk becomes an n × w byte matrix of its cells, padded with 0xFF (a byte UTF-8 never
uses): a column with few distinct values (codes, design values, days, weights, 1–5 answers) is a lookup in
a small table of its formatted cells, ids and times are formatted by numpy arithmetic, and only the
non-numeric answers (mostly empty) are formatted one by one. The matrices side by side, with the padding
deleted, are the rows. A text cell that would start a formula gets a leading apostrophe (:func:`neutralise`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from survey_api.db.models.responses import MISSING_SCORE
from survey_api.estimates.current import WeightKey
from survey_api.exports._bytes import (
    PAD,
    Bytes,
    Codes,
    _constants,
    _days,
    _instants,
    _padded,
    _row_starts,
    _uuids,
)
from survey_api.exports._read import DESIGN_TEXTS, Chunk, Texts

_PADDING = bytes([PAD])
# Rows × padded width of one block of output at most; a chunk with long free texts is written in parts.
BLOCK_BYTES = 16 * 2**20


@dataclass(frozen=True)
class Cells:
    """How one format writes a cell, what separates cells, and what starts and ends a row."""

    string: Callable[[str], bytes]
    number: Callable[[str], bytes]
    missing: bytes
    separator: bytes
    row_start: tuple[bytes, bytes] | None  # around the row's number in its sheet, or no row start
    row_end: bytes
    plain: tuple[bytes, bytes]  # around a string that needs no escaping (ids, times)


# A spreadsheet reads a cell starting with one of these as a formula; a text that is only a number is harmless.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CSV_SPECIAL = re.compile(r'[,"\r\n]')
# Characters XML 1.0 cannot carry (written as U+FFFD), and those it must escape.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_XML_SPECIAL = re.compile("[&<>\r]")


def neutralise(text: str) -> str:
    """``text``, after an apostrophe when a spreadsheet would run it as a formula (OWASP, CSV injection)."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv_string(text: str) -> bytes:
    text = neutralise(text)
    if not _CSV_SPECIAL.search(text):
        return text.encode()
    # Rare: the csv module quotes it, so the rules are exactly csv.writer's; with "\r\n" as its line end it
    # also quotes a lone carriage return, which a spreadsheet would take for the end of the row.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([text])
    return buffer.getvalue()[:-2].encode()


def _xlsx_string(text: str) -> bytes:
    text = _XML_SPECIAL.sub(lambda m: _XML_ESCAPES[m.group()], _XML_ILLEGAL.sub("\ufffd", neutralise(text)))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c t="inlineStr"><is><t{space}>{text}</t></is></c>'.encode()


CSV = Cells(
    string=_csv_string,
    number=str.encode,
    missing=b"",
    separator=b",",
    row_start=None,
    row_end=b"\n",
    plain=(b"", b""),
)
XLSX = Cells(
    string=_xlsx_string,
    number=lambda text: f"<c><v>{text}</v></c>".encode(),
    missing=b"<c/>",
    separator=b"",
    row_start=(b'<row r="', b'">'),
    row_end=b"</row>",
    plain=(b'<c t="inlineStr"><is><t>', b"</t></is></c>"),
)


@dataclass(frozen=True)
class Columns:
    """What an export writes after its response columns: the weight (when ``weight``), then every item."""

    version: int
    # The analysis weight of a response with these columns (CurrentWeights.weight); None: no weight column.
    weight: Callable[[WeightKey], float] | None
    items: Sequence[tuple[str, int | None]]  # item code, its column in the scores (None: a text answer)


class RowWriter:
    """Formats chunks of rows for one format and one export."""

    def __init__(self, cells: Cells, columns: Columns) -> None:
        self.cells = cells
        self.columns = columns
        # Every packed score's cell followed by the separator (between items) or not (the row's last cell).
        self._scores = [
            [(cells.missing if v == MISSING_SCORE else cells.number(str(v))) + end for v in range(256)]
            for end in (cells.separator, b"")
        ]
        self._tables: dict[tuple[int, int], NDArray[np.void]] = {}

    def rows(self, chunk: Chunk, first_row: int = 1) -> bytes:
        """The chunk's rows (``first_row`` numbers the first one in its sheet)."""
        n = chunk.n
        if n == 0:
            return b""
        present = np.bincount(chunk.scores.ravel(), minlength=256) > 0
        head = self._head(chunk)
        answers = {code: self._answers(chunk.texts[code]) for code, at in self.columns.items if at is None}
        numeric = sum(at is not None for _, at in self.columns.items)
        width = sum(p.shape[1] for p in head) + numeric * self._table(0, present).itemsize + len(answers) + 64
        lengths = np.array([[len(v) for v in a] if a else [0] * n for a in answers.values()], np.int64)
        out = []
        for start, end in _blocks(n, width, lengths.reshape(len(answers), n)):
            rows = end - start
            pieces = (
                [] if self.cells.row_start is None else [_row_starts(first_row + start, rows, self.cells.row_start)]
            )
            pieces += [p[start:end] for p in head]
            pieces += self._items(chunk.scores[start:end], answers, start, end, present)
            pieces += _constants(self.cells.row_end, rows)
            padded = bytearray(rows * sum(p.shape[1] for p in pieces))
            np.concatenate(pieces, axis=1, out=np.frombuffer(padded, np.uint8).reshape(rows, -1))
            out.append(padded.translate(None, _PADDING))
        return b"".join(out)

    def _head(self, chunk: Chunk) -> list[Bytes]:
        """The response columns and the weight, each followed by a separator."""
        cells, columns, n = self.cells, self.columns, chunk.n
        ids = {"service_point": chunk.service_point_id, "unit": chunk.unit_id}
        texts = {name: _factorise(chunk.texts[name], ids.get(name)) for name in DESIGN_TEXTS}
        values = [
            _plain(_uuids(chunk.ids), cells.plain),
            _constant(cells.number(str(columns.version)), n),
            _coded(texts["service_point"], cells),
            _coded(texts["unit"], cells),
            _coded(texts["channel"], cells),
            _coded(_days(chunk.observed_on), cells),
            _plain(_instants(chunk.received_at), cells.plain),
            _coded(texts["stratum"], cells),
            _coded(texts["psu"], cells),
            _numbers(chunk.design_weight, cells),
            _numbers(chunk.fpc, cells),
            _coded(texts["sex"], cells),
            _coded(texts["age_group"], cells),
        ]
        if columns.weight is not None:
            values.append(_numbers(_weights(chunk, texts, columns.weight), cells))
        pieces: list[Bytes] = []
        for k, value in enumerate(values):
            pieces.append(value)
            if k < len(values) - 1 or columns.items:
                pieces += _constants(cells.separator, n)
        return pieces

    def _answers(self, column: Texts) -> list[bytes] | None:
        """A text answer's cells (None: all missing, the usual case), formatted one by one."""
        if not np.any(column.length >= 0):
            return None
        missing, string = self.cells.missing, self.cells.string
        return [missing if v is None else string(v.decode()) for v in column.values()]

    def _items(
        self,
        scores: Bytes,
        answers: dict[str, list[bytes] | None],
        start: int,
        end: int,
        present: NDArray[np.bool_],
    ) -> list[Bytes]:
        """Every item's cells, a run of numeric items in one lookup; separators between, none after the last."""
        items, n = self.columns.items, scores.shape[0]
        pieces: list[Bytes] = []
        run: list[int] = []
        for k, (code, at) in enumerate(items):
            last = k == len(items) - 1
            if at is None:
                cells = answers[code]
                pieces.append(_constant(self.cells.missing, n) if cells is None else _padded(cells[start:end]))
                if not last:
                    pieces += _constants(self.cells.separator, n)
                continue
            run.append(at)
            if not last and items[k + 1][1] is not None:
                continue
            block = scores[:, run]
            if last:  # the row's last cell goes without a separator
                pieces += [
                    _gather(self._table(0, present), block[:, :-1]),
                    _gather(self._table(1, present), block[:, -1]),
                ]
            else:
                pieces.append(_gather(self._table(0, present), block))
            run = []
        return pieces

    def _table(self, variant: int, present: NDArray[np.bool_]) -> NDArray[np.void]:
        """The score cells as one padded table, only as wide as the scores present need."""
        cells = self._scores[variant]
        width = max((len(c) for c, p in zip(cells, present, strict=True) if p), default=1)
        key = (variant, width)
        if key not in self._tables:
            self._tables[key] = _as_table([c[:width] if len(c) > width else c for c in cells], width)
        return self._tables[key]


def _blocks(n: int, width: int, lengths: NDArray[np.int64]) -> list[tuple[int, int]]:
    """Row ranges whose padded size (rows × widest row) stays under BLOCK_BYTES; long answers make more.

    ``width`` is the padded width of a row without its text answers, ``lengths`` those answers' cells.
    """
    blocks, start = [], 0
    while start < n:
        span = min(n - start, max(1, BLOCK_BYTES // width))
        grown = width + np.maximum.accumulate(lengths[:, start : start + span], axis=1).sum(axis=0)
        cost = grown * np.arange(1, span + 1)
        end = start + max(1, int(np.searchsorted(cost, BLOCK_BYTES, side="right")))
        blocks.append((start, end))
        start = end
    return blocks


def _as_table(cells: Sequence[bytes], width: int | None = None) -> NDArray[np.void]:
    """Cells as a lookup table: one padded fixed-size record per code."""
    matrix = _padded(cells, width)
    return np.ascontiguousarray(matrix).view(f"V{matrix.shape[1]}").reshape(len(cells))


def _gather(table: NDArray[np.void], codes: NDArray[np.integer]) -> Bytes:
    """The cells of ``codes`` (one row of codes per output row), side by side."""
    # Records of the table's size are copied whole: several times faster than indexing a 2-D byte table.
    records = np.ascontiguousarray(table[np.ascontiguousarray(codes)])
    gathered: Bytes = records.view(np.uint8).reshape(codes.shape[0], -1)
    return gathered


def _constant(value: bytes, n: int) -> Bytes:
    return np.broadcast_to(_padded([value]), (n, max(len(value), 1)))


def _plain(matrix: Bytes, around: tuple[bytes, bytes]) -> Bytes:
    n = matrix.shape[0]
    if not around[0] and not around[1]:
        return matrix
    return np.hstack([*_constants(around[0], n), matrix, *_constants(around[1], n)])


def _coded(values: Codes, cells: Cells) -> Bytes:
    """Cells looked up by code among the distinct values."""
    codes, levels = values
    return _gather(_as_table([cells.missing if v is None else cells.string(v) for v in levels]), codes)


def _numbers(values: NDArray[np.float64], cells: Cells) -> Bytes:
    """Floats as Python writes them (``repr``), NaN as a missing cell; distinct values found by their bits."""
    distinct, codes = np.unique(values.view(np.int64), return_inverse=True)
    floats = distinct.view(np.float64).tolist()
    table = _as_table([cells.missing if f != f else cells.number(repr(f)) for f in floats])
    return _gather(table, codes.reshape(-1))


def _factorise(column: Texts, ids: NDArray[np.int64] | None = None) -> Codes:
    """Codes and distinct values of a short text column (codes, design values and cells).

    With ``ids`` (a service point's or unit's, which name the text one to one), the ids are factorised.
    """
    if ids is not None:
        _, first, codes = np.unique(ids, return_index=True, return_inverse=True)
        return codes.reshape(-1), _labels(column, first)
    n = len(column.length)
    width = max(int(column.length.max(initial=0)), 1)
    inside = np.arange(width) < column.length[:, None]
    positions = np.minimum(column.start[:, None] + np.arange(width), max(len(column.data) - 1, 0))
    matrix = np.where(inside, column.data[positions] if len(column.data) else PAD, PAD).astype(np.uint8)
    # A key per value: up to 7 bytes and a NULL flag packed exactly into an integer; longer ones hashed, a
    # collision (checked) falling back to sorting the bytes themselves.
    key = (column.length >= 0).astype(np.uint64)
    for j in range(width):
        key = (key << np.uint64(8) | matrix[:, j]) if width <= 7 else key * np.uint64(0x100000001B3) + matrix[:, j]
    _, first, codes = np.unique(key, return_index=True, return_inverse=True)
    codes = codes.reshape(-1)
    if width > 7 and not (
        np.array_equal(matrix, matrix[first[codes]]) and np.array_equal(column.length, column.length[first[codes]])
    ):
        keyed = np.hstack([matrix, (column.length < 0).astype(np.uint8)[:, None]])
        _, first, codes = np.unique(keyed.view(f"V{width + 1}").reshape(n), return_index=True, return_inverse=True)
        codes = codes.reshape(-1)
    return codes, _labels(column, first)


def _labels(column: Texts, rows: NDArray[np.intp]) -> list[str | None]:
    data = column.data
    labels: list[str | None] = []
    for start, length in zip(column.start[rows].tolist(), column.length[rows].tolist(), strict=True):
        labels.append(None if length < 0 else data[start : start + length].tobytes().decode())
    return labels


def _weights(chunk: Chunk, texts: dict[str, Codes], weight: Callable[[WeightKey], float]) -> NDArray[np.float64]:
    """Every row's analysis weight, asked once per distinct (stratum, PSU, design weight, sex, age group, unit)."""
    names = ("stratum", "psu", "sex", "age_group")
    design_codes = np.unique(chunk.design_weight.view(np.int64), return_inverse=True)[1].reshape(-1)
    unit_codes = np.unique(chunk.unit_id, return_inverse=True)[1].reshape(-1)
    combined = np.zeros(chunk.n, np.int64)
    for codes in [*(texts[name][0] for name in names), design_codes, unit_codes]:
        # Pairwise, so that the combined codes stay below n²
        combined = np.unique(combined * (int(codes.max(initial=0)) + 1) + codes, return_inverse=True)[1].reshape(-1)
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    strata, psus, sexes, ages = ([texts[name][1][c] for c in texts[name][0][first].tolist()] for name in names)
    designs = [None if d != d else d for d in chunk.design_weight[first].tolist()]
    units = [None if u < 0 else u for u in chunk.unit_id[first].tolist()]
    table = [weight(key) for key in zip(strata, psus, designs, sexes, ages, units, strict=True)]
    result: NDArray[np.float64] = np.array(table, np.float64)[inverse.reshape(-1)]
    return result
