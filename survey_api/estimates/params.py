"""Query parameters of the index and export endpoints, as models: one value a request carries whole."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from survey_api.estimates.nonresponse import Cells
from survey_api.estimates.weighting import Options
from survey_api.params import FIRST_DAY, LAST_DAY, MAX_INT, Day

Breakdown = Literal["unit", "sex", "age_group", "channel", "period"]
PeriodLength = Literal["month", "quarter"]


class SelectionParams(BaseModel):
    """An instrument version and the responses asked for: a unit (with the units below it) and a period."""

    model_config = ConfigDict(populate_by_name=True)

    instrument: str = Field(description="Instrument code, e.g. sipas")
    version: int | None = Field(None, ge=1, le=MAX_INT, description="Version number; default the latest published")
    unit: str | None = Field(None, description="Org unit code; includes the units below it")
    date_from: Day | None = Field(None, alias="from", ge=FIRST_DAY, le=LAST_DAY, description="First day, YYYY-MM-DD")
    date_to: Day | None = Field(None, alias="to", ge=FIRST_DAY, le=LAST_DAY, description="Last day, YYYY-MM-DD")


class IndexParams(SelectionParams):
    """What an index is asked over and how: a service point, weights, a breakdown, a target, non-response
    adjustment and trimming."""

    service_point: str | None = Field(None, description="Service point code")
    weighted: bool | None = Field(
        None, description="Weights from the design and margins; default true when either exists"
    )
    by: Breakdown | None = Field(None, description="Domain estimates by unit, sex, age_group, channel or period")
    period: PeriodLength = Field("month", description="Period breakdown: month or quarter")
    target: float | None = Field(
        None, ge=0, le=1, description="Target share satisfied; default the sector's (settings)"
    )
    nonresponse: Literal["cell", "none"] | None = Field(
        None,
        description="Non-response adjustment of interviews from a sampling plan's lists, by cell; default: "
        "applied when the responses come from a plan with contact outcomes",
    )
    nonresponse_cells: Cells = Field(
        "stratum", description="Non-response cells: the plan's strata (default) or its PSUs"
    )
    trim_lower: float | None = Field(
        None, ge=0, lt=1, description="Trim weights below this multiple of the mean weight"
    )
    trim_upper: float | None = Field(
        None, gt=1, description="Trim weights above this multiple of the mean weight, e.g. 3.5"
    )
    trim_strict: bool = Field(False, description="Repeat trimming until no weight is outside")

    def options(self) -> Options:
        """The weighting options asked for."""
        return Options(self.nonresponse, self.nonresponse_cells, self.trim_lower, self.trim_upper, self.trim_strict)
