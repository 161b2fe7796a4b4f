"""Rules for fieldwork: who may create volunteers and assignments, what a tablet may sync.

A batch from a tablet is handled item by item, each in its own transaction: one bad item never blocks
or rolls back the others, and an acknowledged item is committed before the answer is sent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker

from survey_api import audit
from survey_api.auth import service as users
from survey_api.auth.service import create_user
from survey_api.collection.lookups import point_ids
from survey_api.collection.schemas import ResponseIn
from survey_api.collection.service import LOCAL_TIME, submit
from survey_api.db.base import utcnow
from survey_api.db.engine import transaction
from survey_api.db.inserts import insert_once
from survey_api.db.models import Assignment, ContactAttempt, InstrumentVersion, User
from survey_api.db.models.instruments import DRAFT
from survey_api.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from survey_api.fieldwork import repository
from survey_api.fieldwork.interviews import interviewer_assignment
from survey_api.fieldwork.lateness import is_late
from survey_api.fieldwork.outcomes import final_outcomes as final_outcomes
from survey_api.fieldwork.outcomes import progress as progress
from survey_api.fieldwork.schemas import (
    MAX_BATCH,
    AssignmentIn,
    AssignmentOut,
    ContactAttemptIn,
    ItemResult,
    MyAssignments,
    SampleEntry,
    VolunteerIn,
    VolunteerOut,
)
from survey_api.hashing import canonical_digest
from survey_api.instruments import service as instruments
from survey_api.instruments.schemas import version_out
from survey_api.instruments.service import document_of
from survey_api.payloads import printable, value_problem
from survey_api.units.service import subtree, unit_by_code, visible_units

VOLUNTEER = "volunteer"
log = logging.getLogger(__name__)


class BatchTooLarge(DomainError):
    """A batch with more items than the server takes at once (413)."""

    status_code = 413


# --- who may manage whom -------------------------------------------------------------------------


def managed_units(session: Session, actor: User) -> set[int] | None:
    """The units an actor manages: None for an admin (all), a unit manager's own unit and those below."""
    if actor.role not in ("admin", "unit_manager"):
        raise Forbidden(f"this needs the role admin or unit_manager; your role is {actor.role}")
    return visible_units(session, actor)


def require_within(scope: set[int] | None, unit_id: int | None, what: str) -> None:
    """403 unless ``unit_id`` is within ``scope`` (None: every unit)."""
    if scope is not None and unit_id not in scope:
        raise Forbidden(f"{what} is outside the units you manage")


# --- volunteers ----------------------------------------------------------------------------------


def create_volunteer(session: Session, actor: User, payload: VolunteerIn) -> User:
    """Add a volunteer account in an area; a unit manager may only add one within their own unit."""
    scope = managed_units(session, actor)
    unit = unit_by_code(session, payload.unit)
    if unit is None:
        raise InvalidInput(f"no org unit {payload.unit!r}", errors=[{"item": "unit", "problem": "unknown"}])
    require_within(scope, unit.id, f"unit {unit.code}")
    if users.user_by_username(session, payload.username) is not None:
        raise Conflict(
            f"a user named {payload.username!r} exists already",
            errors=[{"item": "username", "problem": "taken", "reason": "exists"}],
        )
    user = create_user(
        session,
        username=payload.username,
        role=VOLUNTEER,
        display_name=payload.display_name,
        password=payload.password,
        unit_id=unit.id,
    )
    user.organisation = payload.organisation
    session.flush()
    audit.record(session, actor, "user.create", payload.username, role=VOLUNTEER, unit=unit.code)
    return user


def list_volunteers(
    session: Session, actor: User, *, unit: str | None = None, organisation: str | None = None
) -> list[VolunteerOut]:
    """The volunteers an actor manages, optionally only those of one area (and below) or organisation."""
    scope = managed_units(session, actor)
    if unit is not None:
        found_unit = unit_by_code(session, unit)
        if found_unit is None:
            raise NotFound(f"no org unit {unit!r}")
        area = subtree(session, found_unit.id)
        scope = area if scope is None else scope & area
    return volunteers_out(session, repository.volunteers(session, scope, organisation))


def volunteers_out(session: Session, found: Sequence[User]) -> list[VolunteerOut]:
    """The public view of volunteer accounts."""
    units = repository.units_by_id(session, {u.unit_id for u in found if u.unit_id is not None})
    return [
        VolunteerOut(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            organisation=u.organisation,
            unit=units[u.unit_id].code if u.unit_id in units else None,
            active=u.active,
        )
        for u in found
    ]


# --- assignments ---------------------------------------------------------------------------------


def create_assignment(session: Session, actor: User, payload: AssignmentIn) -> Assignment:
    """Assign a volunteer to interview with an instrument version at a place."""
    scope = managed_units(session, actor)
    volunteer = users.user_by_username(session, payload.volunteer)
    if volunteer is None or volunteer.role != VOLUNTEER:
        raise InvalidInput(f"no volunteer {payload.volunteer!r}", errors=[{"item": "volunteer"}])
    require_within(scope, volunteer.unit_id, f"volunteer {volunteer.username}")
    version = instruments.version_by_id(session, payload.instrument_version)
    if version is None or version.status == DRAFT:
        raise InvalidInput(
            f"instrument version {payload.instrument_version} does not exist or is not published",
            errors=[{"item": "instrument_version"}],
        )
    service_point_id = unit_id = None
    if payload.service_point is not None:
        point = point_ids(session, payload.service_point)
        if point is None:
            raise InvalidInput(f"no service point {payload.service_point!r}", errors=[{"item": "service_point"}])
        service_point_id, unit_id = point.id, point.unit_id
    if payload.unit is not None:
        unit = unit_by_code(session, payload.unit)
        if unit is None:
            raise InvalidInput(f"no org unit {payload.unit!r}", errors=[{"item": "unit"}])
        unit_id = unit.id
    unit_id = unit_id if unit_id is not None else volunteer.unit_id
    require_within(scope, unit_id, "the assignment's place")
    assignment = Assignment(
        volunteer_id=volunteer.id,
        instrument_version_id=version.id,
        unit_id=unit_id,
        service_point_id=service_point_id,
        quota=payload.quota,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        note=payload.note,
        sample=[e.model_dump() for e in payload.sample] if payload.sample is not None else None,
        created_by_id=actor.id,
    )
    session.add(assignment)
    session.flush()
    audit.record(session, actor, "assignment.create", f"assignment {assignment.id}", volunteer=volunteer.username)
    return assignment


def list_assignments(session: Session, actor: User, volunteer: str | None = None) -> list[AssignmentOut]:
    """The assignments of the volunteers an actor manages (of one volunteer when named)."""
    scope = managed_units(session, actor)
    volunteer_id = None
    if volunteer is not None:
        user = users.user_by_username(session, volunteer)
        if user is None:
            raise NotFound(f"no volunteer {volunteer!r}")
        volunteer_id = user.id
    return assignments_out(session, repository.assignments(session, volunteer_id=volunteer_id, unit_ids=scope))


def my_assignments(session: Session, user: User) -> MyAssignments:
    """What a signed-in volunteer's tablet caches: the current assignments, those past their end date with work
    left (late, so that the volunteer sees them as the staff do), and their instruments whole; never a
    deactivated one."""
    today = utcnow().astimezone(LOCAL_TIME).date()
    yours = repository.assignments(session, volunteer_id=user.id)
    every = [a for a in yours if a.deactivated_at is None]
    listed = assignments_out(session, every)
    shown = {a.id for a in listed if a.ends_on is None or a.ends_on >= today or a.late}
    found = [a for a in every if a.id in shown]
    versions: dict[int, InstrumentVersion] = {}
    for assignment in found:
        version = instruments.version_by_id(session, assignment.instrument_version_id)
        if version is not None:
            versions[version.id] = version
    return MyAssignments(
        volunteer=volunteers_out(session, [user])[0],
        assignments=[a for a in listed if a.id in shown],
        instruments=[version_out(v, document_of(v)) for v in versions.values()],
        server_time=utcnow(),
        deactivated=[a.id for a in yours if a.deactivated_at is not None],
    )


def assignments_out(session: Session, found: Sequence[Assignment]) -> list[AssignmentOut]:
    """The public view of assignments, with their progress."""
    units = repository.units_by_id(session, {a.unit_id for a in found if a.unit_id is not None})
    points = repository.service_points_by_id(
        session, {a.service_point_id for a in found if a.service_point_id is not None}
    )
    people = repository.users_by_id(session, {a.volunteer_id for a in found})
    attempts: dict[int, list[ContactAttempt]] = defaultdict(list)
    for attempt in repository.attempts_of(session, [a.id for a in found]):
        assert attempt.assignment_id is not None
        attempts[attempt.assignment_id].append(attempt)
    result = []
    today = utcnow().astimezone(LOCAL_TIME).date()
    for a in found:
        counted = progress(attempts[a.id], sample=[e["ref"] for e in a.sample or []])
        version = instruments.version_by_id(session, a.instrument_version_id)
        assert version is not None
        unit = units.get(a.unit_id) if a.unit_id is not None else None
        point = points.get(a.service_point_id) if a.service_point_id is not None else None
        result.append(
            AssignmentOut(
                id=a.id,
                volunteer=people[a.volunteer_id].username,
                instrument_version=a.instrument_version_id,
                instrument=version.instrument.code,
                instrument_title=version.title,
                unit=unit.code if unit else None,
                unit_name=unit.name if unit else None,
                service_point=point.code if point else None,
                service_point_name=point.name if point else None,
                quota=a.quota,
                starts_on=a.starts_on,
                ends_on=a.ends_on,
                note=a.note,
                sample=[SampleEntry.model_validate(e) for e in a.sample] if a.sample is not None else None,
                progress=counted,
                late=is_late(a.ends_on, a.quota, counted.completed, counted.not_contacted, today),
                active=a.deactivated_at is None,
                deactivated_at=a.deactivated_at,
            )
        )
    return result


# --- batch sync ----------------------------------------------------------------------------------


def _check_size(items: Sequence[Any], what: str) -> None:
    if len(items) > MAX_BATCH:
        raise BatchTooLarge(
            f"a batch holds at most {MAX_BATCH} {what}; this one has {len(items)} — send the rest in another batch"
        )


def sync_responses(factory: sessionmaker[Session], interviewer: User, items: Sequence[Any]) -> list[ItemResult]:
    """Store each response of a tablet's batch once, each in its own transaction, in order."""
    _check_size(items, "responses")
    return [_sync_one(factory, interviewer, item, _store_response) for item in items]


def sync_attempts(factory: sessionmaker[Session], interviewer: User, items: Sequence[Any]) -> list[ItemResult]:
    """Store each contact attempt of a tablet's batch once, each in its own transaction, in order."""
    _check_size(items, "contact attempts")
    return [_sync_one(factory, interviewer, item, _store_attempt) for item in items]


Store = Callable[[Session, User, dict[str, Any]], bool]


def _sync_one(factory: sessionmaker[Session], interviewer: User, item: Any, store: Store) -> ItemResult:
    """One item's verdict; nothing in its content can fail the batch (only the database being unreachable)."""
    if not isinstance(item, dict):
        return ItemResult(id=None, status="invalid", detail="each item must be a JSON object")
    shown_id = printable(item["id"]) if isinstance(item.get("id"), str) else None  # echoed as sent
    if problem := value_problem(item):
        return ItemResult(
            id=shown_id,
            status="invalid",
            detail=f"not valid: {problem.item}: {problem.problem}",
            errors=[problem.as_error()],
        )
    try:
        with transaction(factory) as session:
            created = store(session, interviewer, item)
    except ValidationError as exc:
        errors = [
            {"item": ".".join(str(p) for p in e["loc"]) or "body", "problem": str(e["msg"])} for e in exc.errors()
        ]
        summary = "; ".join(f"{e['item']}: {e['problem']}" for e in errors)
        return ItemResult(id=shown_id, status="invalid", detail=f"not valid: {summary}", errors=errors)
    except Conflict as exc:
        return ItemResult(id=shown_id, status="conflict", detail=exc.detail)
    except DomainError as exc:
        return ItemResult(id=shown_id, status="invalid", detail=exc.detail, errors=exc.errors)
    except (DataError, ArithmeticError, ValueError) as exc:
        # Content a check above missed and the database or a conversion refused: this item only.
        log.warning("batch item %s refused: %s", shown_id, exc, exc_info=True)
        return ItemResult(
            id=shown_id, status="invalid", detail=f"not valid: it cannot be stored ({type(exc).__name__})"
        )
    if created:
        return ItemResult(id=shown_id, status="created", detail="stored")
    return ItemResult(id=shown_id, status="duplicate", detail="already stored with the same content")


def _store_response(session: Session, interviewer: User, item: dict[str, Any]) -> bool:
    body = {"channel": "tablet", **item}
    if body["channel"] != "tablet":
        raise InvalidInput(
            f"a response synced from a tablet has channel 'tablet', not {body['channel']!r}",
            errors=[{"item": "channel", "problem": "must be 'tablet'"}],
        )
    payload = ResponseIn.model_validate(body)
    outcome = submit(session, payload, interviewer_id=interviewer.id)
    return outcome.created


def _store_attempt(session: Session, interviewer: User, item: dict[str, Any]) -> bool:
    return record_attempt(session, interviewer, ContactAttemptIn.model_validate(item))


def record_attempt(session: Session, interviewer: User, payload: ContactAttemptIn) -> bool:
    """Store a contact attempt once; True when this call stored it, Conflict for other content."""
    digest = _digest(payload)
    existing = repository.attempt_by_id(session, payload.id)
    if existing is None:
        if payload.assignment is not None:
            interviewer_assignment(session, payload.assignment, interviewer.id)
        values = payload.model_dump(exclude={"assignment"}) | {
            "assignment_id": payload.assignment,
            "interviewer_id": interviewer.id,
            "content_hash": digest,
            "received_at": utcnow(),
        }
        if insert_once(session, ContactAttempt, values):
            return True
        existing = repository.attempt_by_id(session, payload.id)
        assert existing is not None, "a conflicting insert implies a stored row"
    if existing.content_hash != digest:
        raise Conflict(f"contact attempt {payload.id} was already received with other content")
    return False


def _digest(payload: BaseModel) -> str:
    return canonical_digest(payload.model_dump(mode="json"))
