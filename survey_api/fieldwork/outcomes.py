"""How contact attempts add up: each case's final outcome, and an assignment's progress with AAPOR rates."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sampling import aapor_response_rates
from survey_api.db.models import ContactAttempt
from survey_api.fieldwork.schemas import Progress


def progress(attempts: Iterable[ContactAttempt], sample: Sequence[str] = ()) -> Progress:
    """Count cases by final outcome: completed if any attempt completed, else the latest attempt's.

    Attempts sharing a ``case_ref`` are one case; an attempt without one is a case of its own. Rates
    follow AAPOR: RR1 counts the entries of the ``sample`` list not yet contacted as eligible (their
    eligibility is unknown), RR3 only the share ``e`` of them estimated to be eligible.
    """
    listed = list(attempts)
    cases = final_outcomes(listed)
    finals: Counter[str] = Counter(cases.values())
    not_contacted = len(set(sample) - cases.keys())
    rates = aapor_response_rates(
        complete=finals["completed"],
        refusal=finals["refused"],
        non_contact=finals["not_at_home"],
        other=finals["language_barrier"] + finals["other"],
        not_eligible=finals["not_eligible"],
        unknown=not_contacted,
    )
    return Progress(
        attempts=len(listed),
        cases=len(cases),
        completed=finals["completed"],
        not_contacted=not_contacted,
        outcomes=dict(finals),
        response_rate=_rounded(rates.rr1),
        response_rate_rr3=_rounded(rates.rr3),
        eligibility_rate=_rounded(rates.eligibility),
    )


def final_outcomes(attempts: Iterable[ContactAttempt]) -> dict[str, str]:
    """Each case's final outcome: completed if any attempt completed, else the latest attempt's.

    Cases are keyed by ``case_ref``; an attempt without one is a case of its own (``attempt:<id>``).
    """
    cases: dict[str, list[ContactAttempt]] = defaultdict(list)
    for attempt in attempts:
        cases[attempt.case_ref if attempt.case_ref else f"attempt:{attempt.id}"].append(attempt)
    return {
        ref: "completed" if any(a.outcome == "completed" for a in case) else max(case, key=_attempt_time).outcome
        for ref, case in cases.items()
    }


def _rounded(rate: float | None) -> float | None:
    return round(rate, 4) if rate is not None else None


def _attempt_time(attempt: ContactAttempt) -> datetime:
    return attempt.attempted_at or attempt.received_at
