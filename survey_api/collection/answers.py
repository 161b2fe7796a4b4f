"""Checking answers against an instrument and packing the numeric ones for estimation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from survey_api.db.models.responses import MISSING_SCORE
from survey_api.instruments.document import Condition, InstrumentDocument, Item

MAX_TEXT_LENGTH = 5000


@dataclass(frozen=True)
class _Rules:
    """An instrument's items read once for checking: by code, the allowed options of choice items, and the
    required codes (a submission checks some 80 answers; reading the document each time cost more than the
    checks)."""

    items: dict[str, Item]
    allowed: dict[str, frozenset[int]]
    required: tuple[str, ...]
    conditional: bool


# Keyed by the document's id, holding the document itself so that the id cannot be reused while cached.
_rules: dict[int, tuple[InstrumentDocument, _Rules]] = {}
_MAX_RULES = 256


def _rules_of(document: InstrumentDocument) -> _Rules:
    cached = _rules.get(id(document))
    if cached is not None and cached[0] is document:
        return cached[1]
    items = document.items_by_code()
    rules = _Rules(
        items=items,
        allowed={
            code: frozenset(option.value for option in document.options_of(item))
            for code, item in items.items()
            if item.type in ("single_choice", "multiple_choice")
        },
        required=tuple(code for code, item in items.items() if item.required),
        conditional=any(item.shown_if is not None for item in items.values()),
    )
    if len(_rules) >= _MAX_RULES:
        _rules.clear()
    _rules[id(document)] = (document, rules)
    return rules


def check_answers(document: InstrumentDocument, answers: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The answers without empty ones, and every problem found (item code and reason).

    Skip logic: an item whose condition (``shown_if``) the other answers do not meet is not required, and an
    answer given to it is refused (the item is named), never silently dropped: a stored answer is one the
    respondent was asked for. Forms that hide such an item do not send it.
    """
    cleaned, problems = check_values(document, answers)
    return settle_answers(document, cleaned, problems)


def check_values(document: InstrumentDocument, answers: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Each answer on its own against its item (``check_answers`` without skip logic and required items)."""
    rules = _rules_of(document)
    problems: list[dict[str, str]] = []
    cleaned: dict[str, Any] = {}
    for code, value in answers.items():
        item = rules.items.get(code)
        if item is None:
            problems.append({"item": code, "problem": f"{document.code} has no item {code}"})
            continue
        if value is None or value == "" or value == []:
            continue
        reason = _check_value(item, rules.allowed.get(code, frozenset()), value)
        if reason:
            problems.append({"item": code, "problem": reason})
        else:
            cleaned[code] = value.strip() if isinstance(value, str) else value
    return cleaned, problems


def settle_answers(
    document: InstrumentDocument, cleaned: dict[str, Any], problems: list[dict[str, str]]
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """``check_values``' result with the rules across items: skipped items refused, required ones present."""
    rules = _rules_of(document)
    skipped = document.skipped(cleaned) if rules.conditional else set()
    problems = list(problems)
    for code, item in rules.items.items():
        if code in skipped and code in cleaned and item.shown_if is not None:
            problems.append({"item": code, "problem": _skip_reason(item.shown_if)})
    if skipped:
        cleaned = {code: value for code, value in cleaned.items() if code not in skipped}
    missing = [code for code in rules.required if code not in cleaned and code not in skipped]
    if missing:
        flawed = {problem["item"] for problem in problems}
        problems.extend(
            {"item": code, "problem": "this question is required and has no answer"}
            for code in missing
            if code not in flawed
        )
    return cleaned, problems


def _skip_reason(condition: Condition) -> str:
    if condition.any_of is None:
        return f"this question is skipped when {condition.item} has no answer; leave it empty"
    return f"this question is asked only when {condition.item} is one of {condition.any_of}; leave it empty"


def _check_value(item: Item, allowed: frozenset[int], value: Any) -> str | None:
    is_int = type(value) is int  # bool is a subclass of int, and no answer
    if item.type == "scale_1_5":
        if not is_int or not 1 <= value <= 5:
            return f"{value!r} is not on the 1–5 scale (give a whole number from 1 to 5)"
    elif item.type == "score_0_100":
        if not is_int or not 0 <= value <= 100:
            return f"{value!r} is not a whole number from 0 to 100"
    elif item.type == "single_choice":
        if not is_int or value not in allowed:
            return f"{value!r} is not one of the options {sorted(allowed)}"
    elif item.type == "multiple_choice":
        if not isinstance(value, list) or not all(type(v) is int for v in value):
            return "give a list of option numbers"
        if len(set(value)) != len(value):
            return "an option is chosen twice"
        if not set(value) <= allowed:
            return f"{sorted(set(value) - allowed)} are not among the options {sorted(allowed)}"
    elif item.type == "free_text":
        if not isinstance(value, str):
            return "give the answer as text"
        if len(value) > MAX_TEXT_LENGTH:
            return f"the text is longer than {MAX_TEXT_LENGTH} characters"
    elif item.type == "integer":
        return check_whole_number(item, value)
    return None


def check_whole_number(item: Item, value: Any) -> str | None:
    """Why ``value`` is not a whole number within the item's ``min``–``max`` bounds (None when it is)."""
    low = item.min if item.min is not None else 0
    high = item.max if item.max is not None else 0
    if type(value) is not int or not low <= value <= high:
        return f"{value!r} is not a whole number from {low} to {high}"
    return None


def pack_scores(score_items: Sequence[str], answers: dict[str, Any]) -> bytes:
    """One byte per numeric item, in ``score_items`` order; ``MISSING_SCORE`` where unanswered."""
    return bytes(answers[code] if code in answers else MISSING_SCORE for code in score_items)
