"""HTTP endpoints for sampling plans: frames, the draw, assignment, replacements and the fieldwork view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile, status

from survey_api.db.models import User
from survey_api.deps import SessionDep, require_roles
from survey_api.fieldwork.schemas import AssignmentOut
from survey_api.params import MAX_INT, IdPath
from survey_api.plans import assigning, drawing, replacing, service, uploading
from survey_api.plans.progress import plan_progress
from survey_api.plans.schemas import (
    AssignIn,
    DrawIn,
    FrameOut,
    PlanIn,
    PlanListItem,
    PlanOut,
    PlanProgress,
    RedrawCheck,
    ReplaceIn,
    SampleOut,
    SampleUnitOut,
    SizeOut,
)
from survey_api.routing import CommittingRoute

router = APIRouter(prefix="/api/v1/plans", tags=["sampling plans"], route_class=CommittingRoute)

Planner = Annotated[User, Depends(require_roles("admin", "analyst"))]
Viewer = Annotated[User, Depends(require_roles("admin", "analyst", "unit_manager"))]
Manager = Annotated[User, Depends(require_roles("admin", "unit_manager"))]


@router.post("", response_model=PlanOut, status_code=status.HTTP_201_CREATED)
def create_plan(payload: PlanIn, session: SessionDep, user: Planner) -> PlanOut:
    """Create a draft plan: strata, stages (PPS, SRS, systematic), a target or a size, allocation, replacements."""
    return service.plan_out(session, service.create_plan(session, user, payload))


@router.get("", response_model=list[PlanListItem])
def list_plans(session: SessionDep, user: Viewer) -> list[PlanListItem]:
    """The plans you may see (a unit manager: those of their units), newest first."""
    return service.list_plans(session, user)


@router.get("/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: IdPath, session: SessionDep, user: Viewer) -> PlanOut:
    """A plan with its design, frame sizes and (once drawn) seed and sizing."""
    return service.plan_out(session, service.get_plan(session, user, plan_id))


@router.post(
    "/{plan_id}/frames",
    response_model=FrameOut,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "Every row error, listed together; nothing was stored"}},
)
def upload_frame(
    plan_id: IdPath,
    session: SessionDep,
    user: Planner,
    file: UploadFile,
    stage: Annotated[int, Query(ge=0, le=MAX_INT, description="The stage this file lists (0: the first)")] = 0,
) -> FrameOut:
    """Upload a stage's frame (CSV or XLSX: ref, label, stratum, parent, size): all rows or none.

    Once the stage above is drawn, only its drawn units may be named as parents (a listing). 409 for a drawn
    stage, unless drawn units have no children listed yet (a replacement's): those are added and drawn.
    """
    return uploading.upload_frame(session, user, plan_id, stage, file.file.read(), file.filename)


@router.get("/{plan_id}/size", response_model=SizeOut | None)
def plan_size(plan_id: IdPath, session: SessionDep, user: Viewer) -> SizeOut | None:
    """The sample size the target gives on the uploaded frames, allocated across strata (null without target)."""
    return drawing.plan_size(session, user, plan_id)


@router.post("/{plan_id}/draw", response_model=SampleOut, status_code=status.HTTP_201_CREATED)
def draw(plan_id: IdPath, session: SessionDep, user: Planner, payload: DrawIn | None = None) -> SampleOut:
    """Draw the stages not drawn yet, as far as their frames go (seed stored at the first draw; default random).

    A listed stage is drawn by calling this again once its frame is uploaded. 409 when every stage is drawn.
    """
    return drawing.draw_plan(session, user, plan_id, payload.seed if payload else None)


@router.get("/{plan_id}/sample", response_model=SampleOut)
def get_sample(plan_id: IdPath, session: SessionDep, user: Viewer) -> SampleOut:
    """Every drawn unit with its stage probability, inclusion probability and weight."""
    return drawing.sample_out(session, service.get_plan(session, user, plan_id))


@router.post("/{plan_id}/redraw-check", response_model=RedrawCheck)
def redraw_check(plan_id: IdPath, session: SessionDep, user: Viewer) -> RedrawCheck:
    """Draw again from the stored seed and frames and say whether the stored sample is identical."""
    return drawing.redraw_check(session, user, plan_id)


@router.post("/{plan_id}/assign", response_model=AssignmentOut, status_code=status.HTTP_201_CREATED)
def assign(plan_id: IdPath, payload: AssignIn, session: SessionDep, user: Manager) -> AssignmentOut:
    """Assign last-stage sample units to a volunteer (optionally at a desk) as an assignment with its sample list."""
    return assigning.assign(session, user, plan_id, payload)


@router.post("/{plan_id}/replace", response_model=SampleUnitOut)
def replace(plan_id: IdPath, payload: ReplaceIn, session: SessionDep, user: Viewer) -> SampleUnitOut:
    """Replace a unit of any stage by the next reserve unit of its group; the stages below it are drawn again.

    409: replaced or dropped already, completed interviews recorded under it, or no reserve unit left.
    """
    return replacing.replace(session, user, plan_id, payload)


@router.get("/{plan_id}/progress", response_model=PlanProgress)
def progress(plan_id: IdPath, session: SessionDep, user: Viewer) -> PlanProgress:
    """Fieldwork by stratum and by assignment: contacts, outcomes, AAPOR RR1 and RR3, quotas, what is late."""
    return plan_progress(session, user, plan_id)
