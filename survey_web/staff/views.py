"""What the fieldwork pages show: the API's progress turned into table rows of display text.

Numbers are the API's own (``plans.progress.plan_progress``, ``fieldwork.service.list_assignments``); only
percentages, dates and the wording of why something is late are made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from survey_api.fieldwork.lateness import is_late
from survey_api.fieldwork.schemas import AssignmentOut, Progress
from survey_api.plans.schemas import AssignmentProgress, GroupProgress, PlanProgress

NO_VALUE = "—"


@dataclass(frozen=True)
class Row:
    """One line of a progress table; ``late`` is why it is late (None when on time)."""

    label: str
    sampled: str
    assigned: str
    contacted: str
    completed: str
    refused: str
    not_at_home: str
    not_eligible: str
    quota: str
    rr1: str | None
    rr3: str | None
    late: str | None


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment: who, where, until when, and its counts (``counts.label`` is its number)."""

    counts: Row
    volunteer: str
    place: str
    ends_on: str


@dataclass(frozen=True)
class PlanView:
    strata: list[Row]
    total: Row
    assignments: list[AssignmentRow]
    late: list[AssignmentRow]


def percent(rate: float | None, lang: str) -> str | None:
    """A rate (0–1) as a percentage with one decimal, e.g. ``60,0 %`` (vi) or ``60.0%`` (en); None stays None."""
    if rate is None:
        return None
    text = f"{rate * 100:.1f}"
    return f"{text.replace('.', ',')} %" if lang == "vi" else f"{text}%"


def day(value: date | None, lang: str) -> str:
    """A date as people write it: ``31/01/2020`` (vi) or ``2020-01-31`` (en)."""
    if value is None:
        return NO_VALUE
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def late_reason(t: Mapping[str, str], lang: str, ends_on: date | None, quota: int | None, progress: Progress) -> str:
    """Why an assignment is late, in words."""
    if ends_on is None:
        return t["late"]
    if quota is not None:
        return t["late_quota"].format(day=day(ends_on, lang), done=progress.completed, quota=quota)
    return t["late_sample"].format(day=day(ends_on, lang), left=progress.not_contacted)


def _quota(completed: int, quota: int | None) -> str:
    return f"{completed}/{quota}" if quota is not None else NO_VALUE


def _outcome(progress: Progress, outcome: str) -> str:
    return str(progress.outcomes.get(outcome, 0))


def _row(label: str, group: GroupProgress, late: str | None, lang: str) -> Row:
    p = group.progress
    return Row(
        label=label,
        sampled=str(group.sampled),
        assigned=str(group.assigned),
        contacted=str(group.contacted),
        completed=str(group.completed),
        refused=_outcome(p, "refused"),
        not_at_home=_outcome(p, "not_at_home"),
        not_eligible=_outcome(p, "not_eligible"),
        quota=_quota(group.completed, group.quota),
        rr1=percent(p.response_rate, lang),
        rr3=percent(p.response_rate_rr3, lang),
        late=late,
    )


def _assignment_row(a: AssignmentProgress, t: Mapping[str, str], lang: str) -> AssignmentRow:
    late = late_reason(t, lang, a.ends_on, a.quota, a.progress) if a.late else None
    return AssignmentRow(
        counts=_row(f"#{a.assignment}", a, late, lang),
        volunteer=a.volunteer,
        place=a.service_point or NO_VALUE,
        ends_on=day(a.ends_on, lang),
    )


def plan_view(progress: PlanProgress, t: Mapping[str, str], lang: str) -> PlanView:
    """The plan's progress by stratum (with the whole plan) and by assignment; late ones also listed apart."""
    group_late = t["late_group"]
    strata = [
        _row(name or t["no_stratum"], g, group_late if g.late else None, lang) for name, g in progress.strata.items()
    ]
    total = _row(t["total"], progress.total, group_late if progress.total.late else None, lang)
    assignments = [_assignment_row(a, t, lang) for a in progress.assignments]
    return PlanView(strata, total, assignments, [a for a in assignments if a.counts.late])


def assignment_rows(found: list[AssignmentOut], t: Mapping[str, str], lang: str, today: date) -> list[AssignmentRow]:
    """The fieldwork assignments as rows; ``sampled`` is the sample list's length, ``contacted`` the cases."""
    rows = []
    for a in found:
        p = a.progress
        overdue = is_late(a.ends_on, a.quota, p.completed, p.not_contacted, today)
        late = late_reason(t, lang, a.ends_on, a.quota, p) if overdue else None
        listed = str(len(a.sample)) if a.sample is not None else NO_VALUE
        counts = Row(
            label=f"#{a.id}",
            sampled=listed,
            assigned=listed,
            contacted=str(p.cases),
            completed=str(p.completed),
            refused=_outcome(p, "refused"),
            not_at_home=_outcome(p, "not_at_home"),
            not_eligible=_outcome(p, "not_eligible"),
            quota=_quota(p.completed, a.quota),
            rr1=percent(p.response_rate, lang),
            rr3=percent(p.response_rate_rr3, lang),
            late=late,
        )
        place = a.service_point_name or a.unit_name or NO_VALUE
        rows.append(AssignmentRow(counts=counts, volunteer=a.volunteer, place=place, ends_on=day(a.ends_on, lang)))
    return rows
