"""Checking answers against an instrument and packing the numeric ones for estimation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from survey_api.db.models.responses import MISSING_SCORE
from survey_api.instruments.document import InstrumentDocument, Item

MAX_TEXT_LENGTH = 5000


def check_answers(document: InstrumentDocument, answers: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The answers without empty ones, and every problem found (item code and reason)."""
    items = document.items_by_code()
    problems: list[dict[str, str]] = []
    cleaned: dict[str, Any] = {}
    for code, value in answers.items():
        item = items.get(code)
        if item is None:
            problems.append({"item": code, "problem": f"{document.code} has no item {code}"})
            continue
        if value is None or value == "" or value == []:
            continue
        reason = _check_value(document, item, value)
        if reason:
            problems.append({"item": code, "problem": reason})
        else:
            cleaned[code] = value.strip() if isinstance(value, str) else value
    for code, item in items.items():
        if item.required and code not in cleaned and not any(p["item"] == code for p in problems):
            problems.append({"item": code, "problem": "this question is required and has no answer"})
    return cleaned, problems


def _check_value(document: InstrumentDocument, item: Item, value: Any) -> str | None:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if item.type == "scale_1_5":
        if not is_int or not 1 <= value <= 5:
            return f"{value!r} is not on the 1–5 scale (give a whole number from 1 to 5)"
    elif item.type == "score_0_100":
        if not is_int or not 0 <= value <= 100:
            return f"{value!r} is not a whole number from 0 to 100"
    elif item.type == "single_choice":
        allowed = {option.value for option in document.options_of(item)}
        if not is_int or value not in allowed:
            return f"{value!r} is not one of the options {sorted(allowed)}"
    elif item.type == "multiple_choice":
        allowed = {option.value for option in document.options_of(item)}
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
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
    return None


def pack_scores(score_items: Sequence[str], answers: dict[str, Any]) -> bytes:
    """One byte per numeric item, in ``score_items`` order; ``MISSING_SCORE`` where unanswered."""
    return bytes(answers[code] if code in answers else MISSING_SCORE for code in score_items)
