"""A volunteer's forms, and storing their submissions exactly once through the collection service.

A submission is stored as the tablet's would be: channel ``tablet``, the assignment's service point (so its
unit), the assignment and, with a sample list, its entry (so the plan's design values), the volunteer as
interviewer; and, as the tablet does, a ``completed`` contact attempt for the assignment's progress. Both
are written in the caller's one transaction: either both are stored or neither.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeVar
from xml.etree.ElementTree import Element

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from survey_api.collection.schemas import ResponseIn
from survey_api.collection.service import Submission, submit
from survey_api.db.models import User
from survey_api.errors import Forbidden, InvalidInput, NotFound
from survey_api.fieldwork import records
from survey_api.fieldwork.interviews import interviewer_assignment
from survey_api.fieldwork.schemas import ContactAttemptIn
from survey_api.fieldwork.service import my_assignments, record_attempt
from survey_api.instruments.service import document_of, version_by_id
from survey_api.openrosa.form import CHANNEL, FormSpec, SampleChoice, assignment_of, build_spec
from survey_api.openrosa.instance import read_fields, read_header
from survey_api.openrosa.xform import render

# Contact attempts recorded for submissions get ids derived from the response's, so a replay finds its own.
ATTEMPT_NAMESPACE = uuid.UUID("5b0c1f9e-4d43-4c8e-9a51-0b8e6f0a7d17")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Form:
    """A rendered form and what the form list says of it."""

    spec: FormSpec
    xform: bytes


def forms_of(session: Session, user: User) -> list[Form]:
    """The forms of the volunteer's current assignments (those not yet ended), one per assignment."""
    found = []
    for assignment in my_assignments(session, user).assignments:
        spec = _spec(
            session,
            assignment_id=assignment.id,
            version_id=assignment.instrument_version,
            place=assignment.service_point_name or assignment.unit_name,
            service_point=assignment.service_point,
            sample=[SampleChoice(e.ref, e.label or e.ref) for e in assignment.sample or []],
        )
        found.append(Form(spec, render(spec)))
    return found


def form_of(session: Session, user: User, form: str) -> Form:
    """The form ``form`` when it is one of the volunteer's assignments (404 otherwise)."""
    assignment_id = assignment_of(form)
    if assignment_id is None:
        raise NotFound(f"there is no form {form[:80]!r}")
    try:
        spec = _assignment_spec(session, user, assignment_id)
    except InvalidInput:
        raise NotFound(f"form {form} is not one of your assignments") from None
    return Form(spec, render(spec))


def _assignment_spec(session: Session, user: User, assignment_id: int) -> FormSpec:
    """The form of one of the volunteer's assignments (InvalidInput when it is not theirs)."""
    assignment = interviewer_assignment(session, assignment_id, user.id)
    point_id, unit_id = assignment.service_point_id, assignment.unit_id
    point = records.service_points_by_id(session, {point_id}).get(point_id) if point_id is not None else None
    unit = records.units_by_id(session, {unit_id}).get(unit_id) if unit_id is not None else None
    return _spec(
        session,
        assignment_id=assignment.id,
        version_id=assignment.instrument_version_id,
        place=point.name if point else unit.name if unit else None,
        service_point=point.code if point else None,
        sample=[SampleChoice(e["ref"], e.get("label") or e["ref"]) for e in assignment.sample or []],
    )


def _spec(
    session: Session,
    *,
    assignment_id: int,
    version_id: int,
    place: str | None,
    service_point: str | None,
    sample: list[SampleChoice],
) -> FormSpec:
    version = version_by_id(session, version_id)
    if version is None:
        raise NotFound(f"instrument version {version_id} of assignment {assignment_id} does not exist")
    return build_spec(
        assignment_id=assignment_id,
        instrument_version_id=version.id,
        document=document_of(version),
        place=place,
        service_point=service_point,
        sample=sample,
    )


def receive(session: Session, user: User, root: Element) -> Submission:
    """Store a submitted instance once; a replay of the same content is acknowledged (``created`` False),
    other content under its instanceID is 409, and anything not valid 422 (403: not the volunteer's form)."""
    header = read_header(root)
    assignment_id = assignment_of(header.form_id)
    if assignment_id is None:
        raise InvalidInput(
            f"the instance is of form {header.form_id[:80]!r}, which this server did not give out",
            errors=[{"item": "id", "problem": "unknown form"}],
        )
    try:
        spec = _assignment_spec(session, user, assignment_id)
    except InvalidInput:
        raise Forbidden(f"form {header.form_id} is not one of your assignments") from None
    fields = read_fields(root, spec)
    body: dict[str, Any] = {
        "respondent_type": spec.document.respondent_types[0],
        **fields,
        "id": str(header.response_id),
        "instrument_version": spec.instrument_version_id,
        "service_point": spec.service_point,
        "channel": CHANNEL,
        "assignment": spec.assignment_id,
    }
    payload = _validated(ResponseIn, body)
    outcome = submit(session, payload, interviewer_id=user.id)
    attempt = _validated(
        ContactAttemptIn,
        {
            "id": str(uuid.uuid5(ATTEMPT_NAMESPACE, str(payload.id))),
            "assignment": spec.assignment_id,
            "case_ref": payload.case_ref,
            "outcome": "completed",
            "response_id": str(payload.id),
            "attempted_at": payload.completed_at,
        },
    )
    record_attempt(session, user, attempt)
    return outcome


def _validated(model: type[M], body: dict[str, Any]) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        errors = [
            {"item": _FIELD_NAMES.get(str(e["loc"][0]), ".".join(map(str, e["loc"]))), "problem": str(e["msg"])}
            for e in error.errors()
        ]
        summary = "; ".join(f"{e['item']}: {e['problem']}" for e in errors)
        raise InvalidInput(f"the submission was not stored: {summary}", errors=errors) from None


# The instance's names of the fields a response body takes (for messages).
_FIELD_NAMES = {"started_at": "start", "completed_at": "end", "id": "meta/instanceID"}
