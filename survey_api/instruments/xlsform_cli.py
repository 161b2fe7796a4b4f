"""The ``survey instruments`` commands that read or write XLSForm workbooks (imported when they run)."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.orm import Session

from survey_api.instruments.loader import InstrumentFileError, official_instrument_files
from survey_api.instruments.service import document_of, version_for
from survey_api.instruments.xlsform import XLSFormError, document_yaml, export_checked, load_file

__all__ = ["check_files", "export", "load_file", "report"]

FORMATS = ("xlsform", "yaml")


def report(error: InstrumentFileError) -> None:
    """An instrument file's problems on standard error, one line each (a workbook's: sheet and row)."""
    if isinstance(error, XLSFormError):
        for problem in error.problems:
            print(f"error: {error.origin}: {problem}", file=sys.stderr)
    else:
        print(f"error: {error}", file=sys.stderr)


def check_files(paths: list[Path]) -> int:
    """Validate instrument files (YAML, JSON or XLSForm; default: the shipped ones); 0 when all are valid."""
    status = 0
    for path in paths or official_instrument_files():
        try:
            document = load_file(path)
        except InstrumentFileError as exc:
            report(exc)
            status = 2
        else:
            print(f"{path}: ok ({document.code} v{document.version}, {len(document.items_by_code())} items)")
    return status


def export(session: Session, code: str, version: int | None, kind: str, output: Path) -> str:
    """Write version ``version`` of instrument ``code`` (default: the latest published) to ``output``."""
    document = document_of(version_for(session, code, version))
    if kind == "xlsform":
        output.write_bytes(export_checked(document))
    else:
        output.write_text(document_yaml(document), encoding="utf-8")
    return f"{document.code} v{document.version}"
