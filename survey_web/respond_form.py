"""The respondent's questionnaire as the page shows it: the QR self-completion form of an instrument, the
questions' labels for error summaries, the estimated time and the page's subtitle; and reading answers back."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from survey_api.instruments.document import InstrumentDocument, Item, Text
from survey_api.qr.forms import estimated_minutes, place_of, qr_sections, question_count
from survey_web.i18n import TEXTS

_INTEGER = re.compile(r"^-?\d{1,9}$")


@dataclass(frozen=True)
class FormView:
    """What the questionnaire template needs of an instrument."""

    sections: list[dict[str, Any]]
    labels: dict[str, str]
    questions: int
    minutes: int


def form_view(document: InstrumentDocument, english: bool) -> FormView:
    """The QR form of ``document`` in the page's language."""

    def text(value: Text) -> str:
        return value.en if english and value.en else value.vi

    shown = qr_sections(document)
    sections = [
        {
            "title": text(section.title),
            "questions": [
                {
                    "code": item.code,
                    "type": item.type,
                    "required": item.required,
                    "text": text(item.text),
                    "min": item.min,
                    "max": item.max,
                    "options": [{"value": o.value, "label": text(o.label)} for o in document.options_of(item)],
                    "shown_if": _condition(document, item, text, english),
                }
                for item in section.items
            ],
        }
        for section in shown
    ]
    labels = {item.code: summary_label(text(item.text)) for section in shown for item in section.items}
    return FormView(sections, labels, question_count(shown), estimated_minutes(document, shown))


def _condition(
    document: InstrumentDocument, item: Item, text: Callable[[Text], str], english: bool
) -> dict[str, str] | None:
    """The item's condition as the page carries it: the earlier item's field name, the option values that
    show it (space separated; empty: any answer), and the sentence saying it for a page without JavaScript."""
    condition = item.shown_if
    if condition is None:
        return None
    t = TEXTS["en" if english else "vi"]
    source = document.items_by_code()[condition.item]
    question = summary_label(text(source.text))
    if condition.any_of is None:
        return {"item": source.code, "values": "", "hint": t["asked_if_answered"].format(question=question)}
    labels = [text(o.label) for o in document.options_of(source) if o.value in condition.any_of]
    answers = " / ".join(f"“{summary_label(label)}”" for label in labels)
    return {
        "item": source.code,
        "values": " ".join(map(str, condition.any_of)),
        "hint": t["asked_if"].format(question=question, answers=answers),
    }


def summary_label(text: str) -> str:
    """A question's text as an error summary names it, before ": message" (no doubled colon or full stop)."""
    return text.strip().rstrip(":.…").rstrip()


def subtitle(unit_name: str, point_name: str) -> str:
    """Where the respondent was served, without saying the unit's name twice (as the posters say it)."""
    return place_of(unit_name, point_name)


def read_answers(document: InstrumentDocument, form: FormData) -> dict[str, Any]:
    """The answers posted for the items shown on the QR form, typed as the API expects them.

    An answer to an item the other answers skip (``shown_if`` not met) is dropped: without JavaScript such a
    question stays on the page, and a respondent who chose "other", typed, then chose again has answered
    only the last choice. (The API, which gets no page, refuses such an answer instead.)"""
    answers: dict[str, Any] = {}
    for section in qr_sections(document):
        for item in section.items:
            raw = [str(v).strip() for v in form.getlist(f"a:{item.code}") if str(v).strip()]
            if not raw:
                continue
            if item.type == "multiple_choice":
                answers[item.code] = [int(v) if v.isdigit() else v for v in raw]
            elif item.type == "free_text":
                answers[item.code] = raw[0]
            elif item.type == "integer":
                answers[item.code] = int(raw[0]) if _INTEGER.match(raw[0]) else raw[0]
            else:
                answers[item.code] = int(raw[0]) if raw[0].isdigit() else raw[0]
    skipped = document.skipped(answers)
    return {code: value for code, value in answers.items() if code not in skipped}
