"""The one rule on answering where the work has stopped: no answer is stored at a switched-off service point,
nor for a unit on a day after it closed. Every path that stores a response asks it (``collection.service``),
and so does the QR page before it shows a form (``qr.service.open_link``)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from survey_api.db.models import OrgUnit, ServicePoint
from survey_api.errors import Gone
from survey_api.units.maps import Closure, PointClosure, closure_of, point_closure


class UnitClosed(Gone):
    """The answer is for a unit on a day after the unit closed (410); ``closure`` names its successors."""

    def __init__(self, closure: Closure, day: date) -> None:
        first = closure.last_day + timedelta(days=1)
        instead = "; ".join(name for name, _share in closure.successors)
        where = f"hãy ghi nhận cho đơn vị tiếp nhận: {instead}" if instead else "đơn vị này không có đơn vị tiếp nhận"
        super().__init__(
            f"phiếu không được lưu: {closure.unit_name} đã ngừng hoạt động từ ngày {first:%d/%m/%Y}, "
            f"phiếu ghi ngày {day:%d/%m/%Y}; {where}",
            errors=[
                {"item": "unit", "problem": f"đã ngừng hoạt động từ ngày {first:%d/%m/%Y}", "reason": "unit_closed"}
            ],
        )
        self.closure = closure


class PointClosed(Gone):
    """The answer is for a switched-off service point (410); ``closure`` names where to answer instead."""

    def __init__(self, closure: PointClosure) -> None:
        instead = "; ".join(closure.instead)
        where = f"có thể đánh giá tại: {instead}" if instead else "đơn vị không còn điểm khảo sát nào khác"
        super().__init__(
            f"phiếu không được lưu: điểm khảo sát {closure.point_name} đã ngừng nhận phiếu; {where}",
            errors=[{"item": "service_point", "problem": "đã ngừng nhận phiếu", "reason": "point_closed"}],
        )
        self.closure = closure


def refuse_closed(session: Session, *, unit_id: int | None, point_id: int | None, day: date) -> None:
    """Raise :class:`PointClosed` when the point ``point_id`` is switched off, :class:`UnitClosed` when the
    unit ``unit_id`` closed before ``day``; nothing while both are open.

    ``day`` is the day the answer was given (a response's ``observed_on``: its completion day as the device
    recorded it when plausible, else its arrival day), not the day it reaches the server: an answer a tablet
    collected offline while the unit was still open is accepted when it syncs after the closure. A unit's
    closure is dated (``valid_to``, its last day); a point's switch-off is not (a flag), so a switched-off
    point takes no new answer whatever its day. A retry of an answer already stored never comes here
    (``collection.service.replay`` acknowledges it as such).
    """
    if point_id is not None:
        point = session.get(ServicePoint, point_id)
        if point is not None and not point.active:
            refuse_closed_point(session, point.code, day)
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is not None and unit.valid_to is not None and unit.valid_to < day:
        closure = closure_of(session, unit, day)
        if closure is not None:
            raise UnitClosed(closure, day)


def refuse_closed_point(session: Session, code: str, day: date) -> None:
    """Raise :class:`PointClosed` when the service point ``code`` is switched off (nothing when it is active
    or there is no such point)."""
    ended = point_closure(session, code, day)
    if ended is not None:
        raise PointClosed(ended)
