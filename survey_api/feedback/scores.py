"""What the answer a feedback follows says: the mean score of each index element, and which are low."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from survey_api.instruments.document import InstrumentDocument


@dataclass(frozen=True)
class ElementScore:
    """One index element of the answer: its mean on the 1–5 scale over the items answered (None: none)."""

    code: str
    label_vi: str
    label_en: str
    mean: float | None
    answered: int
    low: bool

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.label_vi


def element_scores(document: InstrumentDocument, answers: dict[str, Any], low_below: float) -> list[ElementScore]:
    """Every index element of ``document`` with the answer's mean score; low when the mean is below ``low_below``."""
    scores = []
    for element in document.index.elements:
        values = [answers[code] for code in element.items if _on_scale(answers.get(code))]
        mean = sum(values) / len(values) if values else None
        scores.append(
            ElementScore(
                code=element.code,
                label_vi=element.label.vi,
                label_en=element.label.en or element.label.vi,
                mean=mean,
                answered=len(values),
                low=mean is not None and mean < low_below,
            )
        )
    return scores


def low_element_codes(document: InstrumentDocument, answers: dict[str, Any], low_below: float) -> list[str]:
    """Codes of the elements the answer scored low, in the instrument's order."""
    return [score.code for score in element_scores(document, answers, low_below) if score.low]


def element_labels(document: InstrumentDocument) -> dict[str, tuple[str, str]]:
    """(Vietnamese, English) label of every index element, by code."""
    return {e.code: (e.label.vi, e.label.en or e.label.vi) for e in document.index.elements}


def _on_scale(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5
