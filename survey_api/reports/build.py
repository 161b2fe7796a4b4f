"""A periodic report's content from the database, through the features' services: the index and its change
since the previous period, the ranking with each unit's change, elements and weakest items, feedback
handling, and the method. The numbers are those of ``GET /api/v1/indices`` for the same selection."""

from __future__ import annotations

from sqlalchemy.orm import Session

from survey_api.db.base import utcnow
from survey_api.db.models import User
from survey_api.errors import InvalidInput
from survey_api.estimates.schemas import IndicesOut, LevelOut
from survey_api.feedback.counts import counts_by_unit
from survey_api.instruments.document import InstrumentDocument
from survey_api.instruments.service import document_of, list_published
from survey_api.rankings.schemas import RankingOut, RankingParams
from survey_api.rankings.service import ranking
from survey_api.reports import model
from survey_api.reports.estimates import change_between, index_with_ci, previous_change
from survey_api.reports.lexicon import WORDS
from survey_api.reports.periods import Period
from survey_api.reports.wording import Language, ci_text, weighting_text
from survey_api.settings import Settings

WEAKEST_ITEMS = 5


def build_report(
    session: Session,
    *,
    instrument: str,
    period: Period,
    unit: str | None,
    viewer: User,
    settings: Settings,
    language: Language = "vi",
) -> model.Report:
    """The report of ``instrument`` for ``period`` (and ``unit`` with the units below it), in ``language``
    (Vietnamese or English: the same numbers; names of units and the instrument's title as stored, its
    elements and items in English where the instrument has their English wording)."""
    w = WORDS[language]
    selection = {"instrument": instrument, "from": period.first, "to": period.last, "unit": unit}
    index = index_with_ci(session, selection, viewer=viewer, settings=settings)
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
        change=previous_change(index),
        instrument=version.title,
        scope=w["scope"].format(n=len(ranked.ranked) + len(ranked.not_ranked)),
    )
    ranking_part = _ranking(ranked, previous, w["ranking_method"])
    charts = (model.ranking_chart(ranking_part, summary.target, language=language),) if ranking_part.units else ()
    label = period.label_en if language == "en" else period.label_vi[0].lower() + period.label_vi[1:]
    return model.Report(
        header=model.Header(settings.report_issuer, settings.report_number, settings.report_place, utcnow().date()),
        subject=w["subject"].format(period=label, instrument=version.title),
        period=period,
        summary=summary,
        ranking=ranking_part,
        elements=tuple(_element(level, language) for level in index.elements if level.satisfied is not None),
        weakest_items=_weakest(index, document_of(version), language),
        method=_method(index, language),
        feedback=_feedback(session, period, w["unknown_unit"]),
        charts=charts,
        metadata=(
            (w["instrument_meta"], w["instrument_version"].format(code=instrument, version=index.version)),
            (w["period_meta"], period.code),
        ),
        title=w["title"],
        language=language,
    )


def _label(level: LevelOut, language: Language) -> str:
    return level.label_en if language == "en" and level.label_en else level.label


def _share(level: LevelOut) -> model.Share:
    low, high = level.satisfied_ci or (None, None)
    return model.Share(level.satisfied or 0.0, low, high)


def _ranking(now: RankingOut, before: RankingOut, method: str) -> model.Ranking:
    earlier = {u.unit: u for u in before.ranked}
    units = []
    for unit in now.ranked:
        past = earlier.get(unit.unit)
        change = None
        if past is not None:
            change = change_between(unit.satisfied, unit.satisfied_se, past.satisfied, past.satisfied_se, now.level)
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
    return model.Ranking(tuple(units), apart, now.min_answers, method)


def _element(level: LevelOut, language: Language) -> model.Element:
    return model.Element(_label(level, language), _share(level), level.respondents or level.n)


def _weakest(index: IndicesOut, document: InstrumentDocument, language: Language) -> tuple[model.Item, ...]:
    element_of = {code: element.code for element in document.index.elements for code in element.items}
    names = {level.code: _label(level, language) for level in index.elements}
    answered = [item for item in index.items if item.satisfied is not None]
    return tuple(
        model.Item(
            code=item.code,
            text=_label(item, language),
            element=names.get(element_of.get(item.code, ""), ""),
            satisfied=_share(item),
            respondents=item.respondents or item.n,
        )
        for item in sorted(answered, key=lambda item: item.satisfied or 0.0)[:WEAKEST_ITEMS]
    )


def _method(index: IndicesOut, language: Language) -> model.Method:
    run = index.weighting_run
    margins = tuple(sorted(run.margins)) if run is not None else ()
    weighting = weighting_text(run.method if run else None, language)
    return model.Method(weighting, 0.95, ci_text("logit", language=language), margins)


def _feedback(session: Session, period: Period, unknown: str) -> tuple[model.FeedbackUnit, ...]:
    counts = counts_by_unit(session, None, received_from=period.first, received_to=period.last)
    return tuple(
        model.FeedbackUnit(u.name or unknown, u.received, u.answered_on_time, u.overdue)
        for u in counts.units
        if u.received
    )
