"""Comparing two estimates from independent samples (two periods, two units): is their difference beyond
sampling error? One rule with the API's ``previous_period``: :func:`sampling.change.change_from_summaries`."""

from __future__ import annotations

from .change import change_from_summaries


def difference_significant(
    difference: float,
    se_first: float,
    se_second: float,
    level: float = 0.95,
    *,
    df_first: int | None = None,
    df_second: int | None = None,
) -> bool:
    """Whether ``difference`` between two independent estimates with these standard errors is significant at
    ``level``: a t test on the summed df when both are given, otherwise a normal test; with no sampling
    error at all, any difference is."""
    change = change_from_summaries(
        difference, se_first, 0.0, se_second, current_df=df_first, previous_df=df_second, level=level
    )
    return change.significant
