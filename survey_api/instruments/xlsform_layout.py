"""How an instrument is laid out as an XLSForm: sheets, columns, names and the problems a workbook can have.

The standard sheets carry what ODK tools read (``survey``, ``choices``, ``settings``); what only the platform
uses sits in extra columns of those sheets (pyxform ignores them) and in extra sheets: ``index`` (the index
elements, groups and overall level), ``sources`` and ``cells`` (the items that give the respondent cells).
Texts are in Vietnamese and English columns named as in the platform's XForms (``label::Vietnamese (vi)``);
``label::vi`` and a plain ``label`` (Vietnamese) are read too. XML names are the item and section codes,
with a leading ``_`` when a code cannot be an XML name (``1.1`` → ``_1.1``); codes never start with ``_``, so
reading a name back drops it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from survey_api.instruments.document import Text
from survey_api.instruments.loader import InstrumentFileError
from survey_api.openrosa.form import xml_name
from survey_api.openrosa.xform import LANGUAGES

SURVEY, CHOICES, SETTINGS, INDEX, SOURCES, CELLS = "survey", "choices", "settings", "index", "sources", "cells"
LANGUAGE_NAMES = dict(LANGUAGES)  # {"vi": "Vietnamese (vi)", "en": "English (en)"}
DEFAULT_LANGUAGE = LANGUAGE_NAMES["vi"]

# Platform columns of the survey sheet (besides type, name, labels, required, constraint).
ITEM_TYPE = "item_type"  # the platform's item type where the XLSForm type alone does not say it
INDEX_ELEMENT = "index_element"
HIDDEN_ON = "hidden_on"  # channels the item is not asked on, separated by spaces
CONFIDENCE, SOURCE, NOTE = "confidence", "source", "note"
# Platform columns of the settings sheet.
SETTINGS_EXTRA = (
    "sector",
    "confidence",
    "source",
    "respondent_types",
    "index_satisfied",
    "index_aggregation",
    "expectation_met",
    "return_intention",
    "return_intention_satisfied",
    "comprehensive",
)
# XLSForm columns whose logic the platform cannot keep: a value in one of them is refused, not dropped
# (``relevant`` is kept on questions in the simple forms ``xlsform_relevant`` reads).
UNSUPPORTED_COLUMNS = frozenset(
    {
        "calculation",
        "choice_filter",
        "default",
        "read_only",
        "readonly",
        "repeat_count",
        "trigger",
        "appearance",
        "parameters",
        "hint",
        "guidance_hint",
        "required_message",
    }
)
_BOUNDS = re.compile(r"\s*\.\s*>=\s*(-?[0-9]+)\s+and\s+\.\s*<=\s*(-?[0-9]+)\s*")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a workbook: the sheet, the row as a spreadsheet numbers it (None: the whole sheet
    or file), and what to fix."""

    sheet: str | None
    row: int | None
    problem: str

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (self.sheet and f"sheet {self.sheet}", self.row and f"row {self.row}") if part
        )
        return f"{where}: {self.problem}" if where else self.problem


class XLSFormError(InstrumentFileError):
    """A workbook that is not a valid XLSForm of an instrument; ``problems`` lists every problem found."""

    def __init__(self, origin: str, problems: list[Problem]) -> None:
        super().__init__(f"{origin}: " + "; ".join(map(str, problems)))
        self.origin = origin
        self.problems = problems


def column(field: str, language: str) -> str:
    """The header of a translated column, e.g. ``label::Vietnamese (vi)``."""
    return f"{field}::{LANGUAGE_NAMES[language]}"


def language_of(header: str, field: str) -> str | None:
    """``vi`` or ``en`` when ``header`` is that language's column of ``field`` (a plain ``field``: Vietnamese)."""
    if header == field:
        return "vi"
    prefix, _, language = header.partition("::")
    if prefix != field:
        return None
    language = language.strip()
    for code, name in LANGUAGE_NAMES.items():
        if language in (code, name) or language.endswith(f"({code})"):
            return code
    return None


def text_columns(field: str, text: Text | None) -> dict[str, str]:
    """The Vietnamese and English columns of a text (English left empty when the text has none)."""
    if text is None:
        return {}
    return {column(field, "vi"): text.vi, column(field, "en"): text.en or ""}


def item_name(code: str) -> str:
    """The XLSForm ``name`` of an item or section code (the XML name the platform's XForms use too)."""
    return xml_name(code)


def code_of(name: str) -> str:
    """The item or section code of an XLSForm ``name``."""
    return name[1:] if name.startswith("_") else name


def bounds_constraint(low: int, high: int) -> str:
    """The XLSForm constraint of a whole number from ``low`` to ``high``."""
    return f". >= {low} and . <= {high}"


def bounds_of(constraint: str) -> tuple[int, int] | None:
    """``(low, high)`` of a constraint written as ``. >= LOW and . <= HIGH``; None for any other."""
    match = _BOUNDS.fullmatch(constraint)
    return (int(match.group(1)), int(match.group(2))) if match else None


def words(value: str) -> list[str]:
    """A list cell's entries (separated by spaces or commas)."""
    return [part for part in re.split(r"[\s,]+", value) if part]


def yes(value: str) -> bool | None:
    """An XLSForm yes/no cell (``yes``, ``true``, ``true()``, ``1`` …); None when it is neither."""
    lowered = value.strip().lower()
    if lowered in ("yes", "true", "true()", "1", "y"):
        return True
    if lowered in ("", "no", "false", "false()", "0", "n"):
        return False
    return None
