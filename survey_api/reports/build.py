"""A periodic report's content from the database, through the features' services: the index and its change
since the previous period, the ranking with each unit's change, elements and weakest items, feedback
handling, and the method. The numbers are those of ``GET /api/v1/indices`` for the same selection."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sampling.compare import difference_significant
from survey_api.db.base import utcnow
from survey_api.db.models import User
from survey_api.errors import InvalidInput
from survey_api.estimates.params import IndexParams
from survey_api.estimates.schemas import IndicesOut, LevelOut
from survey_api.estimates.service import indices
from survey_api.feedback.counts import counts_by_unit
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import document_of, list_published
from survey_api.rankings.schemas import RankingOut, RankingParams
from survey_api.rankings.service import ranking
from survey_api.reports import model
from survey_api.reports.periods import Period
from survey_api.reports.wording import ci_text, weighting_text
from survey_api.settings import Settings

WEAKEST_ITEMS = 5
RANKING_METHOD = (
    "Các đơn vị được xếp hạng theo tỷ lệ hài lòng. Khoảng hạng của một đơn vị gồm 95% các thứ hạng mà đơn vị "
    "nhận được qua 10.000 lần mô phỏng kết quả của mọi đơn vị theo sai số chọn mẫu; các đơn vị cùng nhóm có tỷ "
    "lệ hài lòng không khác nhau có ý nghĩa thống kê so với đơn vị đứng đầu nhóm."
)


def build_report(
    session: Session, *, instrument: str, period: Period, unit: str | None, viewer: User, settings: Settings
) -> model.Report:
    """The report of ``instrument`` for ``period`` (and ``unit`` with the units below it)."""
    selection = {"instrument": instrument, "from": period.first, "to": period.last, "unit": unit}
    index = indices(session, IndexParams.model_validate(selection), viewer=viewer, settings=settings)
    if not index.weighted:
        # Unweighted results carry no standard errors; with unit weights the same estimates come with them.
        asked = IndexParams.model_validate({**selection, "weighted": True})
        index = indices(session, asked, viewer=viewer, settings=settings)
    if index.overall.satisfied is None:
        raise InvalidInput(f"no answers to {instrument} in {period.label_en}: there is nothing to report")
    before = period.previous()
    earlier = {**selection, "from": before.first, "to": before.last}
    ranked = ranking(session, RankingParams.model_validate(selection), viewer=viewer, settings=settings)
    previous = ranking(session, RankingParams.model_validate(earlier), viewer=viewer, settings=settings)
    version = next(v for v in list_published(session) if (v.instrument.code, v.version) == (instrument, index.version))
    summary = model.Summary(
        index=_share(index.overall),
        respondents=index.overall.respondents or index.responses,
        target=index.target.value if index.target else None,
        change=_overall_change(index),
        instrument=version.title,
        scope=f"{len(ranked.ranked) + len(ranked.not_ranked)} đơn vị",
    )
    ranking_part = _ranking(ranked, previous)
    charts = (model.ranking_chart(ranking_part, summary.target),) if ranking_part.units else ()
    return model.Report(
        header=model.Header(settings.report_issuer, settings.report_number, settings.report_place, utcnow().date()),
        subject=f"Kết quả khảo sát sự hài lòng {period.label_vi[0].lower()}{period.label_vi[1:]}: {version.title}",
        period=period,
        summary=summary,
        ranking=ranking_part,
        elements=tuple(_element(level) for level in index.elements if level.satisfied is not None),
        weakest_items=_weakest(index, document_of(version)),
        method=_method(index),
        feedback=_feedback(session, period),
        charts=charts,
        metadata=(("Phiếu", f"{instrument} phiên bản {index.version}"), ("Kỳ", period.code)),
    )


def _share(level: LevelOut) -> model.Share:
    low, high = level.satisfied_ci or (None, None)
    return model.Share(level.satisfied or 0.0, low, high)


def _overall_change(index: IndicesOut) -> model.Change | None:
    before = index.previous_period
    if before is None or before.satisfied is None or before.change is None:
        return None
    return model.Change(before.satisfied, before.change, before.significant)


def _ranking(now: RankingOut, before: RankingOut) -> model.Ranking:
    earlier = {u.unit: u for u in before.ranked}
    units = []
    for unit in now.ranked:
        change = None
        past = earlier.get(unit.unit)
        if past is not None and past.satisfied is not None and unit.satisfied is not None:
            delta = unit.satisfied - past.satisfied
            significant = difference_significant(delta, unit.satisfied_se or 0.0, past.satisfied_se or 0.0, now.level)
            change = model.Change(past.satisfied, delta, significant)
        units.append(
            model.RankedUnit(
                rank=unit.rank or 0,
                rank_low=unit.rank_low or 0,
                rank_high=unit.rank_high or 0,
                unit=unit.name,
                respondents=unit.respondents,
                satisfied=model.Share(unit.satisfied or 0.0, *(unit.satisfied_ci or (None, None))),
                change=change,
                tier=unit.tier,
            )
        )
    apart = tuple(model.UnrankedUnit(u.name, u.respondents) for u in now.not_ranked)
    return model.Ranking(tuple(units), apart, now.min_answers, RANKING_METHOD)


def _element(level: LevelOut) -> model.Element:
    return model.Element(level.label, _share(level), level.respondents or level.n)


def _weakest(index: IndicesOut, document: InstrumentDocument) -> tuple[model.Item, ...]:
    element_of = {code: element.code for element in document.index.elements for code in element.items}
    names = {level.code: level.label for level in index.elements}
    answered = [item for item in index.items if item.satisfied is not None]
    return tuple(
        model.Item(
            code=item.code,
            text=item.label,
            element=names.get(element_of.get(item.code, ""), ""),
            satisfied=_share(item),
            respondents=item.respondents or item.n,
        )
        for item in sorted(answered, key=lambda item: item.satisfied or 0.0)[:WEAKEST_ITEMS]
    )


def _method(index: IndicesOut) -> model.Method:
    run = index.weighting_run
    margins = tuple(sorted(run.margins)) if run is not None else ()
    return model.Method(weighting_text(run.method if run else None), 0.95, ci_text("logit"), margins)


def _feedback(session: Session, period: Period) -> tuple[model.FeedbackUnit, ...]:
    counts = counts_by_unit(session, None, received_from=period.first, received_to=period.last)
    return tuple(
        model.FeedbackUnit(u.name or "Chưa xác định đơn vị", u.received, u.answered_on_time, u.overdue)
        for u in counts.units
        if u.received
    )
