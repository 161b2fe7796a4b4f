"""The selection a request is carried as: a hashable value (the rows cache's key) that owns its SQL."""

from __future__ import annotations

from datetime import date

from survey_api.estimates.selection import Selection


def test_equal_selections_are_one_key_whatever_the_order_of_their_units() -> None:
    first = Selection(3, frozenset([5, 1, 9]), date_from=date(2026, 1, 1))
    again = Selection(3, frozenset([9, 5, 1]), date_from=date(2026, 1, 1))
    assert first == again and hash(first) == hash(again) and len({first, again}) == 1
    assert str(first.conditions()[2]) == str(again.conditions()[2])  # units rendered in one order


def test_conditions_follow_the_filters_given() -> None:
    assert len(Selection(1).conditions()) == 2  # the version, not excluded
    full = Selection(1, frozenset([2]), 7, date(2026, 1, 1), date(2026, 1, 31), channel="tablet")
    assert len(full.conditions()) == 7


def test_another_period_keeps_the_rest() -> None:
    selection = Selection(1, frozenset([2]), 7, date(2026, 2, 1), date(2026, 2, 28))
    previous = selection.over(date(2026, 1, 1), date(2026, 1, 31))
    assert (previous.unit_ids, previous.service_point_id, previous.date_to) == (frozenset([2]), 7, date(2026, 1, 31))
    assert selection.date_from == date(2026, 2, 1)
