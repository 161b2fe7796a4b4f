"""AAPOR response rates on a worked example."""

import pytest

from sampling import aapor_response_rates


def test_rr1_and_rr3_on_a_worked_example() -> None:
    # 200 sample entries: 60 interviews, 15 refusals, 20 never at home, 5 other non-interviews, 20 found
    # not eligible, 80 never reached (eligibility unknown).
    rates = aapor_response_rates(complete=60, refusal=15, non_contact=20, other=5, not_eligible=20, unknown=80)
    assert rates.eligibility == pytest.approx(100 / 120)  # e: eligible among cases whose eligibility is known
    assert rates.rr1 == pytest.approx(60 / (100 + 80))  # 0.3333
    assert rates.rr3 == pytest.approx(60 / (100 + 80 * 100 / 120))  # 0.3600
    assert rates.rr3 > rates.rr1


def test_rates_without_cases_are_none_and_negative_counts_are_refused() -> None:
    assert aapor_response_rates(complete=0) == aapor_response_rates(complete=0, not_eligible=0)
    assert aapor_response_rates(complete=0).rr1 is None
    with pytest.raises(ValueError, match="refusal"):
        aapor_response_rates(complete=1, refusal=-1)
