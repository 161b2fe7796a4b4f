"""The exported rows as Python values (for the SPSS and Stata writers), through the same row writer as the
CSV: each row is written as a JSON array (a cell format of its own, without the spreadsheet apostrophe) and
read back, so every column, weight and ``1;3`` multiple-choice cell is exactly the CSV's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from survey_api.exports._cells import Cells, RowWriter
from survey_api.exports._read import Chunk


def _json_string(text: str) -> bytes:
    return json.dumps(text, ensure_ascii=False).encode()


JSON = Cells(
    string=_json_string,
    number=str.encode,
    missing=b"null",
    separator=b",",
    row_start=(b"[", b","),  # the row's number comes first; dropped when read
    row_end=b"]\n",
    plain=(b'"', b'"'),
)


def rows(writer: RowWriter, chunks: Iterator[Chunk]) -> Iterator[list[Any]]:
    """Every row of the chunks as a list of values (str, int or float; None: empty), in the header's order."""
    for chunk in chunks:
        for line in writer.rows(chunk).splitlines():
            yield json.loads(line)[1:]
