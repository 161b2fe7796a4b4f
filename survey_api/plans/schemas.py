"""API shapes of sampling plans: the design, frames, the drawn sample, assignment and progress."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from survey_api.fieldwork.schemas import Progress
from survey_api.params import BodyDay

StageMethod = Literal["pps", "srs", "systematic"]
AllocationMethod = Literal["proportional", "equal", "neyman", "optimal"]
ReplaceReason = Literal["refused", "not_eligible", "unreachable", "inaccessible"]
RESERVED_COLUMNS = ("ref", "label", "parent")


class Certainty(BaseModel):
    """Rules that make units certainty selections (``pi = 1``, counted in the stage's ``n``).

    PPS also takes with certainty every unit whose ``n s_i / sum s`` reaches 1 (repeatedly), with no rule.
    """

    model_config = ConfigDict(extra="forbid")

    column: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="A frame column flagging certainty units (1/true/yes/x/có; blank/0/false/no/không: not), "
        "e.g. the provincial capital or the commune seat",
    )
    min_size: float | None = Field(default=None, gt=0, description="Units whose size is at least this")

    @model_validator(mode="after")
    def _some(self) -> Certainty:
        if self.column is None and self.min_size is None:
            raise ValueError("a certainty rule names a column, a min_size, or both")
        return self


class Stage(BaseModel):
    """One stage: ``n`` units per stratum (first stage) or per selected parent (later stages)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, description="e.g. commune, village, household")
    method: StageMethod = "srs"
    n: int | None = Field(
        default=None,
        ge=1,
        description="Per stratum (first stage) or per parent, certainty units included; "
        "omit on the last stage with a target",
    )
    size_column: str = Field(default="size", max_length=64, description="The measure of size (PPS, min_size)")
    certainty: Certainty | None = None
    replacements: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Reserve units per group (stratum or parent), drawn by the stage's method; "
        "default: the design's replacements at the last stage, none above",
    )

    @model_validator(mode="after")
    def _columns(self) -> Stage:
        column = self.certainty.column if self.certainty else None
        if column is not None and column in (*RESERVED_COLUMNS, self.size_column):
            raise ValueError(f"the certainty column cannot be {column!r}: that column has another meaning")
        return self


class Target(BaseModel):
    """A total sample size ``n``, or a margin of error for a proportion (Cochran with FPC, or Slovin)."""

    model_config = ConfigDict(extra="forbid")

    n: int | None = Field(default=None, ge=1)
    moe: float | None = Field(default=None, gt=0, lt=1)
    p: float = Field(default=0.5, ge=0, le=1)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    deff: float = Field(default=1.0, gt=0)
    response_rate: float = Field(default=1.0, gt=0, le=1)
    formula: Literal["cochran", "slovin"] = "cochran"

    @model_validator(mode="after")
    def _one(self) -> Target:
        if (self.n is None) == (self.moe is None):
            raise ValueError("give either n or moe")
        return self


class Design(BaseModel):
    """Strata, stages, target and allocation; ``replacements`` extra last-stage units per stratum or parent."""

    model_config = ConfigDict(extra="forbid")

    stratum_column: str | None = Field(default=None, max_length=64, description="Column of the first stage's file")
    stages: list[Stage] = Field(min_length=1, max_length=5)
    target: Target | None = None
    allocation: AllocationMethod = "proportional"
    sd: dict[str, float] | None = Field(default=None, description="Standard deviation by stratum (neyman, optimal)")
    cost: dict[str, float] | None = Field(default=None, description="Cost per unit by stratum (optimal)")
    min_per_stratum: int = Field(default=0, ge=0)
    replacements: int = Field(default=0, ge=0, le=100)

    def reserve(self, stage: int) -> int:
        """Reserve units per group at ``stage``."""
        own = self.stages[stage].replacements
        if own is not None:
            return own
        return self.replacements if stage == len(self.stages) - 1 else 0

    @model_validator(mode="after")
    def _sizes(self) -> Design:
        for k, stage in enumerate(self.stages):
            if k == 0 and stage.certainty and stage.certainty.column == self.stratum_column:
                raise ValueError("the certainty column cannot be the stratum column")
            last = k == len(self.stages) - 1
            if stage.n is None and not (last and self.target is not None):
                raise ValueError(f"stage {k} ({stage.name}) needs n")
            if stage.n is not None and last and self.target is not None:
                raise ValueError("with a target, the last stage's n comes from the target: leave it out")
        return self


class PlanIn(BaseModel):
    """A new sampling plan."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    instrument: str = Field(max_length=64, description="Instrument code, e.g. sipas")
    unit: str | None = Field(default=None, max_length=64, description="The org unit the plan belongs to")
    design: Design


class FrameOut(BaseModel):
    """What a frame upload stored."""

    plan: int
    stage: int
    rows: int
    strata: dict[str, int]


class SizeOut(BaseModel):
    """The sample size of final units and its allocation across strata."""

    n: int
    method: str
    population: int
    n0: float | None = None
    n_fpc: float | None = None
    allocation: dict[str, int]
    exact: dict[str, float]
    shares: dict[str, int] = Field(
        default_factory=dict,
        description="Multistage plans with a target: last-stage units per parent (ref) as spread at the draw",
    )


class StageStatus(BaseModel):
    """Where a stage stands: its frame, whether it is drawn, and how its sample is made up."""

    stage: int
    name: str
    method: StageMethod
    frame_rows: int
    drawn: bool
    in_sample: int = Field(description="Units in the sample: selected or released replacements, not replaced/dropped")
    certainty: int = Field(description="Of those, taken with certainty (stage probability 1)")
    by_chance: int = Field(description="Of those, drawn at random (in_sample − certainty)")
    reserve: int = Field(description="Replacements not released yet")
    replaced: int
    dropped: int = Field(description="Units dropped with a replaced ancestor")
    awaiting_listing: list[str] = Field(
        description="Drawn units of the stage above with no unit listed in this stage's frame yet"
    )


class PlanListItem(BaseModel):
    """One plan in the list of plans."""

    id: int
    name: str
    instrument: str
    unit: str | None = Field(description="The unit's code")
    unit_name: str | None
    status: str
    drawn_at: datetime | None


class PlanOut(BaseModel):
    id: int
    name: str
    instrument: str
    unit: str | None
    status: str = Field(description="draft; listing (some stages drawn, the next awaits its frame); drawn")
    design: Design
    frames: dict[int, int] = Field(description="Rows stored per stage")
    drawn_stages: list[int] = Field(description="Stages drawn so far (a listed stage is drawn after the others)")
    stages: list[StageStatus]
    sizing: SizeOut | None
    seed: int | None
    created_at: datetime
    drawn_at: datetime | None


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int | None = Field(default=None, ge=0, lt=2**63, description="Default: a fresh random seed, stored")


class SampleUnitOut(BaseModel):
    stage: int
    ref: str
    label: str | None
    stratum: str | None
    parent: str | None
    stage_probability: float = Field(description="Probability of selection at this stage, given the parent")
    inclusion_probability: float = Field(description="Product of the stage probabilities down to this unit")
    weight: float = Field(description="1 / inclusion probability")
    certainty: bool = Field(description="Selected with certainty (stage probability 1)")
    selection_order: int
    role: Literal["selected", "replacement"]
    status: str = Field(description="pending, assigned, replaced, or dropped (with a replaced ancestor)")
    replaces: str | None
    replaced_reason: str | None
    assignment: int | None


class SampleOut(BaseModel):
    plan: int
    seed: int
    units: list[SampleUnitOut]


class RedrawCheck(BaseModel):
    seed: int
    identical: bool
    units: int
    differences: list[str]


class AssignIn(BaseModel):
    """Last-stage sample units (by ref, or all unassigned ones of a stratum) for a volunteer or a desk."""

    model_config = ConfigDict(extra="forbid")

    volunteer: str
    units: list[str] | None = Field(default=None, max_length=5000)
    stratum: str | None = None
    service_point: str | None = Field(default=None, max_length=64, description="A desk: interviews at this point")
    quota: int | None = Field(default=None, ge=1, le=100_000)
    starts_on: BodyDay | None = None
    ends_on: BodyDay | None = None
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _which(self) -> AssignIn:
        if (self.units is None) == (self.stratum is None):
            raise ValueError("name the units, or a stratum")
        if self.units is not None and len(set(self.units)) != len(self.units):
            raise ValueError("units must be unique")
        return self


class ReplaceIn(BaseModel):
    """A unit of any stage to replace by the next reserve unit of its group (stratum or parent)."""

    model_config = ConfigDict(extra="forbid")

    ref: str
    reason: ReplaceReason
    stage: int | None = Field(default=None, ge=0, description="Needed only when the ref is drawn at several stages")
    note: str | None = Field(default=None, max_length=1000, description="Kept in the audit log")


class GroupProgress(BaseModel):
    """Progress of a stratum or an assignment; rates as the fieldwork assignments give them."""

    sampled: int = Field(description="Last-stage units in the field (selected and released replacements)")
    assigned: int
    contacted: int
    completed: int
    quota: int | None
    late: bool
    progress: Progress


class AssignmentProgress(GroupProgress):
    assignment: int
    volunteer: str
    service_point: str | None
    ends_on: BodyDay | None


class PlanProgress(BaseModel):
    plan: int
    total: GroupProgress
    strata: dict[str, GroupProgress]
    assignments: list[AssignmentProgress]
    late: list[int] = Field(description="Assignments past their end date with work left")
