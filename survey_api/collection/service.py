"""Rules for accepting a response: validate it fully, store it once, never overwrite it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from survey_api.collection import lookups, repository
from survey_api.collection.answers import check_answers, pack_scores
from survey_api.collection.cells import fill_from_answers
from survey_api.collection.schemas import ResponseIn, ResponseOut, response_out
from survey_api.db.base import utcnow
from survey_api.db.models import Response
from survey_api.errors import Conflict, DomainError, InvalidInput
from survey_api.fieldwork.interviews import interviewer_assignment
from survey_api.hashing import canonical_digest
from survey_api.instruments.document import InstrumentDocument
from survey_api.plans import cases as plans
from survey_api.units.service import refuse_closed

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
# A client completion time further from the server's clock than this is not trusted for periods.
PLAUSIBLE_PAST = timedelta(days=366)
PLAUSIBLE_FUTURE = timedelta(hours=24)


@dataclass(frozen=True)
class Screening:
    """What the channel learnt about the submitter: a keyed device hash, and flags that exclude it."""

    device_hash: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseDesign:
    """Sample-design values and respondent cells of a response (stored with it, never changed)."""

    stratum: str | None = None
    psu: str | None = None
    design_weight: float | None = None
    fpc: float | None = None
    sex: str | None = None
    age_group: str | None = None

    def values(self) -> dict[str, object]:
        """The ``responses`` columns these fill."""
        return {
            "stratum": self.stratum,
            "psu": self.psu,
            "design_weight": self.design_weight,
            "fpc": self.fpc,
            "sex": self.sex,
            "age_group": self.age_group,
        }


@dataclass(frozen=True)
class Submission:
    """The outcome of a submission: the stored response and whether this call created it."""

    response: ResponseOut
    created: bool


@dataclass(frozen=True)
class Prepared:
    """A response checked and ready to insert: its row, and the digest a replay must match."""

    values: dict[str, Any]
    digest: str
    service_point: str | None


def submit(
    session: Session,
    payload: ResponseIn,
    *,
    interviewer_id: int | None = None,
    screening: Screening | None = None,
    design: ResponseDesign | None = None,
) -> Submission:
    """Store a response exactly once.

    The first submission of an id creates it; the same content again is acknowledged with the stored
    body; other content under a stored id is a conflict (409) and changes nothing. A flagged response
    (``screening.flags``) is kept but excluded from indices by default. ``design`` stores the response's
    sample-design values (strata, PSU, weight, fpc) and respondent cells.

    Every response belongs to a unit: its service point's, or for an interview at no point its assignment's
    (422 when it has neither). Cells given explicitly (``design``, a plan's frame) are kept; the
    instrument's declared items fill the empty ones (``collection.cells``).
    """
    digest = canonical_digest(payload.fingerprint())
    try:
        prepared = prepare(session, payload, digest, interviewer_id=interviewer_id, screening=screening, design=design)
    except DomainError:
        outcome = replay(session, payload.id, digest)
        if outcome is None:
            raise
        return outcome
    if repository.insert_response_once(session, prepared.values):
        return acknowledged(prepared)
    outcome = replay(session, payload.id, digest)
    assert outcome is not None, "a conflicting insert implies a stored row"
    return outcome


def stored_response(session: Session, response_id: uuid.UUID) -> Response | None:
    """The response stored under this id, read from the database (None when there is none)."""
    return repository.response_by_id(session, response_id)


def prepare(
    session: Session,
    payload: ResponseIn,
    digest: str,
    *,
    interviewer_id: int | None = None,
    screening: Screening | None = None,
    design: ResponseDesign | None = None,
) -> Prepared:
    """The row that stores ``payload`` (``digest`` its fingerprint's), or DomainError when it may not be
    stored today. Reads only; nothing is written.

    Every insert path comes through here, so here is where an answer at a switched-off service point, or
    for a unit on a day after the unit closed, is refused (410, ``units.closures.refuse_closed``); the day
    is the answer's ``observed_on``, so a tablet's answer given before a closure still syncs after it."""
    values, document = _validated_values(session, payload, digest)
    values["interviewer_id"] = interviewer_id
    if screening is not None:
        flags = list(screening.flags)
        values.update(device_hash=screening.device_hash, flags=flags, excluded=bool(flags))
    if design is not None:
        values.update(design.values())
    if payload.case_ref is not None and payload.assignment is None:
        raise InvalidInput(
            "case_ref names an entry of an assignment's sample list: send the assignment too",
            errors=[{"item": "assignment", "problem": "required with case_ref"}],
        )
    if payload.assignment is not None:
        values.update(plans.case_values(session, payload.assignment, payload.case_ref, interviewer_id))
        if values["unit_id"] is None:  # an interview at no service point counts for its assignment's unit
            values["unit_id"] = interviewer_assignment(session, payload.assignment, interviewer_id).unit_id
    if values["unit_id"] is None:
        raise InvalidInput(
            "the response was not stored: it belongs to no unit; name the service point where it was given "
            "(or, for an interview, the assignment it was for)",
            errors=[{"item": "service_point", "problem": "required: a response must belong to a unit"}],
        )
    refuse_closed(session, unit_id=values["unit_id"], point_id=values["service_point_id"], day=values["observed_on"])
    fill_from_answers(document, values["answers"], values)
    return Prepared(values, digest, payload.service_point)


def replay(session: Session, response_id: uuid.UUID, digest: str) -> Submission | None:
    """The answer to a submission whose id was not inserted now: the stored response's acknowledgement when
    its content is the same (a retry), 409 when it differs, None when nothing is stored under the id.

    A retry of what was stored before is acknowledged as such even if it would not pass today (its
    assignment ended, say); only new ids are held to today's rules. New ids, the common case, are not looked
    up first: the insert itself finds a stored one.
    """
    stored = repository.response_by_id(session, response_id)
    if stored is None:
        return None
    if stored.content_hash != digest:
        raise Conflict(
            f"response {stored.id} was already received with other content; a changed questionnaire needs a new id"
        )
    return Submission(response_out(stored, repository.service_point_code(session, stored.service_point_id)), False)


def acknowledged(prepared: Prepared) -> Submission:
    """The outcome of a response just inserted from ``prepared`` (the body a replay will read back)."""
    values = prepared.values
    return Submission(
        ResponseOut(
            id=values["id"],
            instrument_version=values["instrument_version_id"],
            service_point=prepared.service_point,
            channel=values["channel"],
            respondent_type=values["respondent_type"],
            received_at=values["received_at"],
            observed_on=values["observed_on"],
            flags=list(values["flags"]),
        ),
        created=True,
    )


def _validated_values(session: Session, payload: ResponseIn, digest: str) -> tuple[dict[str, Any], InstrumentDocument]:
    version = lookups.answerable_version(session, payload.instrument_version)
    if version is None:
        raise InvalidInput(
            f"instrument version {payload.instrument_version} does not exist or is not published",
            errors=[{"item": "instrument_version", "problem": "unknown or unpublished instrument version"}],
        )
    document = version.document
    problems: list[dict[str, str]] = []
    service_point = None
    if payload.service_point is not None:
        service_point = lookups.point_ids(session, payload.service_point)
        if service_point is None:
            problems.append({"item": "service_point", "problem": f"no service point {payload.service_point!r}"})
    if payload.respondent_type not in document.respondent_types:
        problems.append(
            {
                "item": "respondent_type",
                "problem": f"{document.code} is for {', '.join(document.respondent_types)} respondents",
            }
        )
    answers, answer_problems = check_answers(document, payload.answers)
    problems.extend(answer_problems)
    if problems:
        summary = "; ".join(f"{p['item']}: {p['problem']}" for p in problems)
        raise InvalidInput(f"the response was not stored: {summary}", errors=problems)

    received_at = utcnow()
    values = {
        "id": payload.id,
        "instrument_version_id": version.id,
        "service_point_id": service_point.id if service_point else None,
        "unit_id": service_point.unit_id if service_point else None,
        "channel": payload.channel,
        "respondent_type": payload.respondent_type,
        "answers": answers,
        "scores": pack_scores(version.score_items, answers),
        "content_hash": digest,
        "started_at": payload.started_at,
        "completed_at": payload.completed_at,
        "received_at": received_at,
        "observed_on": observed_day(payload.completed_at, received_at),
        "flags": [],
        "excluded": False,
    }
    return values, document


def observed_day(completed_at: datetime | None, received_at: datetime) -> date:
    """The local day a response counts for: its completion day if plausible, else its arrival day."""
    if completed_at is not None and received_at - PLAUSIBLE_PAST <= completed_at <= received_at + PLAUSIBLE_FUTURE:
        return completed_at.astimezone(LOCAL_TIME).date()
    return received_at.astimezone(LOCAL_TIME).date()
