"""The demo's sampled survey: a two-stage SIPAS household plan of Bắc Gia Nghĩa ward (one of the three wards
that replaced Gia Nghĩa city on 2025-07-01), drawn, assigned to the demo volunteer (of the ward's Fatherland
Front) and interviewed, so that its interviews carry design weights (``1/π``) from the plan and count for the
ward, the assignment's unit.

Residential groups (tổ dân phố) are drawn by PPS within each of four areas of the ward (the strata; made up
for the demo), households by SRS within each drawn group; most households answer, some refuse (contact
outcomes, so the non-response adjustment applies). Built through the plans and fieldwork services, as an
admin would through the API; loading it again changes nothing (the plan is found by name).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from survey_api.collection.schemas import ResponseIn
from survey_api.collection.service import submit
from survey_api.db.base import utcnow
from survey_api.db.models import InstrumentVersion, User
from survey_api.fieldwork.schemas import ContactAttemptIn
from survey_api.fieldwork.service import record_attempt
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import document_of
from survey_api.plans.assigning import assign
from survey_api.plans.drawing import draw_plan
from survey_api.plans.schemas import AssignIn, PlanIn
from survey_api.plans.service import create_plan, list_plans
from survey_api.plans.uploading import upload_frame

PLAN_NAME = "SIPAS 2026: khảo sát hộ gia đình phường Bắc Gia Nghĩa (demo)"
PLAN_UNIT = "bac-gia-nghia"
PLAN_SEED = 20260401
# The strata: four areas of the ward, by code and name (made up for the demo).
AREAS = [
    ("khu-vuc-1", "Khu vực 1"),
    ("khu-vuc-2", "Khu vực 2"),
    ("khu-vuc-3", "Khu vực 3"),
    ("khu-vuc-4", "Khu vực 4"),
]
VILLAGES_PER_WARD = 5
HOUSEHOLDS_PER_VILLAGE = 12
RESPONSE_RATE = 0.85
_NAMESPACE = uuid.UUID("0b6c9f7e-58f1-4d1e-8c57-3b0a4b2f9d63")

Answers = Callable[[InstrumentDocument, float, random.Random], dict[str, Any]]


def load_plan(
    session: Session,
    sipas: InstrumentVersion,
    admin: User,
    volunteer: User,
    answers: Answers,
) -> int:
    """Create, draw, assign and interview the demo plan unless it exists; the number of interviews stored."""
    if any(plan.name == PLAN_NAME for plan in list_plans(session, admin)):
        return 0
    design = {
        "stratum_column": "area",
        "stages": [
            {"name": "village", "method": "pps", "n": 2, "size_column": "population"},
            {"name": "household", "method": "srs", "n": 5},
        ],
    }
    plan = create_plan(
        session,
        admin,
        PlanIn.model_validate({"name": PLAN_NAME, "instrument": "sipas", "unit": PLAN_UNIT, "design": design}),
    )
    rng = random.Random(PLAN_SEED)
    villages = ["ref,label,area,population"]
    households = ["ref,label,parent"]
    for code, name in AREAS:
        for v in range(1, VILLAGES_PER_WARD + 1):
            village = f"{code}-to-{v}"
            villages.append(f"{village},Tổ dân phố {v} ({name}),{code},{rng.randint(300, 2400)}")
            households.extend(
                f"{village}-ho-{h:02d},Hộ {h} tổ {v} ({name}),{village}" for h in range(1, HOUSEHOLDS_PER_VILLAGE + 1)
            )
    upload_frame(session, admin, plan.id, 0, "\n".join(villages).encode(), "thon.csv")
    upload_frame(session, admin, plan.id, 1, "\n".join(households).encode(), "ho.csv")
    sample = draw_plan(session, admin, plan.id, PLAN_SEED)
    refs = sorted(unit.ref for unit in sample.units if unit.stage == 1 and unit.role == "selected")
    assignment = assign(session, admin, plan.id, AssignIn(volunteer=volunteer.username, units=refs))
    return _interview(session, sipas, volunteer, assignment.id, refs, answers, rng)


def _interview(
    session: Session,
    sipas: InstrumentVersion,
    volunteer: User,
    assignment_id: int,
    refs: list[str],
    answers: Answers,
    rng: random.Random,
) -> int:
    document = document_of(sipas)
    now = utcnow()
    stored = 0
    for ref in refs:
        attempted = now - timedelta(days=rng.uniform(5, 150), minutes=rng.uniform(0, 600))
        answered = rng.random() < RESPONSE_RATE
        response_id = uuid.uuid5(_NAMESPACE, f"interview-{ref}") if answered else None
        if response_id is not None:
            payload = ResponseIn(
                id=response_id,
                instrument_version=sipas.id,
                channel="tablet",
                answers=answers(document, 0.8, rng),
                started_at=attempted - timedelta(minutes=rng.uniform(15, 30)),
                completed_at=attempted,
                assignment=assignment_id,
                case_ref=ref,
            )
            submit(session, payload, interviewer_id=volunteer.id)
            stored += 1
        attempt = ContactAttemptIn(
            id=uuid.uuid5(_NAMESPACE, f"attempt-{ref}"),
            assignment=assignment_id,
            case_ref=ref,
            outcome="completed" if answered else "refused",
            response_id=response_id,
            attempted_at=attempted,
        )
        record_attempt(session, volunteer, attempt)
    return stored
