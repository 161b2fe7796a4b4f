"""Queries on sampling plans, their frames and samples."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey_api.db.models import Assignment, FrameUnit, SampleUnit, SamplingPlan


def plan_for_update(session: Session, plan_id: int) -> SamplingPlan | None:
    """A plan, locked against a concurrent draw (PostgreSQL; SQLite serialises writers anyway)."""
    return session.scalars(select(SamplingPlan).where(SamplingPlan.id == plan_id).with_for_update()).first()


def frame_counts(session: Session, plan_id: int) -> dict[int, int]:
    """Rows stored per stage."""
    query = select(FrameUnit.stage, func.count()).where(FrameUnit.plan_id == plan_id).group_by(FrameUnit.stage)
    return {int(stage): int(count) for stage, count in session.execute(query)}


def frame(session: Session, plan_id: int, stage: int) -> Sequence[FrameUnit]:
    """A stage's frame in file order."""
    query = select(FrameUnit).where(FrameUnit.plan_id == plan_id, FrameUnit.stage == stage)
    return session.scalars(query.order_by(FrameUnit.row_number, FrameUnit.id)).all()


def listed_parents(session: Session, plan_id: int, stage: int) -> set[str]:
    """The parent refs that a stage's frame lists units under."""
    query = select(FrameUnit.parent_ref).where(FrameUnit.plan_id == plan_id, FrameUnit.stage == stage).distinct()
    return {ref for ref in session.scalars(query) if ref is not None}


def delete_frame(session: Session, plan_id: int, stage: int) -> None:
    """Remove a stage's frame (before it is uploaded again)."""
    session.execute(delete(FrameUnit).where(FrameUnit.plan_id == plan_id, FrameUnit.stage == stage))


def frame_units_by_id(session: Session, plan_id: int) -> dict[int, FrameUnit]:
    """Every frame unit of a plan."""
    return {u.id: u for u in session.scalars(select(FrameUnit).where(FrameUnit.plan_id == plan_id))}


def sample(session: Session, plan_id: int) -> Sequence[SampleUnit]:
    """The drawn units of a plan, stage by stage in the order they were drawn."""
    query = select(SampleUnit).where(SampleUnit.plan_id == plan_id).order_by(SampleUnit.stage, SampleUnit.id)
    return session.scalars(query).all()


def assignments_by_id(session: Session, ids: Collection[int]) -> dict[int, Assignment]:
    """Assignments by id."""
    return {a.id: a for a in session.scalars(select(Assignment).where(Assignment.id.in_(ids)))} if ids else {}
