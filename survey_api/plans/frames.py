"""Reading a stage's frame file (CSV or XLSX) and checking every row; all problems are reported together.

One file per stage. Columns: ``ref`` (unique), ``label``; the first stage's strata in the design's
``stratum_column`` (every row needs one when the design is stratified); ``parent`` (a ref of the previous
stage, required from the second stage on; a unit inherits its parent's stratum); the stage's
``size_column`` (a positive number, required for PPS and for a size certainty rule); the certainty rule's
flag column when it names one (1/true/yes/x/có, or blank/0/false/no/không). Other columns are kept as
attributes. Rows are numbered as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from survey_api.tabular import not_stored

_YES = frozenset({"1", "true", "yes", "y", "x", "có", "co"})
_NO = frozenset({"", "0", "false", "no", "n", "không", "khong"})


def read_flag(value: str) -> bool | None:
    """A yes/no cell (a certainty flag): True, False, or None when it is neither."""
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


@dataclass(frozen=True)
class FrameRow:
    """A checked row of a frame file."""

    row_number: int
    ref: str
    label: str | None
    stratum: str | None
    parent_ref: str | None
    size: float | None
    attributes: dict[str, str]


def check_frame(
    header: list[str],
    records: list[tuple[int, list[str]]],
    *,
    stage: int,
    stratum_column: str | None,
    size_column: str,
    size_required: bool,
    parents: Mapping[str, str | None] | None,
    refused: Mapping[str, str] | None = None,
    flag_column: str | None = None,
    taken_refs: Collection[str] = (),
) -> list[FrameRow]:
    """Every row checked; raises :class:`InvalidInput` with all problems (``{"row", "item", "problem"}``).

    ``parents`` maps the refs a row may name as parent to their strata (None at the first stage); ``refused``
    says why another ref of the previous stage may not be named (e.g. it was not drawn). ``taken_refs`` are
    refs the stage's frame holds already (a listing added to a drawn stage).
    """
    errors: list[dict[str, Any]] = []
    required = ["ref"] + (["parent"] if parents is not None else [])
    if parents is None and stratum_column:
        required.append(stratum_column)
    if size_required:
        required.append(size_column)
    if flag_column:
        required.append(flag_column)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append({"row": 1, "item": name, "problem": "the column appears twice"})
        seen.add(name)
    errors += [{"row": 1, "item": name, "problem": "required column missing"} for name in required if name not in seen]
    if errors:
        raise not_stored(errors)
    known = {"ref", "label", "parent", size_column} | ({stratum_column} if stratum_column else set())
    rows: list[FrameRow] = []
    refs: dict[str, int] = {}
    for number, record in records:
        cells = {name: value.strip() for name, value in zip(header, record, strict=True)}
        problems: list[dict[str, Any]] = []
        ref = cells["ref"]
        if not ref:
            problems.append({"item": "ref", "problem": "blank"})
        elif len(ref) > 100:
            problems.append({"item": "ref", "problem": "longer than 100 characters"})
        elif ref in refs:
            problems.append({"item": "ref", "problem": f"{ref!r} appears again (first in row {refs[ref]})"})
        elif ref in taken_refs:
            problems.append({"item": "ref", "problem": f"{ref!r} is in the stage's frame already"})
        else:
            refs[ref] = number
        label = cells.get("label") or None
        if label is not None and len(label) > 255:
            problems.append({"item": "label", "problem": "longer than 255 characters"})
        stratum: str | None = None
        parent: str | None = None
        if parents is None:
            stratum = cells.get(stratum_column, "") if stratum_column else None
            if stratum_column and not stratum:
                problems.append({"item": stratum_column, "problem": "no stratum"})
            elif stratum is not None and len(stratum) > 64:
                problems.append({"item": stratum_column, "problem": "longer than 64 characters"})
        else:
            parent = cells["parent"]
            if parent not in parents:
                problem = (refused or {}).get(parent, f"{parent!r} is not a unit of stage {stage - 1}")
                problems.append({"item": "parent", "problem": problem})
            else:
                stratum = parents[parent]
        size = _size(cells.get(size_column, ""), size_required, size_column, problems)
        if flag_column and read_flag(cells[flag_column]) is None:
            problems.append({"item": flag_column, "problem": f"{cells[flag_column]!r} is not 1 or 0 (yes or no)"})
        errors.extend({"row": number, **p} for p in problems)
        if not problems:
            extra = {k: v for k, v in cells.items() if k not in known and v}
            rows.append(FrameRow(number, ref, label, stratum, parent, size, extra))
    if not errors and not rows:
        errors.append({"row": None, "item": None, "problem": "the file has no data rows"})
    if errors:
        raise not_stored(errors)
    return rows


def _size(value: str, required: bool, column: str, problems: list[dict[str, Any]]) -> float | None:
    if not value:
        if required:
            problems.append({"item": column, "problem": "blank, but the stage needs a size (PPS or a size rule)"})
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0 or (required and number == 0):
        problems.append({"item": column, "problem": f"{value!r} is not a positive number"})
        return None
    return number
