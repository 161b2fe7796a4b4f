"""The feedback API's bodies built from the views (Vietnamese labels: the API's names are the official ones)."""

from __future__ import annotations

from survey_api.feedback.counts import Counts, UnitCounts
from survey_api.feedback.schemas import (
    CountsOut,
    ElementOut,
    EventOut,
    FeedbackDetail,
    FeedbackOut,
    ScoreOut,
    UnitCountsOut,
)
from survey_api.feedback.views import Detail, Listed


def feedback_out(item: Listed) -> FeedbackOut:
    r, f = item.row, item.row.feedback
    return FeedbackOut(
        id=f.id,
        reference=f.reference,
        kind=f.kind,
        text=f.text,
        status=f.status,
        created_at=f.created_at,
        due=f.due_on,
        overdue=item.overdue,
        unit=r.unit_code,
        unit_name=r.unit_name,
        service_point=r.point_code,
        service_point_name=r.point_name,
        low_elements=[ElementOut(code=code, label=vi) for code, vi, _en in item.low_elements],
        has_contact=r.has_contact,
        replied_at=f.replied_at,
        published=f.published_at is not None,
    )


def detail_out(d: Detail) -> FeedbackDetail:
    f = d.listed.row.feedback
    return FeedbackDetail(
        **feedback_out(d.listed).model_dump(),
        reply=f.reply,
        rejection_reason=f.rejection_reason,
        public_text=f.public_text,
        public_reply=f.public_reply,
        scores=[ScoreOut(code=s.code, label=s.label_vi, mean=s.mean, low=s.low) for s in d.scores],
        history=[
            EventOut(
                at=e.event.at,
                action=e.event.action,
                by=e.by,
                from_status=e.event.from_status,
                to_status=e.event.to_status,
                from_unit=e.from_unit,
                to_unit=e.to_unit,
                note=e.event.note,
            )
            for e in d.history
        ],
    )


def counts_out(counts: Counts) -> CountsOut:
    def one(u: UnitCounts) -> UnitCountsOut:
        return UnitCountsOut(
            unit=u.code,
            unit_name=u.name,
            received=u.received,
            answered_on_time=u.answered_on_time,
            answered_late=u.answered_late,
            overdue=u.overdue,
            open=u.open,
        )

    return CountsOut(units=[one(u) for u in counts.units], total=one(counts.total))
