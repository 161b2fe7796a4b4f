"""Response rates by the AAPOR Standard Definitions (RR1 and RR3)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResponseRates:
    """RR1 counts every case of unknown eligibility as eligible; RR3 counts the estimated share ``e`` of them."""

    rr1: float | None
    rr3: float | None
    eligibility: float | None


def aapor_response_rates(
    *,
    complete: int,
    partial: int = 0,
    refusal: int = 0,
    non_contact: int = 0,
    other: int = 0,
    unknown: int = 0,
    not_eligible: int = 0,
) -> ResponseRates:
    """RR1 = I / ((I+P) + (R+NC+O) + U) and RR3 = I / ((I+P) + (R+NC+O) + e·U).

    ``unknown`` counts cases whose eligibility was never determined (e.g. sample entries never reached);
    ``e`` is estimated from the cases whose eligibility is known: eligible / (eligible + not eligible).
    A rate whose denominator is zero is None.
    """
    counts = {
        "complete": complete,
        "partial": partial,
        "refusal": refusal,
        "non_contact": non_contact,
        "other": other,
        "unknown": unknown,
        "not_eligible": not_eligible,
    }
    negative = [name for name, value in counts.items() if value < 0]
    if negative:
        raise ValueError(f"case counts cannot be negative: {', '.join(negative)}")
    eligible = complete + partial + refusal + non_contact + other
    known = eligible + not_eligible
    e = eligible / known if known else None
    rr1_denominator = eligible + unknown
    rr3_denominator = eligible + (e * unknown if e is not None else unknown)
    return ResponseRates(
        rr1=complete / rr1_denominator if rr1_denominator else None,
        rr3=complete / rr3_denominator if rr3_denominator else None,
        eligibility=e,
    )
