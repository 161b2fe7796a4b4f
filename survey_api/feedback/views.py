"""Feedback as the API and the staff pages show it: scoped lists with names, and an item with its answer's
scores and its history. Both read through here, so the unit scope holds alike."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_api.db.models import Feedback, InstrumentVersion, OrgUnit, Response, User
from survey_api.errors import NotFound
from survey_api.feedback import repository
from survey_api.feedback.repository import Event as Event
from survey_api.feedback.repository import Filters, Row
from survey_api.feedback.rules import FeedbackRules, is_overdue, today
from survey_api.feedback.scores import ElementScore, element_labels, element_scores
from survey_api.feedback.service import visible
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import document_of
from survey_api.units.scope import subtree, visible_units

MAX_LIST = 500


@dataclass(frozen=True)
class Listed:
    """A row with what is computed for it: overdue today, and the low elements' (vi, en) labels."""

    row: Row
    overdue: bool
    low_elements: list[tuple[str, str, str]]


@dataclass(frozen=True)
class Detail:
    listed: Listed
    scores: list[ElementScore]
    history: list[Event]


def scope_filters(
    session: Session,
    viewer: User,
    *,
    unit: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    text: str | None = None,
) -> Filters:
    """The filters of a request within the viewer's units; ``unit`` (a code) takes it and the units below it."""
    units = visible_units(session, viewer)
    if unit:
        unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit))
        if unit_id is None:
            raise NotFound(f"no unit {unit!r}", errors=[{"item": "unit", "problem": "unknown unit"}])
        chosen = subtree(session, unit_id)
        units = chosen if units is None else units & chosen
    return Filters(
        units=units,
        kind=kind,
        status=status,
        overdue=overdue,
        received_from=received_from,
        received_to=received_to,
        text=(text or "").strip() or None,
    )


def listing(session: Session, filters: Filters, *, limit: int = 100, offset: int = 0) -> list[Listed]:
    """The feedback matching ``filters`` (already scoped), newest first."""
    on = today()
    rows = repository.listing(session, filters, on, limit=min(limit, MAX_LIST), offset=offset)
    documents = _documents(session, [r.feedback.response_id for r in rows if r.feedback.response_id])
    return [_listed(r, documents.get(r.feedback.response_id), on) for r in rows]


def detail(session: Session, viewer: User, feedback_id: int, rules: FeedbackRules) -> Detail:
    """One feedback the viewer may handle, with its answer's element scores and its history."""
    return detail_of(session, visible(session, viewer, feedback_id), rules)


def detail_of(session: Session, feedback: Feedback, rules: FeedbackRules) -> Detail:
    """A feedback with its answer's element scores and its history (no scope check: the caller made it)."""
    row = repository.row_of(session, feedback)
    response = session.get(Response, feedback.response_id) if feedback.response_id else None
    documents = _documents(session, [feedback.response_id] if feedback.response_id else [])
    document = documents.get(feedback.response_id)
    scores = element_scores(document, response.answers, rules.low_below) if document and response else []
    return Detail(_listed(row, document, today()), scores, repository.history(session, feedback.id))


def _listed(row: Row, document: InstrumentDocument | None, on: date) -> Listed:
    f = row.feedback
    labels = element_labels(document) if document is not None else {}
    low = [(code, *labels.get(code, (code, code))) for code in f.low_elements or []]
    return Listed(row, is_overdue(f.status, f.due_on, on), low)


def _documents(
    session: Session, response_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID | None, InstrumentDocument]:
    ids = [i for i in set(response_ids) if i is not None]
    if not ids:
        return {}
    query = select(Response.id, Response.instrument_version_id).where(Response.id.in_(ids))
    versions: dict[uuid.UUID, int] = dict(session.execute(query).all())
    documents = {
        v.id: document_of(v)
        for v in session.scalars(select(InstrumentVersion).where(InstrumentVersion.id.in_(set(versions.values()))))
    }
    return {rid: documents[vid] for rid, vid in versions.items() if vid in documents}
