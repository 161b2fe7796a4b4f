"""Columnar reading of an analyst's data file (CSV or Parquet) for ``survey estimate`` and ``survey index``.

A CSV is parsed by Arrow's multi-threaded reader into typed columns, reading only the columns a command
names; text columns come dictionary-encoded, so a million labels become integer codes into a few distinct
values (:class:`sampling.CodedColumn` hands them on to the design without comparing strings). Empty cells,
``NA``, ``NaN`` and ``.`` are missing. Errors name the column and the place in the file as a person finds it:
the 1-based line of a CSV (the line a record ends on; blank lines are skipped but counted), the 1-based row
of a Parquet file.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from sampling import CodedColumn

MISSING = ["", "NA", "na", "NaN", "nan", "."]


class InputError(Exception):
    """Input the user must fix (reported in one line, exit status 2)."""


@dataclass(frozen=True)
class DataFile:
    """The columns a command needs from one file, and how to name a row's place in that file."""

    path: str
    table: pa.Table
    is_csv: bool

    @property
    def n(self) -> int:
        """Data rows."""
        return int(self.table.num_rows)

    @property
    def names(self) -> list[str]:
        """Column names read."""
        return list(self.table.column_names)

    def where(self, row: int) -> str:
        """The place of 0-based data row ``row``: "line 12" of a CSV (1-based, header on line 1), "row 11"."""
        if not self.is_csv:
            return f"row {row + 1}"
        return f"line {_csv_line(self.path, row)}"

    def column(self, name: str, what: str) -> pa.ChunkedArray:
        """The column ``name`` (``what`` is the option naming it, for the error)."""
        if name not in self.table.column_names:
            raise InputError(f"{what} column {name!r} is not in the file")
        return self.table.column(name)

    def numeric(self, name: str, what: str, *, allow_missing: bool = True) -> npt.NDArray[np.float64]:
        """A numeric column as float64 (missing = NaN); a value that is not a number names its line."""
        col = self.column(name, what)
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            trimmed = pc.utf8_trim_whitespace(col)
            try:
                col = pc.cast(trimmed, pa.float64())
            except pa.ArrowInvalid:
                bad = _first_not_number(trimmed)
                value = trimmed[bad].as_py()
                raise InputError(f"{what} column {name!r}: non-numeric value {value!r} on {self.where(bad)}") from None
        elif not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type) or pa.types.is_null(col.type)):
            col = col.cast(pa.float64())
        values = np.asarray(col.cast(pa.float64()).to_numpy(), dtype=np.float64)
        if not allow_missing:
            missing = np.isnan(values)
            if missing.any():
                raise InputError(f"{what} column {name!r}: missing value on {self.where(int(np.argmax(missing)))}")
        return values

    def labels(self, name: str, what: str, *, allow_missing: bool = False) -> npt.NDArray[Any] | CodedColumn:
        """A label column: integers as they are, text as codes into its distinct (trimmed) values."""
        col = self.column(name, what)
        if pa.types.is_integer(col.type) and col.null_count == 0:
            return np.asarray(col.to_numpy())
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            values = np.asarray(col.cast(pa.float64()).to_numpy(), dtype=np.float64)
            missing = np.isnan(values)
            if not allow_missing and missing.any():
                raise InputError(f"{what} column {name!r}: missing value on {self.where(int(np.argmax(missing)))}")
            return values
        if pa.types.is_null(col.type):
            col = col.cast(pa.string())
        if not pa.types.is_dictionary(col.type):
            col = pc.dictionary_encode(col.cast(pa.string()))
        coded = _coded(col)
        if not allow_missing and (coded.codes < 0).any():
            raise InputError(f"{what} column {name!r}: missing value on {self.where(int(np.argmax(coded.codes < 0)))}")
        return coded


def _coded(col: pa.ChunkedArray) -> CodedColumn:
    """Codes (-1 where missing) into the trimmed distinct labels of a dictionary-encoded column."""
    col = col.unify_dictionaries() if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
    chunks = col.chunks
    if not chunks:
        return CodedColumn(np.zeros(0, dtype=np.intp), np.array([], dtype=object))
    dictionary = chunks[0].dictionary.cast(pa.string())
    raw = [str(v).strip() for v in dictionary.to_pylist()]
    labels, first = np.unique(np.array(raw, dtype=object), return_inverse=True)
    remap = np.asarray(first, dtype=np.intp).reshape(-1)
    missing_label = np.array([v in MISSING for v in labels], dtype=bool)
    remap = np.where(missing_label[remap], -1, remap)
    remap = np.append(remap, -1)  # index -1 (a null) maps to missing
    indices = np.concatenate([np.asarray(c.indices.fill_null(-1).to_numpy(), dtype=np.intp) for c in chunks])
    return CodedColumn(remap[indices], labels.astype(str))


def _first_not_number(col: pa.ChunkedArray) -> int:
    """Row of the first non-missing value that does not parse as a number."""
    offset = 0
    for chunk in col.chunks:
        for i, value in enumerate(chunk.to_pylist()):
            if value is None or value in MISSING:
                continue
            try:
                float(value)
            except ValueError:
                return offset + i
        offset += len(chunk)
    return 0


def _csv_line(path: str, row: int) -> int:
    """File line (1-based) on which 0-based data row ``row`` ends, counting blank lines as the reader skips
    them (only on the error path: a second, slow pass)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        records = (reader.line_num for record in reader if record)
        return next(itertools.islice(records, row, None), row + 2)


def read_data(path: str, columns: dict[str, str]) -> DataFile:
    """Read the named columns of a CSV (any name) or Parquet (``.parquet``/``.pq``) file.

    ``columns`` maps each column to the option that names it (``--var``), for the error of a missing one.
    """
    wanted = [c for c in columns if c]
    parquet = Path(path).suffix.lower() in (".parquet", ".pq")
    header = _parquet_header(path) if parquet else _csv_header(path)
    absent = [c for c in wanted if c not in header]
    if absent:
        shown = ", ".join(header[:12]) + ("…" if len(header) > 12 else "")
        raise InputError(f"{columns[absent[0]]} column {absent[0]!r} is not in the file (columns: {shown})")
    if parquet:
        return _read_parquet(path, wanted)
    try:
        table = _arrow_csv(path, wanted, newlines_in_values=False)
    except pa.ArrowInvalid as exc:
        problem = _csv_problem(path, len(header), exc)
        if problem is not None:
            raise problem from None
        try:  # quoted values spanning lines: parse again allowing them (slower, so not by default)
            table = _arrow_csv(path, wanted, newlines_in_values=True)
        except pa.ArrowInvalid as again:
            raise InputError(f"cannot read {path}: {str(again).splitlines()[0]}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if table.num_rows == 0:
        raise InputError(f"{path} has no data rows")
    return DataFile(path, table, True)


def _arrow_csv(path: str, wanted: list[str], *, newlines_in_values: bool) -> pa.Table:
    from pyarrow import csv as pacsv

    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 22),
        parse_options=pacsv.ParseOptions(newlines_in_values=newlines_in_values),
        convert_options=pacsv.ConvertOptions(
            include_columns=wanted,
            null_values=MISSING,
            strings_can_be_null=True,
            auto_dict_encode=True,
            auto_dict_max_cardinality=1 << 30,
        ),
    )


def _csv_header(path: str) -> list[str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), None)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; save it as CSV UTF-8") from None
    if not header:
        raise InputError(f"{path} is empty")
    return [name.strip() for name in header]


def _csv_problem(path: str, width: int, exc: Exception) -> InputError | None:
    """The line of a CSV whose field count is wrong (found again with the csv module), in one sentence; None
    when every record has the header's width."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            for record in reader:
                if record and len(record) != width:
                    return InputError(f"{path} line {reader.line_num}: {len(record)} fields, the header has {width}")
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        return InputError(f"cannot read {path}: {err}")
    return None


def _parquet_header(path: str) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except FileNotFoundError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"cannot read {path} as Parquet: {exc}") from None


def _read_parquet(path: str, wanted: list[str]) -> DataFile:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=wanted, use_threads=True)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"cannot read {path} as Parquet: {exc}") from None
    if table.num_rows == 0:
        raise InputError(f"{path} has no data rows")
    return DataFile(path, table, False)
