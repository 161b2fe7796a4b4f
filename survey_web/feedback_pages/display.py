"""Display text for the feedback pages: days, times, scores and the wording of each step of the history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from survey_api.collection.service import LOCAL_TIME
from survey_api.feedback.views import Event

NO_VALUE = "—"


def day(value: date | None, lang: str) -> str:
    """``31/01/2026`` (vi) or ``2026-01-31`` (en)."""
    if value is None:
        return NO_VALUE
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def moment(value: datetime | None, lang: str) -> str:
    """A time in Viet Nam: ``31/01/2026 14:05`` (vi) or ``2026-01-31 14:05`` (en)."""
    if value is None:
        return NO_VALUE
    local = value.astimezone(LOCAL_TIME)
    return f"{day(local.date(), lang)} {local:%H:%M}"


def score(value: float | None, lang: str) -> str:
    """A mean score with one decimal (``2,5`` in Vietnamese)."""
    if value is None:
        return NO_VALUE
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


def status_word(t: Mapping[str, str], status: str | None) -> str:
    return t.get(f"status_{status}", NO_VALUE) if status else NO_VALUE


@dataclass(frozen=True)
class Step:
    """One line of the history as a person reads it."""

    when: str
    who: str
    what: str
    note: str | None


def history_steps(events: list[Event], t: Mapping[str, str], lang: str) -> list[Step]:
    """The history, oldest first, in words (no codes)."""
    steps = []
    for e in events:
        ev = e.event
        if ev.action == "status":
            what = t["a_status"].format(before=status_word(t, ev.from_status), after=status_word(t, ev.to_status))
        elif ev.action == "reassigned":
            what = t["a_reassigned"].format(before=e.from_unit or t["no_unit"], after=e.to_unit or t["no_unit"])
        else:
            what = t.get(f"a_{ev.action}", ev.action)
        who = e.by or (t["by_citizen"] if ev.action == "received" else t["by_system"])
        note = ev.note if ev.action in ("status", "replied", "reassigned") else None
        steps.append(Step(moment(ev.at, lang), who, what, note))
    return steps
