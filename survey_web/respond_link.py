"""Opening a QR link for a respondent: the link as the QR service resolves it, unless its point was switched off
or its unit closed by a change of the map — then the page names where to answer instead (410)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey_api.collection.service import LOCAL_TIME
from survey_api.db.base import utcnow
from survey_api.qr.service import LinkProblem, OpenLink, resolve
from survey_api.settings import Settings
from survey_api.units.service import Closure, PointClosure, closure_of, point_closure


class UnitClosed(LinkProblem):
    """The link's point belongs to a unit closed by a change of the map (410); the page names the successors."""

    def __init__(self, closure: Closure) -> None:
        super().__init__("closed", f"{closure.unit_name} closed after {closure.last_day}")
        self.closure = closure


class PointClosed(LinkProblem):
    """The link's point is switched off (410); the page names where to answer instead."""

    def __init__(self, closure: PointClosure) -> None:
        super().__init__("revoked", f"{closure.point_name} is switched off")
        self.closure = closure


def open_link(
    session: Session, settings: Settings, point: str, instrument: str, generation: int, signature: str
) -> OpenLink:
    """The open link, as :func:`resolve` finds it, unless its point is switched off (:class:`PointClosed`) or
    its point's unit has closed (:class:`UnitClosed`)."""
    today = utcnow().astimezone(LOCAL_TIME).date()
    try:
        opened = resolve(session, settings, point, instrument, generation, signature)
    except LinkProblem as exc:
        ended = point_closure(session, point, today) if exc.reason == "revoked" else None
        if ended is not None:
            raise PointClosed(ended) from exc
        raise
    closure = closure_of(session, opened.unit, today)
    if closure is not None:
        raise UnitClosed(closure)
    return opened
