"""Skip logic in XLSForm: an item's ``shown_if`` as the ``relevant`` column writes it, and back.

Only the forms a condition can say are read: ``${x} = 'v'`` and ``selected(${x}, 'v')`` (each naming an
option by its value), several of them ``or``-ed on the same question, and ``${x} != ''`` (any answer).
Anything else (``and``, other operators, functions, several questions) cannot be kept and is refused.
"""

from __future__ import annotations

import re

from survey_api.instruments.document import Condition, InstrumentDocument
from survey_api.instruments.xlsform_layout import code_of, item_name

_NAME = r"\$\{([^}\s]+)\}"
_VALUE = r"""(?:'(\d+)'|"(\d+)"|(\d+))"""
_EQUALS = re.compile(rf"{_NAME}\s*=\s*{_VALUE}")
_SELECTED = re.compile(rf"selected\(\s*{_NAME}\s*,\s*{_VALUE}\s*\)")
_ANSWERED = re.compile(rf"""{_NAME}\s*!=\s*(?:''|"")|string-length\(\s*{_NAME}\s*\)\s*>\s*0""")
_OR = re.compile(r"\s+or\s+")
EXPECTED = "write it as ${item} = 'value' or selected(${item}, 'value'), or-ed on one question, or ${item} != ''"


def relevant_of(document: InstrumentDocument, condition: Condition) -> str:
    """The ``relevant`` cell of a condition: ``=`` for a single choice, ``selected()`` for a multiple one."""
    name = item_name(condition.item)
    if condition.any_of is None:
        return f"${{{name}}} != ''"
    multiple = document.items_by_code()[condition.item].type == "multiple_choice"
    form = "selected(${{{0}}}, '{1}')" if multiple else "${{{0}}} = '{1}'"
    return " or ".join(form.format(name, value) for value in condition.any_of)


def condition_of(relevant: str) -> dict[str, object] | str:
    """The condition a ``relevant`` cell says (as document data), or why it cannot be kept."""
    text = relevant.strip()
    answered = _ANSWERED.fullmatch(text)
    if answered:
        return {"item": code_of(answered.group(1) or answered.group(2))}
    names: list[str] = []
    values: list[int] = []
    for part in _OR.split(text):
        match = _EQUALS.fullmatch(part.strip()) or _SELECTED.fullmatch(part.strip())
        if match is None:
            return f"relevant {relevant!r} cannot be kept: {EXPECTED}"
        name, *quoted = match.groups()
        names.append(name)
        values.append(int(next(value for value in quoted if value is not None)))
    if len(set(names)) > 1:
        return f"relevant {relevant!r} looks at several questions; a condition looks at one"
    return {"item": code_of(names[0]), "any_of": values}
