"""XLSForm import and export of instruments: the workbook checked by pyxform and by the document model.

``export_xlsform`` writes a document as a workbook that ``import_xlsform`` reads back as the same document
(the layout: ``xlsform_layout``). Every problem of a workbook names its sheet and row (``XLSFormError``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.loader import InstrumentFileError, load_instrument_file
from survey_api.instruments.xlsform_layout import Problem, XLSFormError
from survey_api.instruments.xlsform_parse import build_document, validated
from survey_api.instruments.xlsform_read import UnreadableWorkbook, pyxform_problems, read_workbook, to_xform
from survey_api.instruments.xlsform_write import export_xlsform

__all__ = [
    "Problem",
    "XLSFormError",
    "document_yaml",
    "export_checked",
    "export_xlsform",
    "import_xlsform",
    "is_xlsform",
    "load_file",
    "problem_items",
    "to_xform",
]

XLSX_MAGIC = b"PK\x03\x04"


def is_xlsform(name: str, data: bytes | None = None) -> bool:
    """Whether a file is a workbook, by its name or (given ``data``) its first bytes."""
    return name.lower().endswith((".xlsx", ".xlsm")) or (data is not None and data.startswith(XLSX_MAGIC))


def import_xlsform(data: bytes, origin: str) -> InstrumentDocument:
    """The instrument document of an XLSForm workbook; ``XLSFormError`` with every problem found otherwise."""
    try:
        book = read_workbook(data)
    except UnreadableWorkbook as exc:
        raise XLSFormError(origin, exc.problems) from None
    built = build_document(book)
    document = validated(built) if not built.problems else None
    problems = built.problems + pyxform_problems(data)
    if problems or document is None:
        raise XLSFormError(origin, problems)
    return document


def export_checked(document: InstrumentDocument) -> bytes:
    """The workbook of ``document``, after checking that it reads back as the same document.

    The layout carries every field of the model, but a few shapes the model allows have no place in it (an
    element whose items are not in questionnaire order, a scale named like an item); such a document is
    refused rather than written differently (``InstrumentFileError``).
    """
    data = export_xlsform(document)
    built = build_document(read_workbook(data))
    if built.problems or validated(built) != document:
        raise InstrumentFileError(
            f"{document.code} v{document.version} cannot be written as an XLSForm exactly "
            "(index elements must list their items in questionnaire order); export it as YAML"
        )
    return data


def load_file(path: Path) -> InstrumentDocument:
    """An instrument file: an XLSForm workbook (.xlsx), or YAML or JSON as ``loader`` reads them."""
    if not is_xlsform(path.name):
        return load_instrument_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InstrumentFileError(f"{path}: cannot be read: {exc}") from None
    return import_xlsform(data, str(path))


def problem_items(error: XLSFormError) -> list[dict[str, Any]]:
    """The problems as the API's error items (``sheet``, ``row``, ``problem``)."""
    return [{"sheet": p.sheet, "row": p.row, "problem": p.problem} for p in error.problems]


def document_yaml(document: InstrumentDocument) -> str:
    """The document as YAML in the layout of ``instruments/data`` (read back by ``loader``)."""
    content = document.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=120)
