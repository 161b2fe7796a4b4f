"""What the staff results page shows for an instrument and period: the index against its target, its trend,
elements and items weakest first, and every unit with its change since the previous period."""

from survey_api.results.model import ItemResult, Results, TrendPoint, UnitResult
from survey_api.results.service import TREND_PERIODS, results_for, units_to_choose

__all__ = ["TREND_PERIODS", "ItemResult", "Results", "TrendPoint", "UnitResult", "results_for", "units_to_choose"]
