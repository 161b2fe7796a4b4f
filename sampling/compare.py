"""Comparing two independent estimates (two periods, two units): is their difference beyond sampling error?"""

from __future__ import annotations

import math

from scipy.stats import norm


def difference_significant(difference: float, se_first: float, se_second: float, level: float = 0.95) -> bool:
    """Whether ``difference`` between two independent estimates with these standard errors is significant at
    ``level`` (two-sided normal test); with no sampling error at all, any difference is."""
    spread = math.hypot(se_first, se_second)
    if spread == 0:
        return difference != 0
    return abs(difference) > float(norm.ppf(1 - (1 - level) / 2)) * spread
