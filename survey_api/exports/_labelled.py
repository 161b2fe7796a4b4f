"""SPSS (.sav) and Stata (.dta) files of the exported responses, with variable and value labels.

Columns are those of the CSV export (no personal data: the same rules), one variable each, except that a
multiple-choice item becomes one 0/1 variable per option (``Q5_1``, ``Q5_2``…, as analysts code them) and
numbers stay numbers. Names are the item codes made legal in both programs (letters, digits, ``_``, at most
32 characters, a letter first: ``1.1`` → ``q1_1``); the variable label starts with the item's code.
Labels are in Vietnamese, UTF-8, cut on a character boundary to what each format holds: SPSS keeps 255 bytes
of a variable label and 120 of a value label (longer are cut by the writer, possibly inside a character),
Stata 80 characters of a variable label and 32,000 bytes of a value label. Stata has no missing string, so
an empty text is ``""``. pyreadstat writes the files; it takes a polars (or pandas) data frame, built here
from the rows in memory, so a file holds what fits in memory.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from survey_api.errors import DomainError
from survey_api.instruments.document import InstrumentDocument

Format = Literal["sav", "dta"]
LIMITS: dict[Format, tuple[int, int, int]] = {"sav": (255, 120, 64), "dta": (80, 32_000, 80)}  # see docstring
_BYTES = {"sav": True, "dta": False}  # whether the variable-label limit counts bytes (else characters)
COLUMN_LABELS = {
    "id": "Mã phiếu trả lời",
    "instrument_version": "Phiên bản phiếu khảo sát",
    "service_point": "Điểm cung cấp dịch vụ",
    "unit": "Đơn vị",
    "channel": "Kênh thu thập",
    "observed_on": "Ngày khảo sát",
    "received_at": "Thời điểm nhận (UTC)",
    "stratum": "Tầng",
    "psu": "Đơn vị mẫu bậc một (PSU)",
    "design_weight": "Trọng số thiết kế (1/π)",
    "fpc": "Hiệu chỉnh tổng thể hữu hạn (fpc)",
    "sex": "Giới tính (ô gia quyền)",
    "age_group": "Nhóm tuổi (ô gia quyền)",
    "weight": "Trọng số phân tích",
}
NUMERIC_COLUMNS = frozenset({"instrument_version", "design_weight", "fpc", "weight"})
CHOSEN = {0: "Không chọn", 1: "Có chọn"}


class WriterMissing(DomainError):
    """The server lacks the data-frame library pyreadstat writes from (501)."""

    status_code = 501


@dataclass
class Variable:
    """One variable of the file: its name, label, value labels, whether numeric, and its values."""

    name: str
    label: str
    numeric: bool
    value_labels: dict[int, str] = field(default_factory=dict)
    values: list[Any] = field(default_factory=list)


def variables(header: list[str], rows: Iterable[list[Any]], document: InstrumentDocument) -> list[Variable]:
    """The file's variables, filled from the exported rows."""
    items = document.items_by_code()
    names = _Names()
    plan: list[tuple[int, Variable, int | None]] = []  # column, variable, option value (a multiple choice)
    for column, code in enumerate(header):
        item = items.get(code)
        if item is None:
            plan.append(
                (column, Variable(names.make(code), COLUMN_LABELS.get(code, code), code in NUMERIC_COLUMNS), None)
            )
            continue
        label = f"{code} {item.text.vi}"
        options = {o.value: o.label.vi for o in document.options_of(item)}
        if item.type == "multiple_choice":
            for value, text in options.items():
                variable = Variable(names.make(f"{code}_{value}"), f"{label}: {text}", True, dict(CHOSEN))
                plan.append((column, variable, value))
        else:
            numeric = item.type != "free_text"
            plan.append((column, Variable(names.make(code), label, numeric, options), None))
    for row in rows:
        for column, variable, option in plan:
            variable.values.append(_value(row[column], variable.numeric, option))
    return [variable for _, variable, _ in plan]


def _value(cell: Any, numeric: bool, option: int | None) -> Any:
    if option is not None:
        return None if cell in (None, "") else float(option in {int(v) for v in str(cell).split(";") if v})
    if not numeric:
        return "" if cell is None else str(cell)
    return None if cell in (None, "") else float(cell)


class _Names:
    """Legal, distinct (ignoring case) variable names."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def make(self, code: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", code)
        base = (base if base[:1].isalpha() else f"q{base}")[:32]
        name, k = base, 1
        while name.lower() in self.taken:
            k += 1
            name = f"{base[: 32 - len(str(k)) - 1]}_{k}"
        self.taken.add(name.lower())
        return name


def _cut(text: str, limit: int, *, in_bytes: bool) -> str:
    if not in_bytes:
        return text[:limit]
    return text.encode()[:limit].decode(errors="ignore")


def write(kind: Format, found: list[Variable], title: str) -> bytes:
    """The file of ``kind`` with ``found``'s variables."""
    try:
        import polars  # type: ignore[import-not-found, unused-ignore]  # not a dependency yet: see the docstring
    except ImportError:
        raise WriterMissing(
            f"writing .{kind} files needs the polars package on the server (pyreadstat writes from a data frame)"
        ) from None
    import pyreadstat

    label_limit, value_limit, title_limit = LIMITS[kind]
    frame = polars.DataFrame(
        [polars.Series(v.name, v.values, polars.Float64 if v.numeric else polars.Utf8) for v in found]
    )
    labels: list[str | None] = [_cut(v.label, label_limit, in_bytes=_BYTES[kind]) for v in found]
    value_labels: dict[str, dict[int | float, str]] = {
        v.name: {value: _cut(text, value_limit, in_bytes=True) for value, text in v.value_labels.items()}
        for v in found
        if v.value_labels and v.numeric
    }
    with tempfile.TemporaryDirectory(prefix="survey-export-") as folder:
        path = Path(folder) / f"export.{kind}"
        writer = pyreadstat.write_sav if kind == "sav" else pyreadstat.write_dta
        label = _cut(title, title_limit, in_bytes=kind == "sav")
        writer(frame, str(path), file_label=label, column_labels=labels, variable_value_labels=value_labels)
        return path.read_bytes()
