"""Respondent cells (``sex``, ``age_group``) from answers, as the instrument declares them (``cells``).

One rule for every insert path (API, QR, tablet, OpenRosa, imports) and for responses stored before their
instrument declared its cells: a cell given explicitly with the response (an import's ``sex`` /
``age_group`` column, a sampling plan's frame columns) is kept; the declared items' answers fill the cells
left empty. Responses stored before their instrument declared cells got theirs from migration 0013.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from survey_api.instruments.document import InstrumentDocument


def fill_from_answers(document: InstrumentDocument, answers: dict[str, Any], values: MutableMapping[str, Any]) -> None:
    """Set in ``values`` (a response's columns) every cell that is empty there and that the answers give."""
    for name, level in document.respondent_cells(answers).items():
        if values.get(name) is None:
            values[name] = level
